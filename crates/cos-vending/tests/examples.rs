//! The shipped example configuration parses (and says what the guide says it does).
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::Path;

#[test]
fn the_production_example_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/deploy/serve.example.toml");
    let settings = cos_vending::Settings::load(&path).unwrap();
    let roles = settings.roles();
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0].name(), "user");
    assert_eq!(roles[0].max_duration_seconds(), 3600);
    assert_eq!(roles[1].max_duration_seconds(), 900);
    assert_eq!(settings.issuer().kind, cos_vending::IssuerKind::AssumeRole);
    assert_eq!(settings.format(), cos_vending::Format::Sts);
    assert!(settings.limits().body_timeout() <= std::time::Duration::from_secs(30));
}

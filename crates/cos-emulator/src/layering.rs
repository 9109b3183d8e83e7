//! The pipeline's layering, checked: a request flows `http` → `cos` (route, table) →
//! `auth` → `cos::ops` / `sts` → `storage`, and no module reaches back up that flow.

use std::path::{Path, PathBuf};

/// `(layer directory, crate paths it must not use, why)`.
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "http",
        &[
            "crate::auth",
            "crate::cos",
            "crate::sts",
            "crate::identity",
            "crate::storage",
            "crate::state",
            "crate::admin",
        ],
        "HTTP mechanics serve any handler",
    ),
    (
        "storage",
        &[
            "crate::http",
            "crate::auth",
            "crate::cos",
            "crate::sts",
            "crate::identity",
            "crate::state",
            "crate::admin",
        ],
        "storage is the bottom layer",
    ),
    (
        "identity",
        &[
            "crate::http",
            "crate::auth",
            "crate::cos",
            "crate::sts",
            "crate::state",
            "crate::admin",
        ],
        "identities sit below COS authorization and STS",
    ),
    (
        "auth",
        &[
            "crate::sts",
            "crate::cos::ops",
            "crate::cos::table",
            "crate::cos::handle",
        ],
        "authorization is fed by the table, never calls handlers",
    ),
    (
        "cos/ops",
        &[
            "crate::auth",
            "crate::identity",
            "crate::sts",
            "crate::cos::table",
            "crate::cos::handle",
        ],
        "handlers run after authorization and never re-enter it",
    ),
    (
        "sts",
        &["crate::cos", "crate::auth"],
        "STS shares identities and storage with COS, nothing else",
    ),
];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

#[test]
fn no_layer_reaches_back_up_the_pipeline() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (layer, forbidden, why) in RULES {
        let files = rust_files(&src.join(layer));
        assert!(!files.is_empty(), "layer {layer} has no files");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for path in *forbidden {
                if text.contains(path) {
                    violations.push(format!("{} uses {path} ({why})", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}

//! Get a scoped temporary key with the keys in the environment.
//!
//! ```sh
//! TENCENTCLOUD_SECRET_ID=… TENCENTCLOUD_SECRET_KEY=… \
//!   cargo run -p sts-client --example env_credential -- examplebucket-1250000000 ap-guangzhou 'uploads/*'
//! ```
//! `STS_ENDPOINT=http://127.0.0.1:PORT/` points it at a local emulator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sts_client::provider::{CredentialsCache, EnvironmentProvider};
use sts_client::{Bucket, CredentialRequest, Endpoint, StsClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bucket, region, prefix] = args.as_slice() else {
        eprintln!("usage: env_credential <bucket-appid> <region> <prefix>");
        std::process::exit(2);
    };
    let mut builder =
        StsClient::builder().credentials(CredentialsCache::new(EnvironmentProvider::new()));
    if let Ok(url) = std::env::var("STS_ENDPOINT") {
        builder = builder.endpoint(Endpoint::custom(&url)?);
    }
    let client = builder.build()?;
    // Parsed into their types: swapped arguments are refused with a hint.
    let bucket = Bucket::new(bucket.parse()?, region.parse()?);
    let request = CredentialRequest::new(&bucket)
        .allow_prefix(prefix)
        .allow_actions(["GetObject", "PutObject", "PostObject"])
        .duration_seconds(1800);
    let issued = client.get_credential(&request).await?;
    // The lower-camel shape of the official Node/Python SDKs.
    println!("{}", serde_json::to_string_pretty(&issued.sdk_shape())?);
    Ok(())
}

//! A credential-vending HTTP handler: `GET /sts` answers the `getAuthorization` shape of
//! cos-js-sdk-v5 with a scoped key that a cache keeps fresh (one STS call per key lifetime,
//! however many browsers ask).
//!
//! ```sh
//! TENCENTCLOUD_SECRET_ID=… TENCENTCLOUD_SECRET_KEY=… \
//!   cargo run -p sts-client --example vending_handler -- examplebucket-1250000000 ap-guangzhou 'uploads/*'
//! curl http://127.0.0.1:8080/sts
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sts_client::provider::{
    CredentialsCache, EnvironmentProvider, FederationTokenProvider, ProvideCredentials,
};
use sts_client::{Bucket, CredentialRequest, Endpoint, StsClient};

fn json(status: u16, body: String) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bucket, region, prefix] = args.as_slice() else {
        eprintln!("usage: vending_handler <bucket-appid> <region> <prefix>");
        std::process::exit(2);
    };
    let mut builder = StsClient::builder().credentials(EnvironmentProvider::new());
    if let Ok(url) = std::env::var("STS_ENDPOINT") {
        builder = builder.endpoint(Endpoint::custom(&url)?);
    }
    // Parsed into their types: swapped arguments are refused with a hint.
    let bucket = Bucket::new(bucket.parse()?, region.parse()?);
    let request = CredentialRequest::new(&bucket)
        .allow_prefix(prefix)
        .allow_actions([
            "PutObject",
            "PostObject",
            "InitiateMultipartUpload",
            "UploadPart",
            "CompleteMultipartUpload",
            "ListParts",
            "AbortMultipartUpload",
        ])
        .duration_seconds(1800);
    let keys = Arc::new(CredentialsCache::new(FederationTokenProvider::new(
        builder.build()?,
        request,
    )?));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    eprintln!("serving GET http://127.0.0.1:8080/sts");
    loop {
        let (stream, _) = listener.accept().await?;
        let keys = keys.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let keys = keys.clone();
                async move {
                    if req.uri().path() != "/sts" {
                        return Ok::<_, std::convert::Infallible>(json(
                            404,
                            r#"{"error":"not found"}"#.into(),
                        ));
                    }
                    Ok(match keys.provide_credentials().await {
                        Ok(key) => {
                            let credential = key.credential();
                            let body = serde_json::json!({
                                "TmpSecretId": credential.secret_id(),
                                "TmpSecretKey": credential.secret_key(),
                                "SecurityToken": credential.token().unwrap_or_default(),
                                "ExpiredTime": key.expires_at(),
                            });
                            json(200, body.to_string())
                        }
                        Err(error) => {
                            tracing::error!(%error, "cannot vend credentials");
                            json(503, r#"{"error":"credentials unavailable"}"#.into())
                        }
                    })
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

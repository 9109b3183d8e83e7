//! The COS connection options shared by `presign`, `put`, `get`, `ls`, `rm`, `upload` and
//! `download`, and the [`cos_client::Client`] they make.

use std::time::Duration;

use clap::Args;
use cos_client::{Bucket, BucketName, Client, Endpoint, Region};

use crate::commands::credential::keys::KeyArgs;
use crate::commands::outcome::Failure;

/// Bucket, region, endpoint and key.
#[derive(Debug, Args)]
pub(crate) struct CosArgs {
    /// The bucket, `<name>-<appid>`.
    #[arg(long)]
    pub(crate) bucket: BucketName,
    /// The bucket's region, e.g. `ap-guangzhou`.
    #[arg(long)]
    pub(crate) region: Region,
    /// Send requests to this base URL (`http(s)://host[:port]`) instead of
    /// `<bucket>.cos.<region>.myqcloud.com`: a custom domain bound to the bucket, or a local
    /// emulator (`cos-sts emulator` prints its `cos_endpoint`) whose first bucket is `--bucket`.
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// Timeout of one request attempt, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub(crate) timeout: u64,
    #[command(flatten)]
    pub(crate) keys: KeyArgs,
}

/// Parses `--endpoint`: the scheme and the `host[:port]` it names.
pub(crate) fn parse_endpoint(url: &str) -> Result<Endpoint, Failure> {
    let bad = |why: &str| Failure::input(format!("--endpoint `{url}`: {why}"));
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad("expected an http:// or https:// URL"));
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err(bad("expected only a scheme, a host and an optional port"));
    }
    let endpoint = Endpoint::default().custom_domain(authority);
    Ok(if https { endpoint } else { endpoint.http() })
}

impl CosArgs {
    /// `--bucket` in `--region`.
    pub(crate) fn location(&self) -> Bucket {
        Bucket::new(self.bucket.clone(), self.region.clone())
    }

    /// A client for these options (nothing is sent yet).
    pub(crate) fn client(&self) -> Result<Client, Failure> {
        let mut builder = Client::builder()
            .bucket(&self.location())
            .credentials(self.keys.provider()?)
            .request_timeout(Duration::from_secs(self.timeout.max(1)));
        if let Some(url) = &self.endpoint {
            builder = builder.endpoint(parse_endpoint(url)?);
        }
        builder.build().map_err(|e| Failure::input(e.to_string()))
    }
}

/// A runtime for one command.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Output(format!("starting the runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_scheme_host_and_port() {
        let target = parse_endpoint("http://127.0.0.1:9000/")
            .unwrap()
            .target(&Bucket::new(
                "b-1250000000".parse().unwrap(),
                "ap-guangzhou".parse().unwrap(),
            ))
            .unwrap();
        assert_eq!(target.url_prefix(), "http://127.0.0.1:9000");
        let target = parse_endpoint("https://static.example.com")
            .unwrap()
            .target(&Bucket::new(
                "b-1250000000".parse().unwrap(),
                "ap-guangzhou".parse().unwrap(),
            ))
            .unwrap();
        assert_eq!(target.url_prefix(), "https://static.example.com");
    }

    #[test]
    fn endpoints_with_paths_or_other_schemes_are_rejected() {
        for url in [
            "ftp://h",
            "127.0.0.1:9000",
            "http://",
            "http://h/path",
            "http://u@h",
        ] {
            assert!(
                matches!(parse_endpoint(url), Err(Failure::BadInput(_))),
                "{url}"
            );
        }
    }
}

//! The JSON shapes a response can take.

use serde::Deserialize;
use serde_json::Value;
use sts_client::TemporaryCredentials;

/// The shape of a credential response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    /// `{TmpSecretId, TmpSecretKey, SecurityToken, StartTime, ExpiredTime}`: what
    /// cos-js-sdk-v5's `getAuthorization` callback takes.
    #[default]
    Js,
    /// `{credentials:{tmpSecretId,tmpSecretKey,sessionToken}, startTime, expiredTime, …}`: the
    /// lower-camel shape of the official STS SDKs.
    V2,
    /// `{Credentials:{TmpSecretId,TmpSecretKey,Token}, StartTime, ExpiredTime, …}`: the STS
    /// API's shape.
    Api,
}

impl Format {
    /// `js`, `v2` or `api` (from a query parameter).
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "js" => Some(Self::Js),
            "v2" => Some(Self::V2),
            "api" => Some(Self::Api),
            _ => None,
        }
    }
}

/// Where a server-chosen key points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChosenKey<'a> {
    /// The bucket.
    pub(crate) bucket: &'a str,
    /// The region.
    pub(crate) region: &'a str,
    /// The object key.
    pub(crate) key: &'a str,
}

/// `issued` in `format`, plus the chosen key's `bucket`/`region`/`key` (PascalCase for `js`
/// and `api`, lower-case for `v2`) when there is one.
pub(crate) fn render(
    issued: &TemporaryCredentials,
    format: Format,
    chosen: Option<&ChosenKey<'_>>,
) -> Value {
    let mut value = match format {
        Format::Js => serde_json::to_value(issued.cos_js_shape()),
        Format::V2 => serde_json::to_value(issued.sdk_shape()),
        Format::Api => serde_json::to_value(issued.api_shape()),
    }
    .unwrap_or(Value::Null);
    if let (Some(chosen), Value::Object(map)) = (chosen, &mut value) {
        let names = match format {
            Format::V2 => ["bucket", "region", "key"],
            Format::Js | Format::Api => ["Bucket", "Region", "Key"],
        };
        for (name, text) in names
            .into_iter()
            .zip([chosen.bucket, chosen.region, chosen.key])
        {
            map.insert(name.to_owned(), Value::String(text.to_owned()));
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use tc3_signer::Credential;

    fn issued() -> TemporaryCredentials {
        TemporaryCredentials::new(
            Credential::new("AKIDTMP", "SECRETKEY").with_token("TOKEN"),
            100,
            200,
            Some("1970-01-01T00:03:20Z".into()),
            "req",
        )
    }

    #[test]
    fn js_shape_is_what_get_authorization_takes() {
        let v = render(&issued(), Format::Js, None);
        assert_eq!(
            v,
            serde_json::json!({"TmpSecretId":"AKIDTMP","TmpSecretKey":"SECRETKEY",
                "SecurityToken":"TOKEN","StartTime":100,"ExpiredTime":200})
        );
    }

    #[test]
    fn other_shapes_and_chosen_keys() {
        let chosen = ChosenKey {
            bucket: "b-1",
            region: "r",
            key: "users/a/k.png",
        };
        let v2 = render(&issued(), Format::V2, Some(&chosen));
        assert_eq!(v2["credentials"]["sessionToken"], "TOKEN");
        assert_eq!(v2["startTime"], 100);
        assert_eq!(v2["key"], "users/a/k.png");
        let api = render(&issued(), Format::Api, Some(&chosen));
        assert_eq!(api["Credentials"]["Token"], "TOKEN");
        assert_eq!(api["Bucket"], "b-1");
        let js = render(&issued(), Format::Js, Some(&chosen));
        assert_eq!(js["Key"], "users/a/k.png");
        assert_eq!(js["Region"], "r");
    }

    #[test]
    fn names_parse() {
        assert_eq!(Format::from_name("v2"), Some(Format::V2));
        assert_eq!(Format::from_name("api"), Some(Format::Api));
        assert_eq!(Format::from_name("js"), Some(Format::Js));
        assert_eq!(Format::from_name("xml"), None);
    }
}

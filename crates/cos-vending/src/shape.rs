//! The JSON shapes an answer can take.

use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;
use sts_client::TemporaryCredentials;

/// The shape of a credential answer.
///
/// ```
/// assert_eq!(cos_vending::Format::default(), cos_vending::Format::Sts);
/// assert_eq!(cos_vending::Format::from_name("v2"), Some(cos_vending::Format::Sts));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// `{credentials:{tmpSecretId,tmpSecretKey,sessionToken}, requestId, expiration,
    /// startTime, expiredTime}`: what the official `sts-server.js` answers (the official STS
    /// SDKs' lower-camel shape), so front ends written for it work unchanged. Also `v2`.
    #[default]
    #[serde(alias = "v2")]
    Sts,
    /// `{TmpSecretId, TmpSecretKey, SecurityToken, StartTime, ExpiredTime}`: what
    /// cos-js-sdk-v5's `getAuthorization` callback takes.
    Js,
    /// `{Credentials:{TmpSecretId,TmpSecretKey,Token}, StartTime, ExpiredTime, …}`: the STS
    /// API's shape.
    Api,
}

impl Format {
    /// `sts` (or `v2`), `js` or `api` (from a query parameter or the command line).
    ///
    /// ```
    /// assert_eq!(cos_vending::Format::from_name("xml"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sts" | "v2" => Some(Self::Sts),
            "js" => Some(Self::Js),
            "api" => Some(Self::Api),
            _ => None,
        }
    }

    /// The name used in configuration files.
    ///
    /// ```
    /// assert_eq!(cos_vending::Format::Js.name(), "js");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Sts => "sts",
            Self::Js => "js",
            Self::Api => "api",
        }
    }
}

/// Where a server-chosen key points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenKey {
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The object key.
    pub key: String,
}

/// `issued` in `format`; plus `ScopeLimit: true` when the key is narrowed to a scope or a
/// key (cos-js-sdk-v5 then caches it per scope instead of reusing it for other objects), and
/// the chosen key's `bucket`/`region`/`key` (PascalCase for `js` and `api`, lower-case for
/// `sts`) when there is one.
///
/// ```
/// let c = sts_client::TemporaryCredentials::new(
///     tc3_signer::Credential::new("id", "key").with_token("t"), 1, 2, None, "r");
/// let v = cos_vending::render(&c, cos_vending::Format::Js, None, true);
/// assert_eq!(v["ScopeLimit"], true);
/// assert_eq!(v["SecurityToken"], "t");
/// ```
pub fn render(
    issued: &TemporaryCredentials,
    format: Format,
    chosen: Option<&ChosenKey>,
    narrowed: bool,
) -> Value {
    let mut value = match format {
        Format::Js => serde_json::to_value(issued.cos_js_shape()),
        Format::Sts => serde_json::to_value(issued.sdk_shape()),
        Format::Api => serde_json::to_value(issued.api_shape()),
    }
    .unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        if narrowed {
            map.insert("ScopeLimit".to_owned(), Value::Bool(true));
        }
        if let Some(chosen) = chosen {
            let names = match format {
                Format::Sts => ["bucket", "region", "key"],
                Format::Js | Format::Api => ["Bucket", "Region", "Key"],
            };
            for (name, text) in names
                .into_iter()
                .zip([&chosen.bucket, &chosen.region, &chosen.key])
            {
                map.insert(name.to_owned(), Value::String(text.clone()));
            }
        }
    }
    value
}

/// The answers already rendered for one issued key, shared by every copy of its cache
/// entry: a cache hit answers with these bytes instead of shaping and serialising again
/// (one slot per format, narrowed or not; server-chosen keys are never cached).
///
/// ```
/// let c = sts_client::TemporaryCredentials::new(
///     tc3_signer::Credential::new("id", "key").with_token("t"), 1, 2, None, "r");
/// let answers = cos_vending::Answers::default();
/// let body = answers.get(&c, cos_vending::Format::Js, true);
/// assert_eq!(
///     serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
///     cos_vending::render(&c, cos_vending::Format::Js, None, true)
/// );
/// assert_eq!(answers.get(&c, cos_vending::Format::Js, true).as_ptr(), body.as_ptr(), "rendered once");
/// ```
#[derive(Clone, Default)]
pub struct Answers(Arc<[OnceLock<Bytes>; 6]>);

impl Answers {
    /// The JSON answer for `issued` (the key these answers belong to) in `format`.
    pub fn get(&self, issued: &TemporaryCredentials, format: Format, narrowed: bool) -> Bytes {
        let slot = match format {
            Format::Sts => 0,
            Format::Js => 1,
            Format::Api => 2,
        } + if narrowed { 3 } else { 0 };
        self.0
            .get(slot)
            .map(|cell| {
                cell.get_or_init(|| Self::render(issued, format, narrowed))
                    .clone()
            })
            .unwrap_or_else(|| Self::render(issued, format, narrowed))
    }

    fn render(issued: &TemporaryCredentials, format: Format, narrowed: bool) -> Bytes {
        serde_json::to_vec(&render(issued, format, None, narrowed))
            .unwrap_or_default()
            .into()
    }
}

impl fmt::Debug for Answers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answers").finish_non_exhaustive()
    }
}

/// Rendered answers are a cache of the key they belong to, not part of its value.
impl PartialEq for Answers {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Answers {}

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
        let v = render(&issued(), Format::Js, None, false);
        assert_eq!(
            v,
            serde_json::json!({"TmpSecretId":"AKIDTMP","TmpSecretKey":"SECRETKEY",
                "SecurityToken":"TOKEN","StartTime":100,"ExpiredTime":200})
        );
    }

    #[test]
    fn other_shapes_and_chosen_keys() {
        let chosen = ChosenKey {
            bucket: "b-1".into(),
            region: "r".into(),
            key: "users/a/k.png".into(),
        };
        let v2 = render(&issued(), Format::Sts, Some(&chosen), true);
        assert_eq!(v2["credentials"]["sessionToken"], "TOKEN");
        assert_eq!(v2["startTime"], 100);
        assert_eq!(v2["key"], "users/a/k.png");
        assert_eq!(v2["ScopeLimit"], true);
        let api = render(&issued(), Format::Api, Some(&chosen), false);
        assert_eq!(api["Credentials"]["Token"], "TOKEN");
        assert_eq!(api["Bucket"], "b-1");
        let js = render(&issued(), Format::Js, Some(&chosen), false);
        assert_eq!(js["Key"], "users/a/k.png");
        assert_eq!(js["Region"], "r");
    }

    #[test]
    fn names_parse() {
        assert_eq!(Format::from_name("v2"), Some(Format::Sts));
        assert_eq!(Format::from_name("api"), Some(Format::Api));
        assert_eq!(Format::from_name("js"), Some(Format::Js));
        assert_eq!(Format::from_name("xml"), None);
    }
}

//! The `Scope` list cos-js-sdk-v5 sends with `getAuthorization`
//! (`[{action, bucket, region, prefix}]`), checked against what the caller may be granted.

use serde::Deserialize;

use crate::config::grantable_action;
use crate::grant::Target;

/// Most scope entries in one request.
pub const MAX_SCOPES: usize = 64;

/// The longest key accepted in a scope (COS allows 850 bytes).
const MAX_KEY_BYTES: usize = 850;

/// One entry of the list.
///
/// ```
/// let item: cos_vending::ScopeItem = serde_json::from_str(
///     r#"{"action":"name/cos:PutObject","bucket":"b-1250000000","region":"ap-guangzhou","prefix":"users/alice/a.png"}"#,
/// ).unwrap();
/// assert_eq!(item.prefix, "users/alice/a.png");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScopeItem {
    /// `name/cos:PutObject`, `cos:PutObject` or `PutObject`.
    pub action: String,
    /// `<name>-<appid>`.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The object key, or a key pattern ending with `*`.
    #[serde(default)]
    pub prefix: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Body {
    List(Vec<ScopeItem>),
    Wrapped {
        #[serde(alias = "scope", rename = "Scope")]
        scope: Option<Vec<ScopeItem>>,
    },
}

/// Why a scope list was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeError {
    /// The body is not a scope list.
    #[error("the request body is not a Scope list `[{{action, bucket, region, prefix}}]`: {0}")]
    Malformed(String),
    /// Too many entries.
    #[error("at most {MAX_SCOPES} scope entries are accepted")]
    TooMany,
    /// An entry asks for more than the caller may have.
    #[error("scope {index} is outside what this caller may be granted: {reason}")]
    Denied {
        /// Position in the list.
        index: usize,
        /// Why.
        reason: String,
    },
}

impl ScopeError {
    /// Never: the same list is refused again.
    ///
    /// ```
    /// assert!(!cos_vending::ScopeError::TooMany.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        false
    }

    /// Whether the list was well-formed but asked too much (403) rather than malformed (400).
    ///
    /// ```
    /// assert!(!cos_vending::ScopeError::TooMany.is_denial());
    /// ```
    pub fn is_denial(&self) -> bool {
        matches!(self, Self::Denied { .. })
    }
}

/// Parses a request body: empty, `{}` or a body without `Scope` mean no scope.
pub(crate) fn parse_body(body: &[u8]) -> Result<Option<Vec<ScopeItem>>, ScopeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: Body =
        serde_json::from_slice(body).map_err(|e| ScopeError::Malformed(e.to_string()))?;
    let scopes = match parsed {
        Body::List(list) => Some(list),
        Body::Wrapped { scope } => scope,
    };
    match scopes {
        Some(list) if list.len() > MAX_SCOPES => Err(ScopeError::TooMany),
        Some(list) if list.is_empty() => Err(ScopeError::Malformed("the list is empty".into())),
        other => Ok(other),
    }
}

/// What a caller may be granted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Allowed<'a> {
    /// The configured buckets.
    pub(crate) buckets: &'a [String],
    /// The configured region.
    pub(crate) region: &'a str,
    /// The configured actions.
    pub(crate) actions: &'a [&'static str],
    /// The caller's prefix (`users/alice/`).
    pub(crate) prefix: &'a str,
}

/// Checks every entry and groups them into targets (one per key, in first-seen order).
pub(crate) fn check(scopes: &[ScopeItem], allowed: Allowed<'_>) -> Result<Vec<Target>, ScopeError> {
    let mut targets: Vec<Target> = Vec::new();
    for (index, scope) in scopes.iter().enumerate() {
        let deny = |reason: String| ScopeError::Denied { index, reason };
        if !allowed.buckets.contains(&scope.bucket) {
            return Err(deny(format!("bucket `{}` is not served", scope.bucket)));
        }
        if scope.region != allowed.region {
            return Err(deny(format!("region `{}` is not served", scope.region)));
        }
        let action = grantable_action(&scope.action)
            .filter(|a| allowed.actions.contains(a))
            .ok_or_else(|| deny(format!("action `{}` is not granted", scope.action)))?;
        let key = check_key(&scope.prefix, allowed.prefix).map_err(|reason| deny(reason.into()))?;
        match targets
            .iter_mut()
            .find(|t| t.key == key && t.bucket.as_deref() == Some(scope.bucket.as_str()))
        {
            Some(target) => {
                if !target.actions.contains(&action) {
                    target.actions.push(action);
                }
            }
            None => targets.push(Target {
                bucket: Some(scope.bucket.clone()),
                key: key.to_owned(),
                actions: vec![action],
            }),
        }
    }
    Ok(targets)
}

fn check_key<'a>(raw: &'a str, prefix: &str) -> Result<&'a str, &'static str> {
    let key = raw.strip_prefix('/').unwrap_or(raw);
    if key.len() > MAX_KEY_BYTES {
        return Err("the key is too long");
    }
    if key.chars().any(char::is_control) {
        return Err("the key contains a control character");
    }
    if key
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return Err("the key contains a `.` or `..` segment");
    }
    if key.contains('?') || key.trim_end_matches('*').contains('*') || key.ends_with("**") {
        return Err("only one trailing `*` is allowed as a wildcard");
    }
    match key.strip_prefix(prefix) {
        Some(rest) if !rest.is_empty() => Ok(key),
        _ => Err("the key is not under the caller's prefix"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACTIONS: &[&str] = &["PutObject", "UploadPart", "GetObject"];

    fn allowed() -> Allowed<'static> {
        static BUCKETS: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["b-1250000000".to_owned()]);
        Allowed {
            buckets: &BUCKETS,
            region: "ap-guangzhou",
            actions: ACTIONS,
            prefix: "users/alice/",
        }
    }

    fn item(action: &str, prefix: &str) -> ScopeItem {
        ScopeItem {
            action: action.into(),
            bucket: "b-1250000000".into(),
            region: "ap-guangzhou".into(),
            prefix: prefix.into(),
        }
    }

    #[test]
    fn bodies_parse_in_every_accepted_form() {
        let list =
            json!([{"action":"name/cos:PutObject","bucket":"b-1","region":"r","prefix":"k"}]);
        let parsed = parse_body(list.to_string().as_bytes()).unwrap().unwrap();
        assert_eq!(parsed[0].prefix, "k");
        let wrapped = json!({"Scope": list});
        assert_eq!(
            parse_body(wrapped.to_string().as_bytes()).unwrap().unwrap(),
            parsed
        );
        let lower = json!({"scope": list});
        assert_eq!(
            parse_body(lower.to_string().as_bytes()).unwrap().unwrap(),
            parsed
        );
        assert_eq!(parse_body(b"").unwrap(), None);
        assert_eq!(parse_body(b" \n").unwrap(), None);
        assert_eq!(parse_body(b"{}").unwrap(), None);
        assert!(matches!(parse_body(b"[]"), Err(ScopeError::Malformed(_))));
        assert!(matches!(parse_body(b"{"), Err(ScopeError::Malformed(_))));
        assert!(matches!(
            parse_body(br#"[{"action":1}]"#),
            Err(ScopeError::Malformed(_))
        ));
        let many: Vec<_> = (0..=MAX_SCOPES)
            .map(|i| json!({"action":"PutObject","bucket":"b","region":"r","prefix":i.to_string()}))
            .collect();
        assert_eq!(
            parse_body(serde_json::Value::from(many).to_string().as_bytes()),
            Err(ScopeError::TooMany)
        );
    }

    #[test]
    fn scopes_inside_the_prefix_group_by_key() {
        let targets = check(
            &[
                item("name/cos:PutObject", "users/alice/a.png"),
                item("UploadPart", "/users/alice/a.png"),
                item("cos:GetObject", "users/alice/docs/*"),
                item("PutObject", "users/alice/a.png"),
            ],
            allowed(),
        )
        .unwrap();
        assert_eq!(
            targets,
            vec![
                Target {
                    bucket: Some("b-1250000000".into()),
                    key: "users/alice/a.png".into(),
                    actions: vec!["PutObject", "UploadPart"]
                },
                Target {
                    bucket: Some("b-1250000000".into()),
                    key: "users/alice/docs/*".into(),
                    actions: vec!["GetObject"]
                },
            ]
        );
    }

    #[test]
    fn scopes_outside_are_denied_with_their_index() {
        let mut other_bucket = item("PutObject", "users/alice/a");
        other_bucket.bucket = "other-1250000000".into();
        let mut other_region = item("PutObject", "users/alice/a");
        other_region.region = "ap-beijing".into();
        for (bad, reason) in [
            (item("PutObject", "users/bob/a.png"), "prefix"),
            (item("PutObject", "users/alice2/a.png"), "prefix"),
            (item("PutObject", "users/alice/"), "prefix"),
            (item("PutObject", "users/alice"), "prefix"),
            (item("PutObject", "users/*"), "prefix"),
            (item("PutObject", "users/alice/../bob/a"), ".."),
            (item("PutObject", "users/alice/a*b"), "wildcard"),
            (item("PutObject", "users/alice/a?"), "wildcard"),
            (item("PutObject", "users/alice/**"), "wildcard"),
            (item("PutObject", "users/alice/a\nb"), "control"),
            (
                item("PutObject", &format!("users/alice/{}", "a".repeat(900))),
                "long",
            ),
            (item("DeleteObject", "users/alice/a"), "not granted"),
            (item("HeadObject", "users/alice/a"), "not granted"),
            (item("name/cos:*", "users/alice/a"), "not granted"),
            (other_bucket, "bucket"),
            (other_region, "region"),
        ] {
            let scopes = [item("PutObject", "users/alice/ok"), bad];
            let error = check(&scopes, allowed()).unwrap_err();
            assert!(error.is_denial());
            assert!(!error.is_retryable());
            let text = error.to_string();
            assert!(text.contains("scope 1"), "{text}");
            assert!(text.contains(reason), "{reason} not in {text}");
        }
    }
}

//! The request an evaluation decides on: action, resource and context values.

use std::collections::BTreeMap;

use crate::condition::key_matches;

/// A context value: one string, or several (a multi-valued key such as `qcs:request_tag`).
///
/// ```
/// use cos_policy::ContextValue;
/// let one = ContextValue::from("10.1.2.3");
/// assert_eq!(one.as_slice(), ["10.1.2.3"]);
/// let many = ContextValue::from(vec!["a&b".to_owned(), "c&d".to_owned()]);
/// assert_eq!(many.as_slice().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum ContextValue {
    /// A single value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl ContextValue {
    /// The values as a slice.
    ///
    /// ```
    /// assert!(cos_policy::ContextValue::Many(vec![]).as_slice().is_empty());
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        match self {
            Self::One(value) => std::slice::from_ref(value),
            Self::Many(values) => values,
        }
    }
}

impl From<&str> for ContextValue {
    fn from(value: &str) -> Self {
        Self::One(value.to_owned())
    }
}

impl From<String> for ContextValue {
    fn from(value: String) -> Self {
        Self::One(value)
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(values: Vec<String>) -> Self {
        Self::Many(values)
    }
}

impl From<&[&str]> for ContextValue {
    fn from(values: &[&str]) -> Self {
        Self::Many(values.iter().map(|v| (*v).to_owned()).collect())
    }
}

impl<const N: usize> From<[&str; N]> for ContextValue {
    fn from(values: [&str; N]) -> Self {
        Self::Many(values.iter().map(|v| (*v).to_owned()).collect())
    }
}

/// A request to authorise.
///
/// JSON shape (the `context` is optional; its values are strings or arrays of strings and
/// are interpreted by each operator's type; keys are matched case-insensitively):
///
/// ```
/// use cos_policy::Request;
///
/// let request: Request = serde_json::from_str(r#"{
///     "action": "name/cos:PutObject",
///     "resource": "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.txt",
///     "context": {"qcs:ip": "10.1.2.3", "qcs:request_tag": ["a&b", "c&d"]}
/// }"#)?;
/// assert_eq!(request.action(), "name/cos:PutObject");
/// assert_eq!(request.context_values("QCS:IP").collect::<Vec<_>>(), ["10.1.2.3"]);
///
/// let built = Request::new(
///     "name/cos:PutObject",
///     "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.txt",
/// )
/// .with_context("qcs:ip", "10.1.2.3")
/// .with_context("qcs:request_tag", ["a&b", "c&d"]);
/// assert_eq!(built, request);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    action: String,
    resource: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    context: BTreeMap<String, ContextValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    principal: Option<String>,
}

impl Request {
    /// A request for `action` (`name/cos:X` or `cos:X`) on `resource` (a full resource string
    /// with the decoded object key, `…/<bucket>-<appid>/` for bucket APIs, `*` for
    /// GetService), with an empty context.
    ///
    /// ```
    /// let r = cos_policy::Request::new("cos:GetService", "*");
    /// assert_eq!(r.resource(), "*");
    /// ```
    #[must_use]
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            context: BTreeMap::new(),
            principal: None,
        }
    }

    /// Sets who sends the request (a CAM ARN such as `qcs::cam::uin/100000000001:uin/100000000011`,
    /// or `qcs::cam::anonymous:anonymous` for an unsigned request), for resource policies
    /// (bucket policies) whose statements name principals: such a statement then applies
    /// only when its principal names this one ([`principal_names`](crate::principal_names)).
    /// Without it, principals are not considered (identity-based evaluation).
    ///
    /// ```
    /// let r = cos_policy::Request::new("cos:GetObject", "*").with_principal("qcs::cam::anonymous:anonymous");
    /// assert_eq!(r.principal(), Some("qcs::cam::anonymous:anonymous"));
    /// ```
    #[must_use]
    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// The principal set with [`with_principal`](Self::with_principal), if any.
    ///
    /// ```
    /// assert!(cos_policy::Request::new("cos:GetObject", "*").principal().is_none());
    /// ```
    #[must_use]
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// Sets a context value (replacing a value under the same key spelling).
    ///
    /// ```
    /// let r = cos_policy::Request::new("cos:GetObject", "*").with_context("cos:secure-transport", "true");
    /// assert_eq!(r.context_values("cos:secure-transport").next(), Some("true"));
    /// ```
    #[must_use]
    pub fn with_context(mut self, key: impl Into<String>, value: impl Into<ContextValue>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    /// The action as given.
    ///
    /// ```
    /// assert_eq!(cos_policy::Request::new("cos:GetObject", "*").action(), "cos:GetObject");
    /// ```
    #[must_use]
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource as given.
    ///
    /// ```
    /// assert_eq!(cos_policy::Request::new("cos:GetObject", "*").resource(), "*");
    /// ```
    #[must_use]
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The context map as given.
    ///
    /// ```
    /// assert!(cos_policy::Request::new("cos:GetObject", "*").context().is_empty());
    /// ```
    #[must_use]
    pub fn context(&self) -> &BTreeMap<String, ContextValue> {
        &self.context
    }

    /// Every value of context key `key`, matched case-insensitively (and with the
    /// `cos:content_length` alias when `key` is `cos:content-length`).
    ///
    /// ```
    /// let r = cos_policy::Request::new("cos:PutObject", "*").with_context("Cos:Content_Length", "5");
    /// assert_eq!(r.context_values("cos:content-length").collect::<Vec<_>>(), ["5"]);
    /// ```
    pub fn context_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let canonical = key;
        self.context
            .iter()
            .filter(move |(k, _)| key_matches(canonical, k) || canonical.eq_ignore_ascii_case(k))
            .flat_map(|(_, v)| v.as_slice().iter().map(String::as_str))
    }

    /// Whether the context has key `key` (with at least one value).
    ///
    /// ```
    /// let r = cos_policy::Request::new("cos:GetObject", "*");
    /// assert!(!r.has_context("qcs:ip"));
    /// ```
    #[must_use]
    pub fn has_context(&self, key: &str) -> bool {
        self.context_values(key).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_round_trips() {
        let text = r#"{"action":"name/cos:PutObject","resource":"qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.txt","context":{"cos:content-length":"1024","cos:content-type":"image/png","cos:secure-transport":"true","qcs:current_time":"2026-01-01T00:00:00Z","qcs:ip":"10.1.2.3","qcs:request_tag":["a&b","c&d"]}}"#;
        let request: Request = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&request).unwrap(), text);
        assert_eq!(request.context_values("qcs:request_tag").count(), 2);
    }

    #[test]
    fn context_is_optional_and_fields_are_strict() {
        let request: Request =
            serde_json::from_str(r#"{"action":"cos:GetObject","resource":"*"}"#).unwrap();
        assert!(request.context().is_empty());
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"action":"cos:GetObject","resource":"*"}"#
        );
        assert!(
            serde_json::from_str::<Request>(r#"{"action":"x","resource":"*","extra":1}"#).is_err()
        );
        assert!(
            serde_json::from_str::<Request>(r#"{"action":"x","resource":"*","context":{"k":1}}"#)
                .is_err()
        );
    }

    #[test]
    fn keys_are_case_insensitive() {
        let request = Request::new("cos:GetObject", "*")
            .with_context("QCS:IP", "1.2.3.4")
            .with_context("qcs:ip", "5.6.7.8");
        let mut values: Vec<_> = request.context_values("qcs:ip").collect();
        values.sort_unstable();
        assert_eq!(values, ["1.2.3.4", "5.6.7.8"]);
        assert!(!request.has_context("cos:content-type"));
    }
}

//! Action strings: `*`, `name/<service>:<api>` and the short form `<service>:<api>`.

use std::fmt;
use std::str::FromStr;

use crate::wildcard::has_wildcard;
use crate::{catalogue, wildcard_match};

/// One entry of a statement's `action` element.
///
/// Parsed from `*`, `name/<service>:<api>` or `<service>:<api>`; always written back as `*` or
/// `name/<service>:<api>`. Names are case-sensitive and may contain `*` wildcards.
///
/// ```
/// use cos_policy::Action;
///
/// let short: Action = "cos:PutObject".parse()?;
/// assert_eq!(short, Action::cos("PutObject"));
/// assert_eq!(short.to_string(), "name/cos:PutObject");
/// assert!(short.matches("cos", "PutObject"));
/// assert!("name/cos:*".parse::<Action>()?.matches("cos", "DeleteBucket"));
/// # Ok::<(), cos_policy::ActionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// `*`: every action of every service.
    Any,
    /// `name/<service>:<api>`, either part possibly containing `*`.
    Api {
        /// Service, e.g. `cos` or `ci`.
        service: String,
        /// API name pattern, e.g. `PutObject` or `*Bucket*`.
        name: String,
    },
}

/// The text is not an action string.
///
/// ```
/// let err = "PutObject".parse::<cos_policy::Action>().unwrap_err();
/// assert!(err.to_string().contains("PutObject"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an action: expected `*`, `name/<service>:<api>` or `<service>:<api>`")]
#[non_exhaustive]
pub struct ActionError {
    text: String,
}

impl ActionError {
    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// assert!(!"".parse::<cos_policy::Action>().unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

impl Action {
    /// `name/cos:<name>`.
    ///
    /// ```
    /// assert_eq!(cos_policy::Action::cos("GetObject").to_string(), "name/cos:GetObject");
    /// ```
    #[must_use]
    pub fn cos(name: impl Into<String>) -> Self {
        Self::Api {
            service: "cos".to_owned(),
            name: name.into(),
        }
    }

    /// Whether this entry authorises API `name` of `service` (exact case, `*` wildcards).
    ///
    /// ```
    /// use cos_policy::Action;
    /// assert!(Action::Any.matches("cos", "GetObject"));
    /// assert!(Action::cos("Get*").matches("cos", "GetObject"));
    /// assert!(!Action::cos("Get*").matches("ci", "GetObject"));
    /// ```
    #[must_use]
    pub fn matches(&self, service: &str, name: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Api {
                service: s,
                name: n,
            } => wildcard_match(s, service) && wildcard_match(n, name),
        }
    }

    /// Whether this entry grants every COS action (`*`, `name/*:*`, `name/cos:*`, …).
    ///
    /// ```
    /// use cos_policy::Action;
    /// assert!(Action::Any.is_all_cos());
    /// assert!("name/cos:*".parse::<Action>().unwrap().is_all_cos());
    /// assert!(!Action::cos("Get*").is_all_cos());
    /// ```
    #[must_use]
    pub fn is_all_cos(&self) -> bool {
        match self {
            Self::Any => true,
            Self::Api { service, name } => {
                wildcard_match(service, "cos") && name.chars().all(|c| c == '*')
            }
        }
    }

    /// The catalogued COS actions this entry covers (none for other services).
    ///
    /// ```
    /// use cos_policy::Action;
    /// assert_eq!(Action::cos("PutObject").covered_cos_actions().count(), 1);
    /// assert!(Action::Any.covered_cos_actions().count() > 50);
    /// ```
    pub fn covered_cos_actions(&self) -> impl Iterator<Item = &'static catalogue::ActionInfo> + '_ {
        catalogue::all()
            .iter()
            .filter(move |info| self.matches("cos", info.name))
    }

    /// Whether the entry contains a `*`.
    ///
    /// ```
    /// assert!(cos_policy::Action::Any.is_wildcard());
    /// assert!(!cos_policy::Action::cos("GetObject").is_wildcard());
    /// ```
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        match self {
            Self::Any => true,
            Self::Api { service, name } => has_wildcard(service) || has_wildcard(name),
        }
    }
}

fn valid_service(service: &str) -> bool {
    !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*')
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'*' || b == b'.')
}

/// Splits a request's action (`name/cos:PutObject` or `cos:PutObject`) into service and name
/// without allocating.
pub(crate) fn split_request_action(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("name/").unwrap_or(text);
    rest.split_once(':')
}

impl FromStr for Action {
    type Err = ActionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "*" {
            return Ok(Self::Any);
        }
        let err = || ActionError {
            text: text.to_owned(),
        };
        let rest = text.strip_prefix("name/").unwrap_or(text);
        let (service, name) = rest.split_once(':').ok_or_else(err)?;
        if !valid_service(service) || !valid_name(name) {
            return Err(err());
        }
        Ok(Self::Api {
            service: service.to_owned(),
            name: name.to_owned(),
        })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Api { service, name } => write!(f, "name/{service}:{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_forms() {
        assert_eq!("*".parse::<Action>().unwrap(), Action::Any);
        assert_eq!(
            "name/cos:PutObject".parse::<Action>().unwrap(),
            Action::cos("PutObject")
        );
        assert_eq!(
            "cos:PutObject".parse::<Action>().unwrap(),
            Action::cos("PutObject")
        );
        assert_eq!(
            "name/*:*".parse::<Action>().unwrap(),
            Action::Api {
                service: "*".into(),
                name: "*".into()
            }
        );
        assert_eq!(
            "name/ci:CreateMediaJobs"
                .parse::<Action>()
                .unwrap()
                .to_string(),
            "name/ci:CreateMediaJobs"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "PutObject",
            "name/PutObject",
            "cos:",
            ":PutObject",
            "cos:Put Object",
            "permid/12",
            "name/co s:X",
        ] {
            assert!(bad.parse::<Action>().is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_is_case_sensitive_and_globbed() {
        let a = Action::cos("*Bucket*");
        assert!(a.matches("cos", "GetBucketACL"));
        assert!(!a.matches("cos", "GetObject"));
        assert!(!Action::cos("PutObject").matches("cos", "putobject"));
        assert!("name/*:*".parse::<Action>().unwrap().is_all_cos());
        assert!(!"name/ci:*".parse::<Action>().unwrap().is_all_cos());
    }

    #[test]
    fn splits_request_actions() {
        assert_eq!(
            split_request_action("name/cos:GetObject"),
            Some(("cos", "GetObject"))
        );
        assert_eq!(
            split_request_action("cos:GetObject"),
            Some(("cos", "GetObject"))
        );
        assert_eq!(split_request_action("GetObject"), None);
    }
}

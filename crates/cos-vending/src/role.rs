//! Roles: what a caller may be granted, chosen by name and admitted by claim rules.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::{ConditionsConfig, KeysSettings};
use crate::template::PrefixTemplate;

/// One claim rule of a role: the caller's token must carry `claim` and it must equal
/// `equals`, or (for an array, or a space-separated string such as `scope`) contain
/// `contains`.
///
/// ```
/// let rule: cos_vending::ClaimRule =
///     toml::from_str("claim = \"groups\"\ncontains = \"admin\"").unwrap();
/// let claims = serde_json::json!({"groups": ["dev", "admin"]});
/// assert!(rule.matches(claims.as_object().unwrap()).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRule {
    /// The claim's name (top level of the token's payload).
    pub claim: String,
    /// The claim must equal this value (a string, number or boolean).
    pub equals: Option<Value>,
    /// The claim (an array, or a space-separated string) must contain this string.
    pub contains: Option<String>,
}

impl ClaimRule {
    /// Checks the rule is usable: a claim name and exactly one of `equals` and `contains`.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.claim.is_empty() {
            return Err("a claim rule needs a `claim`".into());
        }
        if self.equals.is_some() == self.contains.is_some() {
            return Err(format!(
                "the rule on claim `{}` needs exactly one of `equals` and `contains`",
                self.claim
            ));
        }
        if matches!(
            self.equals,
            Some(Value::Array(_) | Value::Object(_) | Value::Null)
        ) {
            return Err(format!(
                "the rule on claim `{}`: `equals` must be a string, number or boolean",
                self.claim
            ));
        }
        Ok(())
    }

    /// Whether `claims` satisfy the rule; the error says why not (never the claim's value).
    ///
    /// ```
    /// let rule: cos_vending::ClaimRule = toml::from_str("claim = \"tenant\"\nequals = \"acme\"").unwrap();
    /// let claims = serde_json::json!({"tenant": "other"});
    /// assert!(rule.matches(claims.as_object().unwrap()).unwrap_err().contains("tenant"));
    /// ```
    pub fn matches(&self, claims: &Map<String, Value>) -> Result<(), String> {
        let Some(value) = claims.get(&self.claim) else {
            return Err(format!("the token has no `{}` claim", self.claim));
        };
        if let Some(expected) = &self.equals {
            return if value == expected {
                Ok(())
            } else {
                Err(format!(
                    "the `{}` claim does not equal the role's value",
                    self.claim
                ))
            };
        }
        let wanted = self.contains.as_deref().unwrap_or_default();
        let found = match value {
            Value::Array(items) => items.iter().any(|v| v.as_str() == Some(wanted)),
            Value::String(text) => text.split(' ').any(|word| word == wanted),
            _ => false,
        };
        if found {
            Ok(())
        } else {
            Err(format!(
                "the `{}` claim does not contain `{wanted}`",
                self.claim
            ))
        }
    }
}

/// A checked role: bucket, actions, prefix template, conditions, durations and who may use it.
///
/// ```
/// let settings = cos_vending::Settings::parse(
///     "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nmax_duration_seconds = 3600\n",
///     std::path::Path::new("."),
/// ).unwrap();
/// let role = &settings.roles()[0];
/// assert_eq!((role.duration_seconds(), role.max_duration_seconds()), (1800, 3600));
/// ```
#[derive(Debug, Clone)]
pub struct RoleSpec {
    pub(crate) name: String,
    pub(crate) claims: Vec<ClaimRule>,
    pub(crate) bucket: String,
    pub(crate) buckets: Vec<String>,
    pub(crate) region: String,
    pub(crate) duration_seconds: u64,
    pub(crate) max_duration_seconds: u64,
    pub(crate) actions: Vec<&'static str>,
    pub(crate) prefix: PrefixTemplate,
    pub(crate) conditions: ConditionsConfig,
    pub(crate) keys: Option<KeysSettings>,
}

impl RoleSpec {
    /// The role's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The (first) bucket it grants; server-chosen keys go there.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Every bucket it grants (same region).
    pub fn buckets(&self) -> &[String] {
        &self.buckets
    }

    /// The bucket's region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The lifetime of a key when the caller asks for none.
    pub fn duration_seconds(&self) -> u64 {
        self.duration_seconds
    }

    /// The longest lifetime a caller may ask for.
    pub fn max_duration_seconds(&self) -> u64 {
        self.max_duration_seconds
    }

    /// The granted action names.
    pub fn actions(&self) -> &[&'static str] {
        &self.actions
    }

    /// Whether a caller with `claims` may use the role; the error says which rule failed.
    ///
    /// ```
    /// let settings = cos_vending::Settings::parse(
    ///     "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[[roles]]\nname = \"admin\"\nclaims = [{ claim = \"groups\", contains = \"admin\" }]\n",
    ///     std::path::Path::new("."),
    /// ).unwrap();
    /// let role = &settings.roles()[0];
    /// assert!(role.admits(serde_json::json!({"groups": ["admin"]}).as_object().unwrap()).is_ok());
    /// assert!(role.admits(&serde_json::Map::new()).is_err());
    /// ```
    pub fn admits(&self, claims: &Map<String, Value>) -> Result<(), String> {
        for rule in &self.claims {
            rule.matches(claims)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(text: &str) -> ClaimRule {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn rules_match_arrays_strings_and_values() {
        let claims =
            json!({"groups": ["a", "admin"], "scope": "read admin", "level": 3, "ok": true});
        let claims = claims.as_object().unwrap();
        assert!(
            rule("claim = \"groups\"\ncontains = \"admin\"")
                .matches(claims)
                .is_ok()
        );
        assert!(
            rule("claim = \"groups\"\ncontains = \"adm\"")
                .matches(claims)
                .is_err()
        );
        assert!(
            rule("claim = \"scope\"\ncontains = \"admin\"")
                .matches(claims)
                .is_ok()
        );
        assert!(
            rule("claim = \"level\"\nequals = 3")
                .matches(claims)
                .is_ok()
        );
        assert!(
            rule("claim = \"ok\"\nequals = true")
                .matches(claims)
                .is_ok()
        );
        assert!(
            rule("claim = \"ok\"\nequals = \"true\"")
                .matches(claims)
                .is_err()
        );
        let missing = rule("claim = \"tenant\"\nequals = \"x\"").matches(claims);
        assert!(missing.unwrap_err().contains("no `tenant` claim"));
    }

    #[test]
    fn malformed_rules_are_refused() {
        assert!(rule("claim = \"g\"").check().is_err());
        assert!(
            rule("claim = \"g\"\nequals = 1\ncontains = \"x\"")
                .check()
                .is_err()
        );
        assert!(rule("claim = \"\"\nequals = 1").check().is_err());
        assert!(rule("claim = \"g\"\nequals = [1]").check().is_err());
        assert!(rule("claim = \"g\"\nequals = 1").check().is_ok());
    }
}

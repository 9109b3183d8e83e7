//! The `getCredential` flags turned into a [`CredentialRequest`]: scope flags, or a policy file.

use serde_json::Value;
use sts_client::{Bucket, BucketName, CredentialRequest, Region};

use crate::commands::outcome::Failure;

/// One `--condition OPERATOR:KEY=VALUE`, e.g. `numeric_less_than_equal:cos:content-length=5242880`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    /// `string_equal`, `numeric_less_than_equal`, `ip_equal`…
    pub(crate) operator: String,
    /// `cos:content-type`, `qcs:ip`…
    pub(crate) key: String,
    /// The value: JSON when it parses as JSON (numbers, arrays, booleans), else a string.
    pub(crate) value: Value,
}

/// Parses `OPERATOR:KEY=VALUE` (the operator ends at the first `:`, the key at the first `=`).
pub(crate) fn parse_condition(text: &str) -> Result<Condition, String> {
    let (operator, rest) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}`: expected OPERATOR:KEY=VALUE"))?;
    let (key, value) = rest
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected OPERATOR:KEY=VALUE"))?;
    let well_formed = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-:.".contains(&b))
    };
    if !well_formed(operator) || operator.contains(':') || !well_formed(key) {
        return Err(format!(
            "`{text}`: the operator and key must be non-empty words such as \
             `string_equal:cos:content-type=image/png`"
        ));
    }
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok(Condition {
        operator: operator.to_owned(),
        key: key.to_owned(),
        value,
    })
}

/// The scope flags of `getCredential`.
#[derive(Debug, Default)]
pub(crate) struct Scope<'a> {
    pub(crate) bucket: Option<&'a BucketName>,
    pub(crate) region: Option<&'a Region>,
    pub(crate) prefixes: &'a [String],
    /// `--allow-partial-segment`: accept `users/alice*`.
    pub(crate) partial_segment: bool,
    pub(crate) actions: &'a [String],
    pub(crate) conditions: &'a [Condition],
}

/// Builds the request from a policy document (`policy`, already read) or from the scope.
/// Missing scope flags are reported by name.
pub(crate) fn build(scope: &Scope<'_>, policy: Option<&str>) -> Result<CredentialRequest, Failure> {
    if let Some(text) = policy {
        let policy = cos_policy::Policy::from_json(text)
            .map_err(|e| Failure::input(format!("the policy file is not a valid policy: {e}")))?;
        return Ok(CredentialRequest::from_policy(policy));
    }
    let missing = |flag: &str| {
        Failure::input(format!(
            "{flag} is required (or give a whole policy with --policy FILE)"
        ))
    };
    let bucket = scope.bucket.ok_or_else(|| missing("--bucket"))?;
    let region = scope.region.ok_or_else(|| missing("--region"))?;
    if scope.prefixes.is_empty() {
        return Err(missing("--allow-prefix"));
    }
    if scope.actions.is_empty() {
        return Err(missing("--allow-action"));
    }
    let bucket = Bucket::new(bucket.clone(), region.clone());
    let mut request = CredentialRequest::new(&bucket).allow_actions(scope.actions.iter().cloned());
    if scope.partial_segment {
        request = request.allow_partial_segment();
    }
    for prefix in scope.prefixes {
        request = request.allow_prefix(prefix);
    }
    for condition in scope.conditions {
        request = request.condition(&condition.operator, &condition.key, condition.value.clone());
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_json_values_and_plain_strings() {
        let c = parse_condition("numeric_less_than_equal:cos:content-length=5242880").unwrap();
        assert_eq!(c.operator, "numeric_less_than_equal");
        assert_eq!(c.key, "cos:content-length");
        assert_eq!(c.value, serde_json::json!(5242880));
        let c = parse_condition("string_equal:cos:content-type=image/png").unwrap();
        assert_eq!(c.value, serde_json::json!("image/png"));
        let c = parse_condition(r#"ip_equal:qcs:ip=["10.0.0.0/8"]"#).unwrap();
        assert_eq!(c.value, serde_json::json!(["10.0.0.0/8"]));
    }

    #[test]
    fn malformed_conditions_are_rejected() {
        for text in [
            "", "nokey", "op:key", ":k=v", "op:=v", "o p:k=v", "op:k y=v",
        ] {
            assert!(parse_condition(text).is_err(), "{text}");
        }
    }

    #[test]
    fn the_scope_names_the_missing_flag() {
        let prefixes = ["a/*".to_owned()];
        let actions = ["GetObject".to_owned()];
        let (bucket, region) = (
            "b-1250000000".parse().unwrap(),
            "ap-guangzhou".parse().unwrap(),
        );
        let full = Scope {
            bucket: Some(&bucket),
            region: Some(&region),
            prefixes: &prefixes,
            actions: &actions,
            partial_segment: false,
            conditions: &[],
        };
        let request = build(&full, None).unwrap();
        assert!(
            request
                .policy_document()
                .unwrap()
                .as_json()
                .contains("b-1250000000/a/*")
        );
        for (scope, flag) in [
            (
                Scope {
                    bucket: None,
                    ..full
                },
                "--bucket",
            ),
            (
                Scope {
                    region: None,
                    ..full
                },
                "--region",
            ),
            (
                Scope {
                    prefixes: &[],
                    ..full
                },
                "--allow-prefix",
            ),
            (
                Scope {
                    actions: &[],
                    ..full
                },
                "--allow-action",
            ),
        ] {
            match build(&scope, None) {
                Err(Failure::BadInput(message)) => assert!(message.contains(flag), "{message}"),
                other => panic!("{other:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in ".{0,64}") {
            let _ = parse_condition(&text);
        }

        #[test]
        fn well_formed_conditions_keep_their_parts(
            operator in "[a-z_]{1,20}",
            key in "[a-z]{1,8}:[a-z-]{1,16}",
            value in "[a-zA-Z/ ]{1,20}",
        ) {
            // Text that happens to be JSON (`true`, `null`) is taken as JSON, by design.
            proptest::prop_assume!(serde_json::from_str::<Value>(&value).is_err());
            let c = parse_condition(&format!("{operator}:{key}={value}")).unwrap();
            proptest::prop_assert_eq!(c.operator, operator);
            proptest::prop_assert_eq!(c.key, key);
            proptest::prop_assert_eq!(c.value, serde_json::Value::String(value));
        }
    }

    #[test]
    fn a_malformed_policy_file_is_bad_input() {
        assert!(matches!(
            build(&Scope::default(), Some("{")),
            Err(Failure::BadInput(_))
        ));
    }
}

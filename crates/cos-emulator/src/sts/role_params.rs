//! AssumeRole's optional parameters: `ExternalId` (checked against the role's trust policy)
//! and session `Tags` (validated as STS does, then kept only as far as validation goes).

use super::StsError;
use super::wire::Call;
use crate::sts::Role;

/// Most session tags one AssumeRole accepts.
const MAX_TAGS: usize = 50;
/// Longest tag key.
const MAX_TAG_KEY: usize = 128;
/// Longest tag value.
const MAX_TAG_VALUE: usize = 256;

fn param_error(message: impl Into<String>) -> StsError {
    StsError::new("InvalidParameter.ParamError", message)
}

/// Checks `ExternalId`: well formed when sent (an empty value, which the Go and PHP SDKs
/// always send, counts as absent), and equal to the one the role's trust policy requires.
pub(super) fn check_external_id(call: &Call, role: &Role) -> Result<(), StsError> {
    let sent = call.param("ExternalId").filter(|v| !v.is_empty());
    if let Some(id) = sent {
        let valid = (2..=128).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c));
        if !valid {
            return Err(param_error("ExternalId is not valid."));
        }
    }
    match (role.required_external_id(), sent) {
        (None, _) => Ok(()),
        (Some(required), Some(id)) if required == id => Ok(()),
        (Some(_), _) => Err(StsError::new(
            "UnauthorizedOperation",
            "The role's trust policy requires another ExternalId.",
        )),
    }
}

/// Parses and validates session tags, sent as `Tags.N.Key`/`Tags.N.Value` (form) or as a
/// JSON array of `{"Key", "Value"}` objects (TC3); returns them in order.
pub(super) fn session_tags(call: &Call) -> Result<Vec<(String, String)>, StsError> {
    let tags = match call.param("Tags") {
        Some(json) => json_tags(json)?,
        None => form_tags(call)?,
    };
    if tags.len() > MAX_TAGS {
        return Err(param_error(format!("At most {MAX_TAGS} tags are allowed.")));
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        if key.is_empty() || key.chars().count() > MAX_TAG_KEY {
            return Err(param_error(format!("Tag key `{key}` is not valid.")));
        }
        if value.chars().count() > MAX_TAG_VALUE {
            return Err(param_error(format!(
                "The value of tag `{key}` is too long."
            )));
        }
        if tags.iter().take(i).any(|(earlier, _)| earlier == key) {
            return Err(param_error(format!("Tag key `{key}` is duplicated.")));
        }
    }
    Ok(tags)
}

pub(crate) fn json_tags(json: &str) -> Result<Vec<(String, String)>, StsError> {
    let invalid = || param_error("Tags must be an array of {\"Key\", \"Value\"} objects.");
    let value: serde_json::Value = serde_json::from_str(json).map_err(|_| invalid())?;
    let list = value.as_array().ok_or_else(invalid)?;
    list.iter()
        .map(|tag| {
            let field = |name: &str| tag.get(name).and_then(|v| v.as_str()).map(str::to_owned);
            Ok((
                field("Key").ok_or_else(invalid)?,
                field("Value").unwrap_or_default(),
            ))
        })
        .collect()
}

fn form_tags(call: &Call) -> Result<Vec<(String, String)>, StsError> {
    let mut indexed: Vec<(u32, String, String)> = Vec::new();
    for (name, value) in &call.params {
        let Some(rest) = name.strip_prefix("Tags.") else {
            continue;
        };
        let (index, field) = rest
            .split_once('.')
            .and_then(|(i, f)| Some((i.parse::<u32>().ok()?, f)))
            .ok_or_else(|| param_error(format!("`{name}` is not a tag parameter.")))?;
        let slot = match indexed.iter().position(|(i, _, _)| *i == index) {
            Some(slot) => slot,
            None => {
                indexed.push((index, String::new(), String::new()));
                indexed.len() - 1
            }
        };
        let Some(entry) = indexed.get_mut(slot) else {
            continue;
        };
        match field {
            "Key" => entry.1.clone_from(value),
            "Value" => entry.2.clone_from(value),
            _ => return Err(param_error(format!("`{name}` is not a tag parameter."))),
        }
    }
    indexed.sort_by_key(|(i, _, _)| *i);
    Ok(indexed.into_iter().map(|(_, k, v)| (k, v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(params: &[(&str, &str)]) -> Call {
        Call {
            action: "AssumeRole".into(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            signer: Some(crate::identity::Identity::Root),
        }
    }

    #[test]
    fn external_id_rules() {
        let open = Role::new("r", "{}");
        let guarded = Role::new("r", "{}").external_id("partner-42");
        assert!(check_external_id(&call(&[]), &open).is_ok());
        assert!(check_external_id(&call(&[("ExternalId", "")]), &open).is_ok());
        assert!(check_external_id(&call(&[("ExternalId", "partner-42")]), &guarded).is_ok());
        for (sent, code) in [
            (None, "UnauthorizedOperation"),
            (Some(""), "UnauthorizedOperation"),
            (Some("partner-43"), "UnauthorizedOperation"),
            (Some("x"), "InvalidParameter.ParamError"),
            (Some("has space"), "InvalidParameter.ParamError"),
        ] {
            let params: Vec<(&str, &str)> = sent.map(|v| ("ExternalId", v)).into_iter().collect();
            let error = check_external_id(&call(&params), &guarded).unwrap_err();
            assert_eq!(error.code, code, "{sent:?}");
        }
    }

    #[test]
    fn tags_in_both_wire_forms() {
        let form = call(&[
            ("Tags.1.Key", "team"),
            ("Tags.1.Value", "media"),
            ("Tags.0.Key", "env"),
            ("Tags.0.Value", "test"),
        ]);
        let expected = vec![
            ("env".to_string(), "test".to_string()),
            ("team".to_string(), "media".to_string()),
        ];
        assert_eq!(session_tags(&form).unwrap(), expected);
        let json = call(&[(
            "Tags",
            r#"[{"Key":"env","Value":"test"},{"Key":"team","Value":"media"}]"#,
        )]);
        assert_eq!(session_tags(&json).unwrap(), expected);
        assert!(session_tags(&call(&[])).unwrap().is_empty());
    }

    #[test]
    fn bad_tags_are_refused() {
        let many: String = format!(
            "[{}]",
            (0..51)
                .map(|i| format!(r#"{{"Key":"k{i}","Value":"v"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        let long_key = format!(r#"[{{"Key":"{}","Value":""}}]"#, "k".repeat(129));
        let long_value = format!(r#"[{{"Key":"k","Value":"{}"}}]"#, "v".repeat(257));
        for bad in [
            many.as_str(),
            long_key.as_str(),
            long_value.as_str(),
            r#"[{"Key":"a","Value":"1"},{"Key":"a","Value":"2"}]"#,
            r#"[{"Value":"no key"}]"#,
            r#"{"Key":"not an array"}"#,
            "not json",
        ] {
            let error = session_tags(&call(&[("Tags", bad)])).unwrap_err();
            assert_eq!(error.code, "InvalidParameter.ParamError", "{bad}");
        }
        let error = session_tags(&call(&[("Tags.x.Key", "k")])).unwrap_err();
        assert_eq!(error.code, "InvalidParameter.ParamError");
    }
}

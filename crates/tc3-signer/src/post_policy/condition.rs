//! One condition of a POST policy: exact match, prefix match or size range.

use serde_json::Value;

use super::json::write_string;
use crate::VerifyError;
use crate::cos::shorten;

/// A restriction the uploaded form must satisfy (spec section 2, step 2).
///
/// ```
/// use tc3_signer::post_policy::Condition;
///
/// assert_eq!(Condition::exact("bucket", "examplebucket-1250000000").to_json(), r#"{"bucket":"examplebucket-1250000000"}"#);
/// assert_eq!(Condition::eq("key", "a.png").to_json(), r#"["eq","$key","a.png"]"#);
/// assert_eq!(Condition::starts_with("key", "uploads/").to_json(), r#"["starts-with","$key","uploads/"]"#);
/// assert_eq!(Condition::content_length_range(1, 10).to_json(), r#"["content-length-range",1,10]"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Condition {
    /// `{ "field": "value" }`: the field must equal the value.
    Exact {
        /// The form field (without `$`).
        field: String,
        /// The required value.
        value: String,
    },
    /// `[ "eq", "$field", "value" ]`: the field must equal the value.
    Eq {
        /// The form field (without `$`).
        field: String,
        /// The required value.
        value: String,
    },
    /// `[ "starts-with", "$field", "prefix" ]`: the field must start with the prefix (which
    /// may be empty: any value, but the field must be present).
    StartsWith {
        /// The form field (without `$`).
        field: String,
        /// The required prefix.
        prefix: String,
    },
    /// `[ "content-length-range", min, max ]`: the file size in bytes, both ends included.
    ContentLengthRange {
        /// Smallest size.
        min: u64,
        /// Largest size.
        max: u64,
    },
}

impl Condition {
    /// `{ "field": "value" }`.
    ///
    /// ```
    /// let c = tc3_signer::post_policy::Condition::exact("acl", "default");
    /// assert_eq!(c.field(), "acl");
    /// ```
    pub fn exact(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Exact {
            field: field.into(),
            value: value.into(),
        }
    }

    /// `[ "eq", "$field", "value" ]`.
    ///
    /// ```
    /// let c = tc3_signer::post_policy::Condition::eq("x-cos-server-side-encryption", "AES256");
    /// assert_eq!(c.to_json(), r#"["eq","$x-cos-server-side-encryption","AES256"]"#);
    /// ```
    pub fn eq(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self::Eq {
            field: field.into(),
            value: value.into(),
        }
    }

    /// `[ "starts-with", "$field", "prefix" ]`.
    ///
    /// ```
    /// let c = tc3_signer::post_policy::Condition::starts_with("Content-Type", "image/");
    /// assert_eq!(c.field(), "Content-Type");
    /// ```
    pub fn starts_with(field: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self::StartsWith {
            field: field.into(),
            prefix: prefix.into(),
        }
    }

    /// `[ "content-length-range", min, max ]`.
    ///
    /// ```
    /// let c = tc3_signer::post_policy::Condition::content_length_range(0, 1 << 20);
    /// assert_eq!(c.field(), "content-length-range");
    /// ```
    pub fn content_length_range(min: u64, max: u64) -> Self {
        Self::ContentLengthRange { min, max }
    }

    /// The field the condition restricts (`content-length-range` for a size range).
    ///
    /// ```
    /// assert_eq!(tc3_signer::post_policy::Condition::eq("key", "k").field(), "key");
    /// ```
    pub fn field(&self) -> &str {
        match self {
            Self::Exact { field, .. } | Self::Eq { field, .. } | Self::StartsWith { field, .. } => {
                field
            }
            Self::ContentLengthRange { .. } => "content-length-range",
        }
    }

    /// The compact JSON form of the condition.
    ///
    /// ```
    /// let c = tc3_signer::post_policy::Condition::exact("x-cos-meta-title", "季度 报告");
    /// assert_eq!(c.to_json(), r#"{"x-cos-meta-title":"季度 报告"}"#);
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    pub(crate) fn write_json(&self, out: &mut String) {
        match self {
            Self::Exact { field, value } => {
                out.push('{');
                write_string(out, field);
                out.push(':');
                write_string(out, value);
                out.push('}');
            }
            Self::Eq { field, value } => write_operator(out, "eq", field, value),
            Self::StartsWith { field, prefix } => write_operator(out, "starts-with", field, prefix),
            Self::ContentLengthRange { min, max } => {
                out.push_str(&format!("[\"content-length-range\",{min},{max}]"));
            }
        }
    }

    /// Reads the conditions of one JSON element: an object gives one exact condition per
    /// member, an array one operator condition.
    pub(crate) fn from_json(value: &Value) -> Result<Vec<Self>, VerifyError> {
        match value {
            Value::Object(members) => members
                .iter()
                .map(|(field, value)| match value {
                    Value::String(value) => Ok(Self::exact(field.clone(), value.clone())),
                    _ => Err(malformed(format!(
                        "condition `{}` is not a string",
                        shorten(field)
                    ))),
                })
                .collect(),
            Value::Array(items) => Ok(vec![Self::from_array(items)?]),
            _ => Err(malformed(
                "a condition is neither an object nor an array".into(),
            )),
        }
    }

    fn from_array(items: &[Value]) -> Result<Self, VerifyError> {
        match items {
            [
                Value::String(op),
                Value::String(field),
                Value::String(value),
            ] if op.eq_ignore_ascii_case("eq") || op.eq_ignore_ascii_case("starts-with") => {
                let field = field.strip_prefix('$').ok_or_else(|| {
                    malformed(format!("condition field `{}` lacks `$`", shorten(field)))
                })?;
                Ok(if op.eq_ignore_ascii_case("eq") {
                    Self::eq(field, value.clone())
                } else {
                    Self::starts_with(field, value.clone())
                })
            }
            [Value::String(op), min, max] if op.eq_ignore_ascii_case("content-length-range") => {
                let (min, max) = (length(min)?, length(max)?);
                if min > max {
                    return Err(malformed("content-length-range has min above max".into()));
                }
                Ok(Self::content_length_range(min, max))
            }
            _ => Err(malformed("unknown or malformed condition array".into())),
        }
    }
}

fn write_operator(out: &mut String, operator: &str, field: &str, value: &str) {
    out.push_str("[\"");
    out.push_str(operator);
    out.push_str("\",");
    write_string(out, &format!("${field}"));
    out.push(',');
    write_string(out, value);
    out.push(']');
}

/// A size bound: a non-negative integer, or a string of digits.
fn length(value: &Value) -> Result<u64, VerifyError> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
    .ok_or_else(|| malformed("content-length-range bound is not a non-negative integer".into()))
}

fn malformed(reason: String) -> VerifyError {
    VerifyError::Malformed { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        for condition in [
            Condition::exact("acl", "default"),
            Condition::eq("key", "a \"b\""),
            Condition::starts_with("key", ""),
            Condition::content_length_range(0, u64::MAX),
        ] {
            let value: Value = serde_json::from_str(&condition.to_json()).unwrap();
            assert_eq!(Condition::from_json(&value).unwrap(), vec![condition]);
        }
    }

    #[test]
    fn rejects_malformed_conditions() {
        for bad in [
            r#"["eq","key","v"]"#,
            r#"["in","$key","v"]"#,
            r#"["content-length-range",5,1]"#,
            r#"["content-length-range",-1,1]"#,
            r#"{"acl":1}"#,
            r#""acl""#,
            r#"[]"#,
        ] {
            let value: Value = serde_json::from_str(bad).unwrap();
            assert!(Condition::from_json(&value).is_err(), "{bad}");
        }
        let value: Value = serde_json::from_str(r#"["content-length-range","1","10"]"#).unwrap();
        assert_eq!(
            Condition::from_json(&value).unwrap(),
            vec![Condition::content_length_range(1, 10)]
        );
    }
}

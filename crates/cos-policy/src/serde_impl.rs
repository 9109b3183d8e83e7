//! `serde` support for [`Policy`]: serialises the canonical form (same element order and
//! values as [`Policy::to_json`]), deserialises the tolerant wire form.

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Condition, ConditionValue, Policy, Statement};

struct Strings<'a, T>(&'a [T]);

impl<T: std::fmt::Display> Serialize for Strings<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&Text(item))?;
        }
        seq.end()
    }
}

/// A `Display` value serialised as a string without an intermediate `String` (serializers
/// such as `serde_json` write it straight to their output).
struct Text<'a, T: ?Sized>(&'a T);

impl<T: std::fmt::Display + ?Sized> Serialize for Text<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

struct Value<'a>(&'a ConditionValue);

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            ConditionValue::Number(n) => {
                const EXACT: f64 = 9_007_199_254_740_992.0;
                if n.fract() == 0.0 && n.abs() < EXACT {
                    #[allow(clippy::cast_possible_truncation)]
                    serializer.serialize_i64(*n as i64)
                } else {
                    serializer.serialize_f64(*n)
                }
            }
            other => serializer.collect_str(other),
        }
    }
}

/// The conditions of one operator, as `{key: [values]}`.
struct Keys<'a>(&'a [Condition]);

impl Serialize for Keys<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for condition in self.0 {
            map.serialize_entry(condition.key(), &Values(condition.values()))?;
        }
        map.end()
    }
}

struct Values<'a>(&'a [ConditionValue]);

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for value in self.0 {
            seq.serialize_element(&Value(value))?;
        }
        seq.end()
    }
}

/// A statement's condition block, grouped by operator (conditions are kept sorted).
struct Block<'a>(&'a [Condition]);

impl Serialize for Block<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        let mut rest = self.0;
        while let Some(first) = rest.first() {
            let operator = first.operator();
            let run = rest.iter().take_while(|c| c.operator() == operator).count();
            let (group, tail) = rest.split_at(run);
            map.serialize_entry(&Text(&operator), &Keys(group))?;
            rest = tail;
        }
        map.end()
    }
}

struct StatementSer<'a>(&'a Statement);

impl Serialize for StatementSer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let mut out = serializer.serialize_struct("Statement", 5)?;
        out.serialize_field("effect", &Text(&s.effect()))?;
        if let Some(principal) = s.principal() {
            out.serialize_field("principal", principal)?;
        } else {
            out.skip_field("principal")?;
        }
        out.serialize_field("action", &Strings(s.actions()))?;
        out.serialize_field("resource", &Strings(s.resources()))?;
        if s.conditions().is_empty() {
            out.skip_field("condition")?;
        } else {
            out.serialize_field("condition", &Block(s.conditions()))?;
        }
        out.end()
    }
}

struct Statements<'a>(&'a [Statement]);

impl Serialize for Statements<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for statement in self.0 {
            seq.serialize_element(&StatementSer(statement))?;
        }
        seq.end()
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Policy", 3)?;
        out.serialize_field("version", self.version())?;
        if let Some(principal) = self.principal() {
            out.serialize_field("principal", principal)?;
        } else {
            out.skip_field("principal")?;
        }
        out.serialize_field("statement", &Statements(self.statements()))?;
        out.end()
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Policy::from_json(&value.to_string()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use crate::Policy;

    #[test]
    fn serde_json_output_is_the_canonical_form() {
        let text = r#"{"version":"2.0","principal":{"qcs":["*"]},"statement":[{"effect":"allow","action":["name/cos:PutObject"],"resource":["*"],"condition":{"ip_equal":{"qcs:ip":["10.0.0.0/8"]},"numeric_less_than":{"cos:content-length":[10],"cos:tls-version":[1.2]},"string_equal":{"cos:x-cos-acl":["private"]}}},{"effect":"deny","action":[],"resource":[]}]}"#;
        let policy = Policy::from_json(text).unwrap();
        assert_eq!(policy.to_json(), text);
        assert_eq!(serde_json::to_string(&policy).unwrap(), text);
        let back: Policy = serde_json::from_str(text).unwrap();
        assert_eq!(back, policy);
        let err = serde_json::from_str::<Policy>(r#"{"version":"2.0","x":1}"#).unwrap_err();
        assert!(err.to_string().contains("unknown_field"), "{err}");
    }
}

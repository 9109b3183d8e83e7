//! Condition operators, typed values and condition entries.

use std::fmt;
use std::str::FromStr;

use crate::finding::Code;
use crate::{IpNet, Timestamp};

macro_rules! operators {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $ty:ident, $negated:literal; )*) => {
        /// The base CAM condition operator, without `_if_exist` or a set qualifier.
        ///
        /// ```
        /// use cos_policy::{OperatorKind, ValueType};
        /// assert_eq!(OperatorKind::StringLike.as_str(), "string_like");
        /// assert_eq!(OperatorKind::NumericLessThanEqual.value_type(), ValueType::Numeric);
        /// assert!(OperatorKind::IpNotEqual.is_negated());
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum OperatorKind {
            $( $(#[$doc])* $variant, )*
        }

        impl OperatorKind {
            /// Every operator.
            ///
            /// ```
            /// assert_eq!(cos_policy::OperatorKind::ALL.len(), 23);
            /// ```
            pub const ALL: &'static [OperatorKind] = &[$(OperatorKind::$variant,)*];

            /// The operator's name, e.g. `string_equal`.
            ///
            /// ```
            /// assert_eq!(cos_policy::OperatorKind::BoolEqual.as_str(), "bool_equal");
            /// ```
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(OperatorKind::$variant => $text,)* }
            }

            /// The type its values (and the context values it tests) have.
            ///
            /// ```
            /// use cos_policy::{OperatorKind, ValueType};
            /// assert_eq!(OperatorKind::IpEqual.value_type(), ValueType::Ip);
            /// ```
            #[must_use]
            pub fn value_type(self) -> ValueType {
                match self { $(OperatorKind::$variant => ValueType::$ty,)* }
            }

            /// Whether the operator is a negation (`*_not_*`): it holds for a context value
            /// that matches **none** of the listed values.
            ///
            /// ```
            /// assert!(!cos_policy::OperatorKind::StringEqual.is_negated());
            /// ```
            #[must_use]
            pub fn is_negated(self) -> bool {
                match self { $(OperatorKind::$variant => $negated,)* }
            }
        }
    };
}

operators! {
    /// `string_equal` (case-sensitive).
    StringEqual = "string_equal", String, false;
    /// `string_not_equal` (case-sensitive).
    StringNotEqual = "string_not_equal", String, true;
    /// `string_equal_ignore_case`.
    StringEqualIgnoreCase = "string_equal_ignore_case", String, false;
    /// `string_not_equal_ignore_case`.
    StringNotEqualIgnoreCase = "string_not_equal_ignore_case", String, true;
    /// `string_like`: `*` wildcards, case-sensitive.
    StringLike = "string_like", String, false;
    /// `string_not_like`.
    StringNotLike = "string_not_like", String, true;
    /// `numeric_equal`.
    NumericEqual = "numeric_equal", Numeric, false;
    /// `numeric_not_equal`.
    NumericNotEqual = "numeric_not_equal", Numeric, true;
    /// `numeric_less_than`.
    NumericLessThan = "numeric_less_than", Numeric, false;
    /// `numeric_less_than_equal`.
    NumericLessThanEqual = "numeric_less_than_equal", Numeric, false;
    /// `numeric_greater_than`.
    NumericGreaterThan = "numeric_greater_than", Numeric, false;
    /// `numeric_greater_than_equal`.
    NumericGreaterThanEqual = "numeric_greater_than_equal", Numeric, false;
    /// `date_equal`.
    DateEqual = "date_equal", Date, false;
    /// `date_not_equal`.
    DateNotEqual = "date_not_equal", Date, true;
    /// `date_less_than`.
    DateLessThan = "date_less_than", Date, false;
    /// `date_less_than_equal`.
    DateLessThanEqual = "date_less_than_equal", Date, false;
    /// `date_greater_than`.
    DateGreaterThan = "date_greater_than", Date, false;
    /// `date_greater_than_equal`.
    DateGreaterThanEqual = "date_greater_than_equal", Date, false;
    /// `ip_equal`: address or CIDR block.
    IpEqual = "ip_equal", Ip, false;
    /// `ip_not_equal`.
    IpNotEqual = "ip_not_equal", Ip, true;
    /// `bool_equal`: `"true"` / `"false"`.
    BoolEqual = "bool_equal", Bool, false;
    /// `binary_equal`: base64 text compared byte for byte.
    BinaryEqual = "binary_equal", Binary, false;
    /// `null_equal`: `true` holds when the key is absent, `false` when present.
    NullEqual = "null_equal", Null, false;
}

impl OperatorKind {
    /// Whether COS documents this operator as evaluated (the rest are valid CAM syntax).
    ///
    /// ```
    /// use cos_policy::OperatorKind;
    /// assert!(OperatorKind::StringLike.evaluated_by_cos());
    /// assert!(!OperatorKind::DateLessThan.evaluated_by_cos());
    /// ```
    #[must_use]
    pub fn evaluated_by_cos(self) -> bool {
        matches!(
            self.value_type(),
            ValueType::Numeric | ValueType::Ip | ValueType::Bool
        ) || matches!(
            self,
            Self::StringEqual | Self::StringNotEqual | Self::StringLike | Self::StringNotLike
        )
    }
}

/// The type of a condition's values.
///
/// ```
/// assert_eq!(cos_policy::ValueType::Numeric.to_string(), "numeric");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueType {
    /// Text.
    String,
    /// A decimal number.
    Numeric,
    /// An ISO 8601 timestamp.
    Date,
    /// An IP address or CIDR block.
    Ip,
    /// `true` / `false`.
    Bool,
    /// Base64 text.
    Binary,
    /// `true` / `false` (key absent / present).
    Null,
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::String => "string",
            Self::Numeric => "numeric",
            Self::Date => "date",
            Self::Ip => "ip",
            Self::Bool => "bool",
            Self::Binary => "binary",
            Self::Null => "null",
        })
    }
}

/// `for_any_value:` / `for_all_value:`: how a multi-valued context key is tested.
///
/// ```
/// assert_eq!(cos_policy::SetQualifier::ForAllValue.as_str(), "for_all_value");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetQualifier {
    /// Holds if **any** context value satisfies the operator (set intersection non-empty).
    ForAnyValue,
    /// Holds if **every** context value satisfies the operator (subset).
    ForAllValue,
}

impl SetQualifier {
    /// The qualifier's name, without the colon.
    ///
    /// ```
    /// assert_eq!(cos_policy::SetQualifier::ForAnyValue.as_str(), "for_any_value");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForAnyValue => "for_any_value",
            Self::ForAllValue => "for_all_value",
        }
    }
}

/// A full condition operator: an optional set qualifier, a base operator and `_if_exist`.
///
/// Parsed case-insensitively (docs sometimes print `Ip_equal`), always written lowercase.
///
/// ```
/// use cos_policy::{Operator, OperatorKind, SetQualifier};
///
/// let op: Operator = "for_any_value:string_equal_if_exist".parse()?;
/// assert_eq!(op.kind, OperatorKind::StringEqual);
/// assert!(op.if_exist);
/// assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
/// assert_eq!(op.to_string(), "for_any_value:string_equal_if_exist");
/// assert!("null_equal_if_exist".parse::<Operator>().is_err());
/// # Ok::<(), cos_policy::OperatorError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    /// `for_any_value:` / `for_all_value:`, if present.
    pub qualifier: Option<SetQualifier>,
    /// The base operator.
    pub kind: OperatorKind,
    /// `_if_exist`: the condition holds when the key is absent from the request.
    pub if_exist: bool,
}

/// The text is not a CAM condition operator.
///
/// ```
/// let err = "string_equals".parse::<cos_policy::Operator>().unwrap_err();
/// assert!(err.to_string().contains("string_equals"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a CAM condition operator{}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
#[non_exhaustive]
pub struct OperatorError {
    text: String,
    suggestion: Option<&'static str>,
}

impl OperatorError {
    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// assert!(!"x".parse::<cos_policy::Operator>().unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

impl Operator {
    /// The plain operator `kind` (no qualifier, no `_if_exist`).
    ///
    /// ```
    /// use cos_policy::{Operator, OperatorKind};
    /// assert_eq!(Operator::new(OperatorKind::IpEqual).to_string(), "ip_equal");
    /// ```
    #[must_use]
    pub fn new(kind: OperatorKind) -> Self {
        Self {
            qualifier: None,
            kind,
            if_exist: false,
        }
    }

    /// The same operator with `_if_exist`.
    ///
    /// ```
    /// use cos_policy::{Operator, OperatorKind};
    /// assert_eq!(Operator::new(OperatorKind::StringNotEqual).if_exist().to_string(), "string_not_equal_if_exist");
    /// ```
    #[must_use]
    pub fn if_exist(mut self) -> Self {
        self.if_exist = true;
        self
    }

    /// The same operator with a set qualifier.
    ///
    /// ```
    /// use cos_policy::{Operator, OperatorKind, SetQualifier};
    /// let op = Operator::new(OperatorKind::StringEqual).with_qualifier(SetQualifier::ForAllValue);
    /// assert_eq!(op.to_string(), "for_all_value:string_equal");
    /// ```
    #[must_use]
    pub fn with_qualifier(mut self, qualifier: SetQualifier) -> Self {
        self.qualifier = Some(qualifier);
        self
    }

    /// Whether CAM defines this combination (`null_equal` takes no `_if_exist`).
    ///
    /// ```
    /// use cos_policy::{Operator, OperatorKind};
    /// assert!(!Operator::new(OperatorKind::NullEqual).if_exist().is_defined());
    /// ```
    #[must_use]
    pub fn is_defined(&self) -> bool {
        !(self.kind == OperatorKind::NullEqual && self.if_exist)
    }
}

impl FromStr for Operator {
    type Err = OperatorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.to_ascii_lowercase();
        let (qualifier, rest) = if let Some(rest) = lower.strip_prefix("for_any_value:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = lower.strip_prefix("for_all_value:") {
            (Some(SetQualifier::ForAllValue), rest)
        } else {
            (None, lower.as_str())
        };
        let (base, if_exist) = match rest.strip_suffix("_if_exist") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let kind = OperatorKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == base);
        match kind {
            Some(kind) if !(kind == OperatorKind::NullEqual && if_exist) => Ok(Self {
                qualifier,
                kind,
                if_exist,
            }),
            _ => Err(OperatorError {
                text: text.to_owned(),
                suggestion: suggest_operator(base),
            }),
        }
    }
}

fn suggest_operator(base: &str) -> Option<&'static str> {
    let trimmed = base.trim_end_matches('s').replace("equals", "equal");
    OperatorKind::ALL
        .iter()
        .map(|k| k.as_str())
        .find(|name| *name == trimmed || name.replace('_', "") == base.replace('_', ""))
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(qualifier) = self.qualifier {
            write!(f, "{}:", qualifier.as_str())?;
        }
        f.write_str(self.kind.as_str())?;
        if self.if_exist {
            f.write_str("_if_exist")?;
        }
        Ok(())
    }
}

/// One typed condition value.
///
/// ```
/// use cos_policy::{ConditionValue, ValueType};
///
/// let v = ConditionValue::parse(ValueType::Numeric, "1024")?;
/// assert_eq!(v, ConditionValue::Number(1024.0));
/// assert_eq!(v.to_string(), "1024");
/// assert!(ConditionValue::parse(ValueType::Ip, "10.0.0.0/8").is_ok());
/// assert!(ConditionValue::parse(ValueType::Bool, "yes").is_err());
/// # Ok::<(), cos_policy::ConditionError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionValue {
    /// Text (string and binary operators).
    String(String),
    /// A finite number (numeric operators).
    Number(f64),
    /// A timestamp (date operators).
    Date(Timestamp),
    /// An address or block (ip operators).
    Ip(IpNet),
    /// A boolean (bool and null operators).
    Bool(bool),
}

impl ConditionValue {
    /// Parses `text` as a value of type `ty`.
    ///
    /// ```
    /// use cos_policy::{ConditionValue, ValueType};
    /// assert_eq!(ConditionValue::parse(ValueType::Bool, "TRUE").unwrap(), ConditionValue::Bool(true));
    /// ```
    pub fn parse(ty: ValueType, text: &str) -> Result<Self, ConditionError> {
        let bad = || ConditionError::InvalidValue {
            value: text.to_owned(),
            expected: ty,
        };
        match ty {
            ValueType::String => Ok(Self::String(text.to_owned())),
            ValueType::Binary => {
                let ok = text.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
                });
                if ok {
                    Ok(Self::String(text.to_owned()))
                } else {
                    Err(bad())
                }
            }
            ValueType::Numeric => parse_number(text).map(Self::Number).ok_or_else(bad),
            ValueType::Date => text.parse().map(Self::Date).map_err(|_| bad()),
            ValueType::Ip => text.parse().map(Self::Ip).map_err(|_| bad()),
            ValueType::Bool | ValueType::Null => parse_bool(text).map(Self::Bool).ok_or_else(bad),
        }
    }

    /// Whether the value is of a kind `ty` accepts.
    ///
    /// ```
    /// use cos_policy::{ConditionValue, ValueType};
    /// assert!(ConditionValue::Bool(true).fits(ValueType::Null));
    /// assert!(!ConditionValue::Bool(true).fits(ValueType::Numeric));
    /// ```
    #[must_use]
    pub fn fits(&self, ty: ValueType) -> bool {
        match self {
            Self::String(_) => matches!(ty, ValueType::String | ValueType::Binary),
            Self::Number(n) => ty == ValueType::Numeric && n.is_finite(),
            Self::Date(_) => ty == ValueType::Date,
            Self::Ip(_) => ty == ValueType::Ip,
            Self::Bool(_) => matches!(ty, ValueType::Bool | ValueType::Null),
        }
    }
}

/// Parses a decimal number the way CAM numeric conditions take it: a JSON-style number with
/// optional sign, fraction and exponent; no hex, no `inf`/`nan`.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if body.is_empty()
        || !body.starts_with(|c: char| c.is_ascii_digit())
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

impl fmt::Display for ConditionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => f.write_str(s),
            Self::Number(n) => write!(f, "{n}"),
            Self::Date(d) => d.fmt(f),
            Self::Ip(ip) => ip.fmt(f),
            Self::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Why a condition could not be built.
///
/// ```
/// use cos_policy::{Code, Condition};
/// let err = Condition::parse("numeric_equal", "cos:content-length", &["ten"]).unwrap_err();
/// assert_eq!(err.code(), Code::InvalidConditionValue);
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConditionError {
    /// The operator is not defined.
    #[error(transparent)]
    Operator(#[from] OperatorError),
    /// The key is empty.
    #[error("condition key is empty")]
    EmptyKey,
    /// No value was given.
    #[error("condition has no value")]
    NoValues,
    /// A value does not have the operator's type.
    #[error("`{value}` is not a valid {expected} value")]
    InvalidValue {
        /// The value as text.
        value: String,
        /// The type the operator needs.
        expected: ValueType,
    },
}

impl ConditionError {
    /// The finding code this error is reported under.
    ///
    /// ```
    /// use cos_policy::{Code, Condition};
    /// assert_eq!(Condition::parse("x", "k", &["v"]).unwrap_err().code(), Code::UnknownOperator);
    /// ```
    #[must_use]
    pub fn code(&self) -> Code {
        match self {
            Self::Operator(_) => Code::UnknownOperator,
            Self::EmptyKey => Code::InvalidConditionKey,
            Self::NoValues => Code::EmptyConditionValues,
            Self::InvalidValue { .. } => Code::InvalidConditionValue,
        }
    }

    /// Always `false`: the same input fails the same way.
    ///
    /// ```
    /// assert!(!cos_policy::ConditionError::EmptyKey.is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// The canonical form of a condition key: lowercase, with the documented alias
/// `cos:content_length` mapped to `cos:content-length`.
///
/// ```
/// assert_eq!(cos_policy::canonical_key("COS:Content_Length"), "cos:content-length");
/// assert_eq!(cos_policy::canonical_key("qcs:request_tag"), "qcs:request_tag");
/// ```
#[must_use]
pub fn canonical_key(key: &str) -> String {
    let lower = key.trim().to_ascii_lowercase();
    if lower == "cos:content_length" {
        crate::catalogue::CONTENT_LENGTH.to_owned()
    } else {
        lower
    }
}

/// Whether a context key names the same condition key as canonical `key` (case-insensitive,
/// with the `cos:content_length` alias).
pub(crate) fn key_matches(canonical: &str, context_key: &str) -> bool {
    canonical.eq_ignore_ascii_case(context_key)
        || (canonical == crate::catalogue::CONTENT_LENGTH
            && context_key.eq_ignore_ascii_case("cos:content_length"))
}

/// One condition test: `"<operator>": {"<key>": [values…]}`.
///
/// ```
/// use cos_policy::{Condition, ConditionValue};
///
/// let c = Condition::parse("ip_equal", "qcs:ip", &["10.0.0.0/8", "192.168.1.1"])?;
/// assert_eq!(c.operator().to_string(), "ip_equal");
/// assert_eq!(c.key(), "qcs:ip");
/// assert_eq!(c.values().len(), 2);
/// # Ok::<(), cos_policy::ConditionError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    operator: Operator,
    key: String,
    values: Vec<ConditionValue>,
}

impl Condition {
    /// A condition from typed parts; the key is canonicalised ([`canonical_key`]), values must
    /// be non-empty and fit the operator's type.
    ///
    /// ```
    /// use cos_policy::{Condition, ConditionValue, Operator, OperatorKind};
    /// let c = Condition::new(
    ///     Operator::new(OperatorKind::BoolEqual),
    ///     "cos:secure-transport",
    ///     vec![ConditionValue::Bool(true)],
    /// )?;
    /// assert_eq!(c.values(), [ConditionValue::Bool(true)]);
    /// assert!(Condition::new(Operator::new(OperatorKind::BoolEqual), "k", vec![]).is_err());
    /// # Ok::<(), cos_policy::ConditionError>(())
    /// ```
    pub fn new(
        operator: Operator,
        key: &str,
        values: Vec<ConditionValue>,
    ) -> Result<Self, ConditionError> {
        if !operator.is_defined() {
            return Err(ConditionError::Operator(OperatorError {
                text: operator.to_string(),
                suggestion: None,
            }));
        }
        let key = canonical_key(key);
        if key.is_empty() {
            return Err(ConditionError::EmptyKey);
        }
        if values.is_empty() {
            return Err(ConditionError::NoValues);
        }
        let ty = operator.kind.value_type();
        if let Some(bad) = values.iter().find(|v| !v.fits(ty)) {
            return Err(ConditionError::InvalidValue {
                value: bad.to_string(),
                expected: ty,
            });
        }
        Ok(Self {
            operator,
            key,
            values,
        })
    }

    /// A condition from text: operator name, key and values parsed by the operator's type.
    ///
    /// ```
    /// let c = cos_policy::Condition::parse("numeric_less_than_equal", "cos:content_length", &["10"])?;
    /// assert_eq!(c.key(), "cos:content-length");
    /// # Ok::<(), cos_policy::ConditionError>(())
    /// ```
    pub fn parse(operator: &str, key: &str, values: &[&str]) -> Result<Self, ConditionError> {
        let operator: Operator = operator.parse()?;
        let ty = operator.kind.value_type();
        let values = values
            .iter()
            .map(|v| ConditionValue::parse(ty, v))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(operator, key, values)
    }

    /// The operator.
    ///
    /// ```
    /// let c = cos_policy::Condition::parse("bool_equal", "cos:secure-transport", &["true"]).unwrap();
    /// assert_eq!(c.operator().kind, cos_policy::OperatorKind::BoolEqual);
    /// ```
    #[must_use]
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The canonical key.
    ///
    /// ```
    /// let c = cos_policy::Condition::parse("ip_equal", "QCS:IP", &["1.2.3.4"]).unwrap();
    /// assert_eq!(c.key(), "qcs:ip");
    /// ```
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The values (at least one).
    ///
    /// ```
    /// let c = cos_policy::Condition::parse("string_equal", "cos:x-cos-acl", &["private"]).unwrap();
    /// assert_eq!(c.values().len(), 1);
    /// ```
    #[must_use]
    pub fn values(&self) -> &[ConditionValue] {
        &self.values
    }

    pub(crate) fn sort_key(&self) -> (String, &str) {
        (self.operator.to_string(), &self.key)
    }

    pub(crate) fn merge_values(&mut self, other: Vec<ConditionValue>) {
        for value in other {
            if !self.values.contains(&value) {
                self.values.push(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_parses_with_every_decoration() {
        for kind in OperatorKind::ALL {
            for qualifier in [
                None,
                Some(SetQualifier::ForAnyValue),
                Some(SetQualifier::ForAllValue),
            ] {
                for if_exist in [false, true] {
                    let op = Operator {
                        qualifier,
                        kind: *kind,
                        if_exist,
                    };
                    let parsed = op.to_string().parse::<Operator>();
                    if *kind == OperatorKind::NullEqual && if_exist {
                        assert!(parsed.is_err());
                    } else {
                        assert_eq!(parsed.unwrap(), op);
                    }
                }
            }
        }
    }

    #[test]
    fn operator_names_are_case_insensitive_but_emitted_lowercase() {
        let op: Operator = "Ip_equal".parse().unwrap();
        assert_eq!(op.to_string(), "ip_equal");
        let op: Operator = "For_Any_Value:String_Like".parse().unwrap();
        assert_eq!(op.to_string(), "for_any_value:string_like");
    }

    #[test]
    fn unknown_operators_suggest() {
        let err = "string_equals".parse::<Operator>().unwrap_err();
        assert!(
            err.to_string().contains("did you mean `string_equal`"),
            "{err}"
        );
        assert!(
            "ipequal"
                .parse::<Operator>()
                .unwrap_err()
                .to_string()
                .contains("ip_equal")
        );
        assert!("for_some_value:string_equal".parse::<Operator>().is_err());
        assert!("string_equal_if_exists".parse::<Operator>().is_err());
    }

    #[test]
    fn values_are_typed() {
        assert_eq!(
            ConditionValue::parse(ValueType::Numeric, "-1.5e3").unwrap(),
            ConditionValue::Number(-1500.0)
        );
        for bad in ["", "abc", "0x10", "inf", "NaN", "1e999", ".5"] {
            assert!(
                ConditionValue::parse(ValueType::Numeric, bad).is_err(),
                "{bad}"
            );
        }
        assert!(ConditionValue::parse(ValueType::Date, "2026-01-01T00:00:00Z").is_ok());
        assert!(ConditionValue::parse(ValueType::Date, "tomorrow").is_err());
        assert!(ConditionValue::parse(ValueType::Binary, "aGVsbG8=").is_ok());
        assert!(ConditionValue::parse(ValueType::Binary, "not base64!").is_err());
        assert_eq!(
            ConditionValue::parse(ValueType::Null, "false").unwrap(),
            ConditionValue::Bool(false)
        );
    }

    #[test]
    fn condition_construction_checks() {
        assert_eq!(
            Condition::parse("string_equal", " ", &["x"]).unwrap_err(),
            ConditionError::EmptyKey
        );
        assert_eq!(
            Condition::parse("string_equal", "k", &[]).unwrap_err(),
            ConditionError::NoValues
        );
        let err = Condition::new(
            Operator::new(OperatorKind::IpEqual),
            "qcs:ip",
            vec![ConditionValue::Number(1.0)],
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::InvalidConditionValue);
        let err = Condition::new(
            Operator::new(OperatorKind::NullEqual).if_exist(),
            "k",
            vec![ConditionValue::Bool(true)],
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::UnknownOperator);
        let err = Condition::new(
            Operator::new(OperatorKind::NumericEqual),
            "k",
            vec![ConditionValue::Number(f64::NAN)],
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::InvalidConditionValue);
    }

    #[test]
    fn key_alias() {
        assert!(key_matches("cos:content-length", "COS:Content-Length"));
        assert!(key_matches("cos:content-length", "cos:content_length"));
        assert!(!key_matches("cos:content-type", "cos:content_type"));
    }
}

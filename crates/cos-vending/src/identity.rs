//! The caller's identity (the `{sub}` of the prefix template), validated so that it can never
//! widen the granted scope.
//!
//! A subject becomes one path segment of an object key inside a CAM resource, so it must not
//! be able to leave that segment (`/`, `\`, `..`), act as a wildcard (`*`, `?`), be decoded
//! into something else (`%`, `+`), split the resource string (`:`), or hide (control
//! characters, white space, non-ASCII look-alikes). Rather than list what is refused, only a
//! small alphabet is accepted: ASCII letters and digits and `- _ . @ | ~ =`, 1 to
//! [`MAX_SUBJECT_LEN`] bytes, never `.` or `..` alone, never containing `..`.

use std::fmt;

/// The longest accepted subject, in bytes.
pub const MAX_SUBJECT_LEN: usize = 128;

/// Why a subject was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The subject is empty.
    #[error("the caller's identity is empty")]
    Empty,
    /// The subject is longer than [`MAX_SUBJECT_LEN`].
    #[error("the caller's identity is longer than {MAX_SUBJECT_LEN} bytes")]
    TooLong,
    /// The subject contains a character outside the accepted alphabet.
    #[error(
        "the caller's identity contains a character that is not allowed in a key segment \
         (allowed: ASCII letters, digits and `-_.@|~=`)"
    )]
    ForbiddenCharacter,
    /// The subject contains `..` or is `.`.
    #[error("the caller's identity contains a `.`/`..` path segment")]
    DotSegment,
}

impl IdentityError {
    /// Never: the same identity is refused again.
    ///
    /// ```
    /// assert!(!cos_vending::IdentityError::Empty.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// A validated subject: safe to put between two `/` of an object key.
///
/// ```
/// assert!(cos_vending::Subject::parse("alice").is_ok());
/// assert!(cos_vending::Subject::parse("../bob").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject(String);

impl Subject {
    /// Validates `raw`.
    pub fn parse(raw: &str) -> Result<Self, IdentityError> {
        if raw.is_empty() {
            return Err(IdentityError::Empty);
        }
        if raw.len() > MAX_SUBJECT_LEN {
            return Err(IdentityError::TooLong);
        }
        if !raw.bytes().all(is_allowed_byte) {
            return Err(IdentityError::ForbiddenCharacter);
        }
        if raw == "." || raw.contains("..") {
            return Err(IdentityError::DotSegment);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The subject text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who is asking: the validated subject and the claims of the token that proved it (empty
/// for bearer tokens and unauthenticated callers). Claims are used for role rules only and
/// never logged.
///
/// ```
/// let who = cos_vending::Identity::new(cos_vending::Subject::parse("alice").unwrap());
/// assert_eq!(who.subject().as_str(), "alice");
/// assert!(who.claims().is_empty());
/// ```
#[derive(Clone, PartialEq)]
pub struct Identity {
    subject: Subject,
    claims: serde_json::Map<String, serde_json::Value>,
}

impl Identity {
    /// An identity without claims.
    pub fn new(subject: Subject) -> Self {
        Self {
            subject,
            claims: serde_json::Map::new(),
        }
    }

    /// Adds the token's claims (for role rules).
    ///
    /// ```
    /// let who = cos_vending::Identity::new(cos_vending::Subject::parse("a").unwrap())
    ///     .with_claims(serde_json::json!({"groups": ["admin"]}).as_object().unwrap().clone());
    /// assert!(who.claims().contains_key("groups"));
    /// ```
    #[must_use]
    pub fn with_claims(mut self, claims: serde_json::Map<String, serde_json::Value>) -> Self {
        self.claims = claims;
        self
    }

    /// The subject.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The token's claims.
    pub fn claims(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.claims
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("subject", &self.subject)
            .field("claims", &self.claims.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn is_allowed_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@' | b'|' | b'~' | b'=')
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subject({:?})", self.0)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordinary_identities_are_accepted() {
        for ok in [
            "alice",
            "auth0|5f7c8ec7c33c6c004bbafe82",
            "a.b@example.com",
            "550e8400-e29b-41d4-a716-446655440000",
            "x",
            "dGVzdA==",
            "~u_1",
        ] {
            assert_eq!(Subject::parse(ok).unwrap().as_str(), ok);
        }
        assert!(Subject::parse(&"a".repeat(MAX_SUBJECT_LEN)).is_ok());
    }

    #[test]
    fn scope_widening_identities_are_refused() {
        let cases: [(&str, IdentityError); 17] = [
            ("", IdentityError::Empty),
            ("..", IdentityError::DotSegment),
            (".", IdentityError::DotSegment),
            ("a..b", IdentityError::DotSegment),
            ("*", IdentityError::ForbiddenCharacter),
            ("alice*", IdentityError::ForbiddenCharacter),
            ("a?", IdentityError::ForbiddenCharacter),
            ("alice/../bob", IdentityError::ForbiddenCharacter),
            ("a/b", IdentityError::ForbiddenCharacter),
            ("a\\b", IdentityError::ForbiddenCharacter),
            ("a\nb", IdentityError::ForbiddenCharacter),
            ("a\u{0}", IdentityError::ForbiddenCharacter),
            ("a b", IdentityError::ForbiddenCharacter),
            ("a%2F", IdentityError::ForbiddenCharacter),
            ("a:b", IdentityError::ForbiddenCharacter),
            ("ａlice", IdentityError::ForbiddenCharacter),
            ("a+b", IdentityError::ForbiddenCharacter),
        ];
        for (raw, expected) in cases {
            assert_eq!(Subject::parse(raw), Err(expected), "{raw:?}");
        }
        assert_eq!(
            Subject::parse(&"a".repeat(MAX_SUBJECT_LEN + 1)),
            Err(IdentityError::TooLong)
        );
        assert!(!IdentityError::Empty.is_retryable());
    }

    proptest! {
        #[test]
        fn accepted_subjects_are_one_plain_segment(raw in any::<String>()) {
            if let Ok(subject) = Subject::parse(&raw) {
                let s = subject.as_str();
                prop_assert!(!s.is_empty() && s.len() <= MAX_SUBJECT_LEN);
                prop_assert!(!s.contains(['/', '*', '?', '\\', '%', '+', ':']));
                prop_assert!(!s.contains(".."));
                prop_assert!(!s.chars().any(|c| c.is_control() || c.is_whitespace()));
            }
        }
    }
}

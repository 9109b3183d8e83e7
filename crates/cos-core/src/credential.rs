//! The key material a signature is made with.

use std::fmt;
use zeroize::Zeroizing;

/// A Tencent Cloud secret id and secret key, with an optional session token for temporary keys.
///
/// The secret key and the token are redacted in `Debug` and wiped from memory on drop.
///
/// ```
/// use cos_core::Credential;
///
/// let permanent = Credential::new("AKIDEXAMPLE", "secret");
/// assert_eq!(permanent.token(), None);
/// let temporary = Credential::new("AKIDTMP", "tmp-secret").with_token("token");
/// assert_eq!(temporary.token(), Some("token"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    secret_id: String,
    secret_key: Zeroizing<String>,
    token: Option<Zeroizing<String>>,
}

impl Credential {
    /// Creates a credential from a secret id and a secret key.
    ///
    /// ```
    /// let credential = cos_core::Credential::new("AKIDEXAMPLE", "secret");
    /// assert_eq!(credential.secret_key(), "secret");
    /// ```
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: Zeroizing::new(secret_key.into()),
            token: None,
        }
    }

    /// Adds a session token (the `Token` / `SecurityToken` of a temporary key).
    ///
    /// ```
    /// let credential = cos_core::Credential::new("AKIDTMP", "secret").with_token("token");
    /// assert_eq!(credential.token(), Some("token"));
    /// ```
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Zeroizing::new(token.into()));
        self
    }

    /// The secret id (`SecretId`, or `TmpSecretId` for a temporary key). Not a secret.
    ///
    /// ```
    /// assert_eq!(cos_core::Credential::new("AKID", "k").secret_id(), "AKID");
    /// ```
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The secret key. Handle with care: never log it.
    ///
    /// ```
    /// assert_eq!(cos_core::Credential::new("AKID", "k").secret_key(), "k");
    /// ```
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The session token of a temporary key, if any.
    ///
    /// ```
    /// assert_eq!(cos_core::Credential::new("AKID", "k").token(), None);
    /// ```
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref().map(String::as_str)
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secret_key_and_token() {
        let credential = Credential::new("AKIDPUBLIC", "TOPSECRETKEY").with_token("TOPSECRETTOKEN");
        let shown = format!("{credential:?} {credential:#?}");
        assert!(shown.contains("AKIDPUBLIC"));
        assert!(!shown.contains("TOPSECRETKEY"));
        assert!(!shown.contains("TOPSECRETTOKEN"));
    }
}

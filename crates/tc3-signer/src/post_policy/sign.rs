//! Signing a policy text and producing the form fields (spec section 2, steps 3 to 6).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::document::TOKEN_FIELD;
use crate::cos::KeyTime;
use crate::cos::crypto::{hmac_sha1_hex, sha1_hex};
use crate::{Credential, SignError};

/// Form fields the signer writes; the caller must not pass them.
const RESERVED_FIELDS: [&str; 8] = [
    "policy",
    "q-sign-algorithm",
    "q-ak",
    "q-key-time",
    "q-signature",
    "q-sign-time",
    TOKEN_FIELD,
    "file",
];

/// A signed POST policy: the policy text, its base64, every digest, and the form fields.
///
/// `Debug` shows neither the sign key, the session token, the policy text (which may pin the
/// token) nor the signature.
///
/// ```
/// use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
///
/// let credential = Credential::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let policy = r#"{"expiration":"2023-11-14T23:13:20.000Z","conditions":[{"q-sign-algorithm":"sha1"},{"q-ak":"AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"},{"q-sign-time":"1700000000;1700003600"},{"bucket":"examplebucket-1250000000"},["starts-with","$key","uploads/"]]}"#;
/// let signed = sign_policy(&credential, policy, KeyTime::new(1700000000, 1700003600)?)?;
/// assert_eq!(signed.string_to_sign(), "38982429117ca1916a668e922570ca7eed936c15");
/// assert_eq!(signed.signature(), "499aaf4505593a14528d2153260a06ffa887e589");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Clone)]
pub struct SignedPostPolicy {
    secret_id: String,
    key_time: KeyTime,
    policy: String,
    policy_base64: String,
    sign_key: Zeroizing<String>,
    string_to_sign: String,
    signature: String,
    token: Option<Zeroizing<String>>,
}

/// Signs an exact policy text (its UTF-8 bytes are hashed and base64-encoded as they are).
///
/// The text is taken as is: it should carry the `q-sign-algorithm`, `q-ak` and
/// `q-sign-time` conditions for this credential and key time ([`PolicyDocument`](super::PolicyDocument)
/// writes them).
///
/// # Errors
/// [`SignError::InvalidInput`] for an empty policy.
///
/// ```
/// use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
///
/// let credential = Credential::new("AKID", "key");
/// let window = KeyTime::new(1, 2)?;
/// let a = sign_policy(&credential, "{}", window)?;
/// let b = sign_policy(&credential, "{}\n", window)?;
/// assert_ne!(a.signature(), b.signature()); // one byte changes everything
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
pub fn sign_policy(
    credential: &Credential,
    policy: impl Into<String>,
    key_time: KeyTime,
) -> Result<SignedPostPolicy, SignError> {
    let policy = policy.into();
    if policy.is_empty() {
        return Err(SignError::InvalidInput {
            field: "policy",
            reason: "the policy text is empty".into(),
        });
    }
    let rejected = |_| SignError::InvalidInput {
        field: "secret key",
        reason: "rejected by HMAC-SHA1".into(),
    };
    let key_time_text = key_time.to_string();
    let sign_key = Zeroizing::new(
        hmac_sha1_hex(credential.secret_key().as_bytes(), key_time_text.as_bytes())
            .map_err(rejected)?,
    );
    let string_to_sign = sha1_hex(policy.as_bytes());
    let signature =
        hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes()).map_err(rejected)?;
    Ok(SignedPostPolicy {
        secret_id: credential.secret_id().to_owned(),
        key_time,
        policy_base64: STANDARD.encode(policy.as_bytes()),
        policy,
        sign_key,
        string_to_sign,
        signature,
        token: credential.token().map(|t| Zeroizing::new(t.to_owned())),
    })
}

impl SignedPostPolicy {
    /// The exact policy text that was hashed.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
    /// let signed = sign_policy(&Credential::new("AKID", "key"), "{}", KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.policy(), "{}");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn policy(&self) -> &str {
        &self.policy
    }

    /// The `policy` form field: standard base64 (with padding) of the same bytes.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
    /// let signed = sign_policy(&Credential::new("AKID", "key"), "{}", KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.policy_base64(), "e30=");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn policy_base64(&self) -> &str {
        &self.policy_base64
    }

    /// `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`. **Secret-derived**: never log it.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
    /// let credential = Credential::new("AKID", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
    /// let signed = sign_policy(&credential, "{}", KeyTime::new(1567150692, 1567157892)?)?;
    /// assert_eq!(signed.sign_key(), "39acc8c9f34ba5b19bce4e965b370cd3f62d2fba");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign_key(&self) -> &str {
        &self.sign_key
    }

    /// `StringToSign = hex(SHA1(policy bytes))`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
    /// let signed = sign_policy(&Credential::new("AKID", "key"), "{}", KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.string_to_sign(), "bf21a9e8fbc5a3846fb05b4fa0859e0917b2202f");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// `q-signature = hex(HMAC-SHA1(SignKey, StringToSign))`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
    /// let signed = sign_policy(&Credential::new("AKID", "key"), "{}", KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.signature().len(), 40);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The key time (`q-key-time` in the form, `q-sign-time` in the policy).
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
    /// let signed = sign_policy(&Credential::new("AKID", "key"), "{}", KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.key_time().to_string(), "1;2");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// The multipart form fields, in a valid order: the caller's `fields` (`key`, `acl`,
    /// `Content-Type`, `x-cos-meta-*`, … as given), `x-cos-security-token` (temporary
    /// credentials), `policy`, `q-sign-algorithm`, `q-ak`, `q-key-time`, `q-signature`. The
    /// `file` field must come after all of them.
    ///
    /// # Errors
    /// [`SignError::InvalidInput`] when `fields` contains a field the signer writes
    /// (`policy`, `q-*`, `x-cos-security-token`) or `file`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::sign_policy};
    /// let signed = sign_policy(&Credential::new("AKID", "key"), "{}", KeyTime::new(1, 2)?)?;
    /// let fields = signed.form_fields(&[("key", "uploads/a.jpg")])?;
    /// let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["key", "policy", "q-sign-algorithm", "q-ak", "q-key-time", "q-signature"]);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn form_fields(&self, fields: &[(&str, &str)]) -> Result<Vec<(String, String)>, SignError> {
        if let Some((name, _)) = fields.iter().find(|(name, _)| {
            RESERVED_FIELDS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(name.trim()))
        }) {
            return Err(SignError::InvalidInput {
                field: "form field",
                reason: format!(
                    "`{}` is written by the signer (or must be last)",
                    crate::cos::shorten(name)
                ),
            });
        }
        let mut out: Vec<(String, String)> = fields
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        if let Some(token) = &self.token {
            out.push((TOKEN_FIELD.to_owned(), token.to_string()));
        }
        out.push(("policy".to_owned(), self.policy_base64.clone()));
        out.push(("q-sign-algorithm".to_owned(), "sha1".to_owned()));
        out.push(("q-ak".to_owned(), self.secret_id.clone()));
        out.push(("q-key-time".to_owned(), self.key_time.to_string()));
        out.push(("q-signature".to_owned(), self.signature.clone()));
        Ok(out)
    }
}

impl fmt::Debug for SignedPostPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedPostPolicy")
            .field("secret_id", &self.secret_id)
            .field("key_time", &self.key_time)
            .field("policy", &"<not shown: may pin the session token>")
            .field("sign_key", &"<redacted>")
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &"<redacted: replayable>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let credential = Credential::new("AKID", "SECRETKEY").with_token("SECRETTOKEN");
        let signed = sign_policy(
            &credential,
            r#"{"x":"SECRETTOKEN"}"#,
            KeyTime::new(1, 2).unwrap(),
        )
        .unwrap();
        let shown = format!("{signed:?} {signed:#?}");
        for secret in ["SECRETKEY", "SECRETTOKEN", signed.sign_key()] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn reserved_fields_and_empty_policy_are_rejected() {
        let credential = Credential::new("AKID", "key");
        assert!(sign_policy(&credential, "", KeyTime::new(1, 2).unwrap()).is_err());
        let signed = sign_policy(&credential, "{}", KeyTime::new(1, 2).unwrap()).unwrap();
        for name in ["policy", "Q-Signature", "file", "x-cos-security-token"] {
            assert!(signed.form_fields(&[(name, "x")]).is_err(), "{name}");
        }
    }
}

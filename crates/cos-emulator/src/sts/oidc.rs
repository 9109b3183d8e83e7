//! OIDC identity providers for `AssumeRoleWithWebIdentity`: which tokens the emulator's STS
//! accepts in exchange for a role's temporary key (as TKE workloads do with their service
//! account tokens).

use std::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};

use crate::error::EmulatorError;

/// An OIDC identity provider, as registered in CAM: its `ProviderId`, the issuer its tokens
/// name, the key that signs them (HS256 secret or RS256 public key) and, optionally, the
/// client ids (`aud`) it accepts.
///
/// ```
/// use cos_emulator::OidcProvider;
///
/// let provider = OidcProvider::hs256("tke-oidc", "https://oidc.example", b"0123456789abcdef0123456789abcdef")
///     .client_id("sts.cloud.tencent.com");
/// assert_eq!(provider.id(), "tke-oidc");
/// assert!(!format!("{provider:?}").contains("0123456789"));
/// ```
#[derive(Clone)]
pub struct OidcProvider {
    id: String,
    issuer: String,
    algorithm: Algorithm,
    key: DecodingKey,
    client_ids: Vec<String>,
}

impl fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcProvider")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("algorithm", &self.algorithm)
            .field("client_ids", &self.client_ids)
            .finish_non_exhaustive()
    }
}

/// What a verified token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    /// The `sub` claim.
    pub(crate) subject: String,
}

impl OidcProvider {
    /// A provider whose tokens are HS256-signed with `secret`.
    ///
    /// ```
    /// let p = cos_emulator::OidcProvider::hs256("p", "https://issuer", b"a shared secret of 32 bytes....");
    /// # let _ = p;
    /// ```
    pub fn hs256(id: impl Into<String>, issuer: impl Into<String>, secret: &[u8]) -> Self {
        Self {
            id: id.into(),
            issuer: issuer.into(),
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(secret),
            client_ids: Vec::new(),
        }
    }

    /// A provider whose tokens are RS256-signed; `public_key_pem` is the PEM of its public
    /// key (what the issuer's JWKS publishes).
    ///
    /// # Errors
    /// [`EmulatorError::InvalidConfig`] when the PEM is not an RSA public key.
    ///
    /// ```
    /// let bad = cos_emulator::OidcProvider::rs256_pem("p", "https://issuer", b"not a pem");
    /// assert!(bad.is_err());
    /// ```
    pub fn rs256_pem(
        id: impl Into<String>,
        issuer: impl Into<String>,
        public_key_pem: &[u8],
    ) -> Result<Self, EmulatorError> {
        let key = DecodingKey::from_rsa_pem(public_key_pem).map_err(|e| {
            EmulatorError::InvalidConfig {
                reason: format!("OIDC provider public key: {e}"),
            }
        })?;
        Ok(Self {
            id: id.into(),
            issuer: issuer.into(),
            algorithm: Algorithm::RS256,
            key,
            client_ids: Vec::new(),
        })
    }

    /// Accepts tokens whose `aud` names this client id (repeatable). Without any, `aud` is
    /// not checked.
    ///
    /// ```
    /// let p = cos_emulator::OidcProvider::hs256("p", "https://issuer", b"s").client_id("sts");
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn client_id(mut self, aud: impl Into<String>) -> Self {
        self.client_ids.push(aud.into());
        self
    }

    /// The provider id (`ProviderId` of `AssumeRoleWithWebIdentity`).
    ///
    /// ```
    /// assert_eq!(cos_emulator::OidcProvider::hs256("p", "i", b"s").id(), "p");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Checks `token`: signature, issuer, audience, and `exp`/`nbf` against `now` (the
    /// emulator's clock, not the host's). Returns why it is refused otherwise.
    pub(crate) fn verify(&self, token: &str, now: u64) -> Result<Identity, String> {
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[self.issuer.as_str()]);
        if self.client_ids.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&self.client_ids);
        }
        // Times are checked below with the emulator's clock.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        validation.required_spec_claims.insert("iss".into());
        validation.required_spec_claims.insert("sub".into());
        validation.required_spec_claims.insert("exp".into());
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &self.key,
            &validation,
        )
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => "the token's signature is not valid".to_string(),
            ErrorKind::InvalidIssuer => "the token's issuer is not the provider's".to_string(),
            ErrorKind::InvalidAudience => {
                "the token's audience is not a client id of the provider".to_string()
            }
            ErrorKind::InvalidAlgorithm => {
                "the token's algorithm is not the provider's".to_string()
            }
            _ => format!("the token is malformed: {e}"),
        })?;
        let claims = data.claims;
        let time = |name: &str| claims.get(name).and_then(serde_json::Value::as_u64);
        match time("exp") {
            Some(exp) if exp > now => {}
            Some(_) => return Err("the token has expired".into()),
            None => return Err("the token has no numeric exp".into()),
        }
        if time("nbf").is_some_and(|nbf| nbf > now) {
            return Err("the token is not valid yet".into());
        }
        let subject = claims
            .get("sub")
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| "the token has no sub".to_string())?;
        Ok(Identity {
            subject: subject.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-oidc";
    const NOW: u64 = 1_900_000_000;

    fn token(claims: serde_json::Value, secret: &[u8]) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    fn provider() -> OidcProvider {
        OidcProvider::hs256("p", "https://oidc.example", SECRET).client_id("sts.cloud.tencent.com")
    }

    fn claims() -> serde_json::Value {
        json!({"iss": "https://oidc.example", "sub": "system:serviceaccount:ns:app",
               "aud": "sts.cloud.tencent.com", "exp": NOW + 60})
    }

    #[test]
    fn a_good_token_names_its_subject() {
        let identity = provider().verify(&token(claims(), SECRET), NOW).unwrap();
        assert_eq!(identity.subject, "system:serviceaccount:ns:app");
    }

    #[test]
    fn bad_tokens_are_refused_with_a_reason() {
        let with = |key: &str, value: serde_json::Value| {
            let mut c = claims();
            c[key] = value;
            token(c, SECRET)
        };
        let cases = [
            (
                token(claims(), b"another secret of enough length!!"),
                "signature",
            ),
            (with("iss", json!("https://elsewhere")), "issuer"),
            (with("aud", json!("someone-else")), "audience"),
            (with("exp", json!(NOW - 1)), "expired"),
            (with("nbf", json!(NOW + 30)), "not valid yet"),
            (with("sub", json!("")), "no sub"),
            ("not.a.jwt".to_string(), "malformed"),
        ];
        for (bad, why) in cases {
            let error = provider().verify(&bad, NOW).unwrap_err();
            assert!(error.contains(why), "{why}: {error}");
        }
    }

    #[test]
    fn without_client_ids_the_audience_is_not_checked() {
        let open = OidcProvider::hs256("p", "https://oidc.example", SECRET);
        let mut c = claims();
        c["aud"] = json!("anyone");
        assert!(open.verify(&token(c, SECRET), NOW).is_ok());
    }

    #[test]
    fn the_emulator_clock_decides_expiry() {
        let t = token(claims(), SECRET);
        assert!(provider().verify(&t, NOW + 59).is_ok());
        assert!(provider().verify(&t, NOW + 60).is_err());
    }
}

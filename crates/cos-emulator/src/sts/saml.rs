//! SAML 2.0 identity providers for `AssumeRoleWithSAML` (cargo feature `saml`): which signed
//! SAML responses the emulator's STS accepts in exchange for a role's temporary key, as CAM's
//! role SSO does.
//!
//! The XML signature is verified by `samael` (libxmlsec1) against the provider's configured
//! certificates only — never a certificate the document carries — and everything after that
//! is read from the *signed* content alone (samael drops what no verified signature covers, so
//! a wrapped or appended assertion is never read). Then, on the emulator's clock: the
//! assertion's `Conditions` window and audience, and a bearer `SubjectConfirmation` whose
//! `Recipient` becomes `saml:aud` for the role's trust policy.

use std::fmt;

use rustls::pki_types::CertificateDer as PkiCertificate;
use rustls::pki_types::pem::PemObject as _;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider as _, ReduceMode,
};
use samael::metadata::EntityDescriptor;
use samael::schema::{Assertion, Response};

use crate::error::EmulatorError;

/// The attribute naming the `role ARN,provider ARN` pairs a user may take (CAM role SSO).
pub(crate) const ROLE_ATTRIBUTE: &str = "https://cloud.tencent.com/SAML/Attributes/Role";
/// The attribute naming the session (CAM role SSO).
pub(crate) const SESSION_ATTRIBUTE: &str =
    "https://cloud.tencent.com/SAML/Attributes/RoleSessionName";
/// The audiences CAM's SAML service provider answers to (China and international sites; IdPs
/// are told either the entity id or its URL form).
const DEFAULT_AUDIENCES: &[&str] = &[
    "cloud.tencent.com",
    "https://cloud.tencent.com",
    "intl.cloud.tencent.com",
    "https://intl.cloud.tencent.com",
    "www.tencentcloud.com",
    "https://www.tencentcloud.com",
    "https://intl.cloud.tencent.com/login/saml",
];
/// Largest decoded SAML response accepted, bytes.
const MAX_RESPONSE: usize = 256 * 1024;
/// Signature algorithms accepted (no SHA-1).
const ALGORITHMS: &[AllowedSignatureAlgorithm] = &[
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// A SAML identity provider, as registered in CAM (Identity providers → Role SSO): its name
/// (the `saml-provider/<name>` of `PrincipalArn`), the certificates its responses are signed
/// with and, from metadata, its entity id (the `Issuer` it must send).
///
/// ```
/// let bad = cos_emulator::SamlProvider::from_file_contents("idp", b"neither metadata nor PEM");
/// assert!(bad.is_err());
/// ```
#[derive(Clone)]
pub struct SamlProvider {
    name: String,
    certificates: Vec<CertificateDer>,
    entity_id: Option<String>,
    audiences: Vec<String>,
}

impl fmt::Debug for SamlProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SamlProvider")
            .field("name", &self.name)
            .field("entity_id", &self.entity_id)
            .field("certificates", &self.certificates.len())
            .field("audiences", &self.audiences)
            .finish()
    }
}

/// What a verified SAML response says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SamlIdentity {
    /// `saml:iss`: the assertion's issuer.
    pub(crate) issuer: String,
    /// `saml:sub`: the `NameID`.
    pub(crate) subject: String,
    /// `saml:sub_type`: the `NameID` format.
    pub(crate) subject_type: String,
    /// `saml:aud`: the bearer confirmation's `Recipient`.
    pub(crate) recipient: String,
    /// The values of the Role attribute (`role ARN,provider ARN` pairs).
    pub(crate) roles: Vec<String>,
    /// The RoleSessionName attribute, if sent.
    pub(crate) session_name: Option<String>,
}

fn config_error(name: &str, what: impl fmt::Display) -> EmulatorError {
    EmulatorError::InvalidConfig {
        reason: format!("SAML provider {name}: {what}"),
    }
}

impl SamlProvider {
    /// A provider whose responses are signed with the key of one of these PEM certificates.
    ///
    /// # Errors
    /// [`EmulatorError::InvalidConfig`] when `pem` holds no certificate.
    ///
    /// ```
    /// assert!(cos_emulator::SamlProvider::from_certificate_pem("idp", b"").is_err());
    /// ```
    pub fn from_certificate_pem(
        name: impl Into<String>,
        pem: &[u8],
    ) -> Result<Self, EmulatorError> {
        let name = name.into();
        let certificates: Vec<CertificateDer> = PkiCertificate::pem_slice_iter(pem)
            .map(|c| c.map(|c| CertificateDer::from(c.to_vec())))
            .collect::<Result<_, _>>()
            .map_err(|e| config_error(&name, format!("reading the PEM: {e}")))?;
        if certificates.is_empty() {
            return Err(config_error(&name, "no certificate in the PEM"));
        }
        Ok(Self::new(name, certificates, None))
    }

    /// A provider from its IdP metadata (`EntityDescriptor`): the signing certificates of its
    /// `IDPSSODescriptor` and its `entityID`, which responses must name as their issuer.
    ///
    /// # Errors
    /// [`EmulatorError::InvalidConfig`] when the metadata does not parse or names no
    /// certificate.
    ///
    /// ```
    /// assert!(cos_emulator::SamlProvider::from_metadata("idp", "<x/>").is_err());
    /// ```
    pub fn from_metadata(name: impl Into<String>, xml: &str) -> Result<Self, EmulatorError> {
        let name = name.into();
        let metadata: EntityDescriptor = xml
            .parse()
            .map_err(|e| config_error(&name, format!("reading the metadata: {e}")))?;
        let mut signing = Vec::new();
        let mut unspecified = Vec::new();
        for descriptor in metadata.idp_sso_descriptors.iter().flatten() {
            for key in &descriptor.key_descriptors {
                let bucket = match key.key_use.as_deref() {
                    Some("signing") => &mut signing,
                    None | Some("") => &mut unspecified,
                    Some(_) => continue,
                };
                for text in key
                    .key_info
                    .x509_data
                    .iter()
                    .flat_map(|data| data.certificates.iter())
                {
                    let der = samael::crypto::decode_x509_cert(text)
                        .map_err(|e| config_error(&name, format!("a certificate: {e}")))?;
                    bucket.push(der);
                }
            }
        }
        let certificates = if signing.is_empty() {
            unspecified
        } else {
            signing
        };
        if certificates.is_empty() {
            return Err(config_error(
                &name,
                "the metadata names no signing certificate",
            ));
        }
        Ok(Self::new(name, certificates, metadata.entity_id))
    }

    /// A provider from a file's contents: IdP metadata when it holds an `EntityDescriptor`,
    /// else PEM certificates (what `cos-sts emulator --saml-provider NAME,FILE` reads).
    ///
    /// # Errors
    /// As [`SamlProvider::from_metadata`] and [`SamlProvider::from_certificate_pem`].
    ///
    /// ```
    /// assert!(cos_emulator::SamlProvider::from_file_contents("idp", b"").is_err());
    /// ```
    pub fn from_file_contents(
        name: impl Into<String>,
        bytes: &[u8],
    ) -> Result<Self, EmulatorError> {
        let name = name.into();
        match std::str::from_utf8(bytes) {
            Ok(text) if text.contains("EntityDescriptor") => Self::from_metadata(name, text),
            _ => Self::from_certificate_pem(name, bytes),
        }
    }

    fn new(name: String, certificates: Vec<CertificateDer>, entity_id: Option<String>) -> Self {
        Self {
            name,
            certificates,
            entity_id,
            audiences: DEFAULT_AUDIENCES.iter().map(|a| (*a).to_string()).collect(),
        }
    }

    /// Accepts assertions for this audience instead of CAM's (`cloud.tencent.com` and its
    /// international and URL forms); repeatable.
    ///
    /// ```
    /// # let pem = b"";
    /// # if let Ok(p) = cos_emulator::SamlProvider::from_certificate_pem("idp", pem) {
    /// let p = p.audience("urn:example:sp");
    /// # let _ = p; }
    /// ```
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        let defaults: Vec<String> = DEFAULT_AUDIENCES.iter().map(|a| (*a).to_string()).collect();
        if self.audiences == defaults {
            self.audiences.clear();
        }
        self.audiences.push(audience.into());
        self
    }

    /// The provider's name (`qcs::cam::uin/<owner>:saml-provider/<name>`).
    ///
    /// ```
    /// # if let Ok(p) = cos_emulator::SamlProvider::from_certificate_pem("idp", b"") {
    /// assert_eq!(p.name(), "idp");
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks a base64 `SAMLAssertion` (a SAML `Response`, or a bare `Assertion`): signature
    /// by one of the provider's certificates, issuer, audience, the validity windows against
    /// `now` (the emulator's clock), a bearer confirmation. Returns why it is refused otherwise.
    pub(crate) fn verify(&self, encoded: &str, now: u64) -> Result<SamlIdentity, String> {
        use base64::Engine as _;
        if encoded.len() > MAX_RESPONSE * 4 / 3 + 4 {
            return Err("the SAML assertion is too large".into());
        }
        let compact: String = encoded.split_ascii_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| "the SAML assertion is not base64".to_string())?;
        let xml = String::from_utf8(bytes).map_err(|_| "the SAML assertion is not UTF-8")?;
        if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
            return Err("the SAML assertion must not declare a DOCTYPE".into());
        }
        let signed = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
            &xml,
            &self.certificates,
            ReduceMode::ValidateAndMarkNoAncestors,
            Some(ALGORITHMS),
        )
        .map_err(|_| {
            "the SAML assertion's signature is not valid for the provider's certificate".to_string()
        })?;
        let assertion = signed_assertion(&signed)?;
        self.check(&assertion, now)
    }

    fn check(&self, assertion: &Assertion, now: u64) -> Result<SamlIdentity, String> {
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let issuer = assertion.issuer.value.clone().unwrap_or_default();
        if let Some(entity) = &self.entity_id
            && &issuer != entity
        {
            return Err(format!(
                "the assertion's issuer `{issuer}` is not the provider's `{entity}`"
            ));
        }
        let conditions = assertion
            .conditions
            .as_ref()
            .ok_or("the assertion has no Conditions")?;
        if conditions.not_before.is_some_and(|t| t.timestamp() > now) {
            return Err("the assertion is not valid yet (NotBefore)".into());
        }
        match conditions.not_on_or_after.map(|t| t.timestamp()) {
            Some(end) if end > now => {}
            Some(_) => return Err("the assertion has expired (NotOnOrAfter)".into()),
            None => return Err("the assertion's Conditions have no NotOnOrAfter".into()),
        }
        let audiences: Vec<&String> = conditions
            .audience_restrictions
            .iter()
            .flatten()
            .flat_map(|r| r.audience.iter())
            .collect();
        if !audiences.iter().any(|a| self.audiences.contains(a)) {
            return Err(format!(
                "the assertion's audience {audiences:?} is not Tencent Cloud's"
            ));
        }
        let subject = assertion
            .subject
            .as_ref()
            .ok_or("the assertion has no Subject")?;
        let name_id = subject
            .name_id
            .as_ref()
            .filter(|n| !n.value.is_empty())
            .ok_or("the assertion has no NameID")?;
        let recipient = subject
            .subject_confirmations
            .iter()
            .flatten()
            .filter(|c| c.method.as_deref() == Some(BEARER))
            .filter_map(|c| c.subject_confirmation_data.as_ref())
            .find(|data| {
                data.not_on_or_after.is_some_and(|t| t.timestamp() > now)
                    && data.not_before.is_none_or(|t| t.timestamp() <= now)
            })
            .and_then(|data| data.recipient.clone())
            .ok_or("the assertion has no current bearer SubjectConfirmation with a Recipient")?;
        let attribute = |name: &str| -> Vec<String> {
            assertion
                .attribute_statements
                .iter()
                .flatten()
                .flat_map(|s| s.attributes.iter())
                .filter(|a| a.name.as_deref() == Some(name))
                .flat_map(|a| a.values.iter())
                .filter_map(|v| v.value.as_ref().map(|v| v.trim().to_string()))
                .collect()
        };
        Ok(SamlIdentity {
            issuer,
            subject: name_id.value.clone(),
            subject_type: name_id.format.clone().unwrap_or_default(),
            recipient,
            roles: attribute(ROLE_ATTRIBUTE),
            session_name: attribute(SESSION_ATTRIBUTE).into_iter().next(),
        })
    }
}

/// The assertion of signed content: a signed `Assertion`, or the assertion inside a signed
/// `Response`.
fn signed_assertion(signed: &str) -> Result<Assertion, String> {
    if let Ok(assertion) = signed.parse::<Assertion>() {
        return Ok(assertion);
    }
    let response: Response = signed
        .parse()
        .map_err(|_| "the signed SAML content is neither a Response nor an Assertion")?;
    if let Some(status) = response
        .status
        .as_ref()
        .and_then(|s| s.status_code.value.as_deref())
        && status != "urn:oasis:names:tc:SAML:2.0:status:Success"
    {
        return Err(format!("the SAML response's status is `{status}`"));
    }
    response
        .assertion
        .ok_or_else(|| "the signed SAML response holds no assertion".to_string())
}

/// Whether `role_arn,principal_arn` (either order) is one of the Role attribute's values.
pub(crate) fn names_role(identity: &SamlIdentity, role_arn: &str, principal_arn: &str) -> bool {
    identity.roles.iter().any(|pair| {
        let mut parts = pair.split(',').map(str::trim);
        match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => {
                (a == role_arn && b == principal_arn) || (a == principal_arn && b == role_arn)
            }
            _ => false,
        }
    })
}

//! Errors of signing and of verification.
//!
//! Both enums are `#[non_exhaustive]`; add variants with small, targeted edits.

/// Why a request could not be signed. Signing errors come from the input, so retrying the
/// same input never helps: [`SignError::is_retryable`] is always `false`.
///
/// ```
/// let error = tc3_signer::SignError::DuplicateHeader { name: "x-cos-meta-a".into() };
/// assert!(error.to_string().contains("x-cos-meta-a"));
/// assert!(!error.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// Two headers have the same name once lower-cased; HTTP would fold them, so the
    /// signature could not match what the server sees.
    #[error("header `{name}` appears more than once (names are compared case-insensitively)")]
    DuplicateHeader {
        /// The lower-cased header name.
        name: String,
    },
    /// A query parameter name appears more than once.
    #[error("query parameter `{name}` appears more than once")]
    RepeatedParameter {
        /// The parameter name as given.
        name: String,
    },
    /// The key time window is empty or inverted (`start` after `end`).
    #[error("invalid key time `{start};{end}`: the start must not be after the end")]
    InvalidKeyTime {
        /// Start of the window, Unix seconds.
        start: u64,
        /// End of the window, Unix seconds.
        end: u64,
    },
    /// A request part is not acceptable for signing.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which part of the request (for example `header name`, `path`, `method`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl SignError {
    /// Whether retrying could succeed. Always `false`: signing is a pure function of its input.
    ///
    /// ```
    /// let error = tc3_signer::SignError::InvalidKeyTime { start: 2, end: 1 };
    /// assert!(!error.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Why a signed request was rejected by a verifier. The variants say exactly what failed so
/// that a `SignatureDoesNotMatch` can be debugged.
///
/// ```
/// let error = tc3_signer::VerifyError::Expired { end: 100, now: 200 };
/// assert!(error.to_string().contains("expired"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The Authorization header, presigned query or form fields could not be parsed.
    #[error("malformed signature: {reason}")]
    Malformed {
        /// What could not be parsed.
        reason: String,
    },
    /// The signature algorithm is not one this verifier knows.
    #[error("unknown signature algorithm `{algorithm}`")]
    UnknownAlgorithm {
        /// The algorithm named by the request.
        algorithm: String,
    },
    /// A header that the signature lists as signed is absent from the request.
    #[error("signed header `{name}` is missing from the request")]
    MissingSignedHeader {
        /// The lower-cased header name.
        name: String,
    },
    /// The recomputed signature differs from the one presented.
    #[error("signature does not match")]
    SignatureMismatch {
        /// The string to sign the verifier computed, to compare with the client's.
        string_to_sign: String,
    },
    /// The signature's validity ended before `now` (beyond the tolerance).
    #[error("signature expired at {end} (now {now})")]
    Expired {
        /// End of validity, Unix seconds.
        end: u64,
        /// The verifier's time, Unix seconds.
        now: u64,
    },
    /// The signature's validity starts after `now` (beyond the tolerance).
    #[error("signature not valid before {start} (now {now})")]
    NotYetValid {
        /// Start of validity, Unix seconds.
        start: u64,
        /// The verifier's time, Unix seconds.
        now: u64,
    },
    /// The recomputed `TC3-HMAC-SHA256` signature differs from the one presented. Carries the
    /// verifier's canonical request and string to sign (an `x-tc-token` value, if signed, is
    /// redacted) so the client can diff them against its own.
    #[error("TC3 signature does not match")]
    Tc3SignatureMismatch {
        /// The canonical request the verifier computed.
        canonical_request: String,
        /// The string to sign the verifier computed.
        string_to_sign: String,
    },
    /// The credential scope of a TC3 signature names another service or date than the
    /// verifier expects (the date must be the UTC date of `X-TC-Timestamp`).
    #[error("credential scope {field} is `{presented}`, expected `{expected}`")]
    ScopeMismatch {
        /// Which part of the scope: `service` or `date`.
        field: &'static str,
        /// The value the request presents.
        presented: String,
        /// The value the verifier expected.
        expected: String,
    },
    /// The secret id in the signature is not the one the verifier was given.
    #[error("signature made with secret id `{presented}`, expected `{expected}`")]
    WrongSecretId {
        /// The secret id the request presents.
        presented: String,
        /// The secret id the verifier expected.
        expected: String,
    },
    /// A query parameter that the signature lists as signed is absent from the request.
    #[error("signed query parameter `{name}` is missing from the request")]
    MissingSignedParameter {
        /// The parameter name as listed in `q-url-param-list` (encoded, lower-cased).
        name: String,
    },
    /// A POST-object upload does not satisfy a condition of its policy. The reason never
    /// repeats field values, which may be secret (the session token is a policy field).
    #[error("POST policy condition on `{field}` not met: {reason}")]
    ConditionNotMet {
        /// The form field the condition restricts (`key`, `bucket`, `Content-Type`, …).
        field: String,
        /// Why the upload does not satisfy it.
        reason: String,
    },
    /// A POST-object upload's size is outside the policy's `content-length-range`.
    #[error("content length {actual} is outside the policy range {min}..={max}")]
    ContentLengthOutOfRange {
        /// Smallest allowed size in bytes.
        min: u64,
        /// Largest allowed size in bytes.
        max: u64,
        /// The upload's size in bytes.
        actual: u64,
    },
}

impl VerifyError {
    /// Whether the client could succeed by re-signing with a corrected clock: `true` for
    /// [`VerifyError::Expired`] and [`VerifyError::NotYetValid`], `false` otherwise.
    ///
    /// ```
    /// assert!(tc3_signer::VerifyError::NotYetValid { start: 10, now: 1 }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Expired { .. } | Self::NotYetValid { .. })
    }
}

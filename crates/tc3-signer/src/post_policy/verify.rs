//! Server-side check of a POST-object form: signature, expiry and every policy condition.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::Condition;
use super::iso8601::parse_seconds;
use crate::VerifyError;
use crate::cos::crypto::{constant_time_eq, hmac_sha1_hex, sha1_hex};
use crate::cos::{KeyTime, shorten};

/// The signature fields of a submitted POST-object form, parsed, with the policy decoded.
///
/// A server parses the form, looks up the secret key by [`PostForm::secret_id`], then calls
/// [`verify_post`].
///
/// ```
/// use tc3_signer::{Credential, cos::KeyTime, post_policy::{PolicyDocument, PostForm}};
///
/// let credential = Credential::new("AKID", "key");
/// let signed = PolicyDocument::new(2000).key_starts_with("uploads/").sign(&credential, KeyTime::new(1000, 2000)?)?;
/// let fields = signed.form_fields(&[("key", "uploads/${filename}")])?;
/// let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
/// let form = PostForm::parse(&borrowed)?;
/// assert_eq!(form.secret_id(), "AKID");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PostForm<'a> {
    fields: &'a [(&'a str, &'a str)],
    secret_id: &'a str,
    key_time_text: &'a str,
    key_time: KeyTime,
    signature: &'a str,
    policy: Vec<u8>,
}

impl<'a> PostForm<'a> {
    /// Parses the form fields (every field except the file; names compared
    /// case-insensitively, each at most once).
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] for a missing or repeated field, a `policy` that is not
    /// base64, a bad `q-key-time` or `q-signature`; [`VerifyError::UnknownAlgorithm`] when
    /// `q-sign-algorithm` is not `sha1`.
    ///
    /// ```
    /// use tc3_signer::post_policy::PostForm;
    /// assert!(PostForm::parse(&[("key", "a")]).is_err());
    /// ```
    pub fn parse(fields: &'a [(&'a str, &'a str)]) -> Result<Self, VerifyError> {
        for (index, (name, _)) in fields.iter().enumerate() {
            let later = fields.get(index + 1..).unwrap_or_default();
            if later
                .iter()
                .any(|(other, _)| other.eq_ignore_ascii_case(name))
            {
                return Err(malformed(format!(
                    "form field `{}` appears more than once",
                    shorten(name)
                )));
            }
        }
        let field = |name: &str| {
            form_value(fields, name)
                .ok_or_else(|| malformed(format!("form field `{name}` is missing")))
        };
        let algorithm = field("q-sign-algorithm")?;
        if !algorithm.eq_ignore_ascii_case("sha1") {
            return Err(VerifyError::UnknownAlgorithm {
                algorithm: shorten(algorithm),
            });
        }
        let secret_id = field("q-ak")?;
        let key_time_text = field("q-key-time")?;
        let key_time = KeyTime::parse(key_time_text)?;
        let signature = field("q-signature")?;
        if signature.len() != 40 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(malformed("`q-signature` is not 40 hex digits".into()));
        }
        let policy = STANDARD
            .decode(field("policy")?.trim())
            .map_err(|_| malformed("`policy` is not standard base64".into()))?;
        Ok(Self {
            fields,
            secret_id,
            key_time_text,
            key_time,
            signature,
            policy,
        })
    }

    /// `q-ak`: the secret id to look the secret key up by.
    ///
    /// ```
    /// # use tc3_signer::post_policy::PostForm;
    /// let fields = [("policy", "e30="), ("q-sign-algorithm", "sha1"), ("q-ak", "AKID"),
    ///     ("q-key-time", "1;2"), ("q-signature", "0123456789abcdef0123456789abcdef01234567")];
    /// assert_eq!(PostForm::parse(&fields)?.secret_id(), "AKID");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn secret_id(&self) -> &'a str {
        self.secret_id
    }

    /// The decoded policy bytes (what was hashed).
    ///
    /// ```
    /// # use tc3_signer::post_policy::PostForm;
    /// let fields = [("policy", "e30="), ("q-sign-algorithm", "sha1"), ("q-ak", "AKID"),
    ///     ("q-key-time", "1;2"), ("q-signature", "0123456789abcdef0123456789abcdef01234567")];
    /// assert_eq!(PostForm::parse(&fields)?.policy(), b"{}");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn policy(&self) -> &[u8] {
        &self.policy
    }

    /// `q-key-time`, parsed.
    ///
    /// ```
    /// # use tc3_signer::post_policy::PostForm;
    /// let fields = [("policy", "e30="), ("q-sign-algorithm", "sha1"), ("q-ak", "AKID"),
    ///     ("q-key-time", "1;2"), ("q-signature", "0123456789abcdef0123456789abcdef01234567")];
    /// assert_eq!(PostForm::parse(&fields)?.key_time().end(), 2);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// The value of a form field (name compared case-insensitively).
    ///
    /// ```
    /// # use tc3_signer::post_policy::PostForm;
    /// let fields = [("policy", "e30="), ("q-sign-algorithm", "sha1"), ("q-ak", "AKID"),
    ///     ("q-key-time", "1;2"), ("q-signature", "0123456789abcdef0123456789abcdef01234567"), ("Key", "a")];
    /// assert_eq!(PostForm::parse(&fields)?.field("key"), Some("a"));
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn field(&self, name: &str) -> Option<&'a str> {
        form_value(self.fields, name)
    }
}

impl fmt::Debug for PostForm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostForm")
            .field("secret_id", &self.secret_id)
            .field("key_time", &self.key_time_text)
            .field("fields", &self.fields.len())
            .finish_non_exhaustive()
    }
}

/// What the server knows about the upload besides the form: the bucket it was posted to,
/// the file part's name (substituted for `${filename}` in `key`) and the file size.
///
/// ```
/// let upload = tc3_signer::post_policy::Upload::new("examplebucket-1250000000", 13).with_filename("a.jpg");
/// assert_eq!(upload.content_length(), 13);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload<'a> {
    bucket: &'a str,
    filename: Option<&'a str>,
    content_length: u64,
}

impl<'a> Upload<'a> {
    /// An upload of `content_length` bytes to `bucket` (`<name>-<appid>`).
    ///
    /// ```
    /// let upload = tc3_signer::post_policy::Upload::new("b-1250000000", 0);
    /// assert_eq!(upload.bucket(), "b-1250000000");
    /// ```
    pub fn new(bucket: &'a str, content_length: u64) -> Self {
        Self {
            bucket,
            filename: None,
            content_length,
        }
    }

    /// Sets the file part's file name.
    ///
    /// ```
    /// let upload = tc3_signer::post_policy::Upload::new("b", 0).with_filename("x.png");
    /// assert_eq!(upload.filename(), Some("x.png"));
    /// ```
    #[must_use]
    pub fn with_filename(mut self, filename: &'a str) -> Self {
        self.filename = Some(filename);
        self
    }

    /// The bucket.
    ///
    /// ```
    /// assert_eq!(tc3_signer::post_policy::Upload::new("b", 0).bucket(), "b");
    /// ```
    pub fn bucket(&self) -> &'a str {
        self.bucket
    }

    /// The file name, if any.
    ///
    /// ```
    /// assert_eq!(tc3_signer::post_policy::Upload::new("b", 0).filename(), None);
    /// ```
    pub fn filename(&self) -> Option<&'a str> {
        self.filename
    }

    /// The file size in bytes.
    ///
    /// ```
    /// assert_eq!(tc3_signer::post_policy::Upload::new("b", 7).content_length(), 7);
    /// ```
    pub fn content_length(&self) -> u64 {
        self.content_length
    }
}

/// The outcome of a successful [`verify_post`].
///
/// ```
/// # use tc3_signer::{Credential, cos::KeyTime, post_policy::{verify_post, PolicyDocument, PostForm, Upload}};
/// # use std::time::Duration;
/// # let credential = Credential::new("AKID", "key");
/// # let signed = PolicyDocument::new(2000).sign(&credential, KeyTime::new(1000, 2000)?)?;
/// # let fields = signed.form_fields(&[("key", "k")])?;
/// # let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
/// let accepted = verify_post(&PostForm::parse(&borrowed)?, "key", &Upload::new("b", 1), 1500, Duration::ZERO)?;
/// assert_eq!(accepted.key(), "k");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedUpload {
    key: String,
    expiration: u64,
}

impl AcceptedUpload {
    /// The object key, with `${filename}` substituted.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::{verify_post, PolicyDocument, PostForm, Upload}};
    /// # use std::time::Duration;
    /// # let credential = Credential::new("AKID", "key");
    /// # let signed = PolicyDocument::new(2000).key_starts_with("u/").sign(&credential, KeyTime::new(1000, 2000)?)?;
    /// # let fields = signed.form_fields(&[("key", "u/${filename}")])?;
    /// # let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    /// let upload = Upload::new("b", 1).with_filename("cat.jpg");
    /// let accepted = verify_post(&PostForm::parse(&borrowed)?, "key", &upload, 1500, Duration::ZERO)?;
    /// assert_eq!(accepted.key(), "u/cat.jpg");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The policy's expiration, Unix seconds.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::KeyTime, post_policy::{verify_post, PolicyDocument, PostForm, Upload}};
    /// # use std::time::Duration;
    /// # let credential = Credential::new("AKID", "key");
    /// # let signed = PolicyDocument::new(2000).sign(&credential, KeyTime::new(1000, 2000)?)?;
    /// # let fields = signed.form_fields(&[("key", "k")])?;
    /// # let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    /// let accepted = verify_post(&PostForm::parse(&borrowed)?, "key", &Upload::new("b", 1), 1500, Duration::ZERO)?;
    /// assert_eq!(accepted.expiration(), 2000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expiration(&self) -> u64 {
        self.expiration
    }
}

/// Verifies a POST-object form as COS does.
///
/// In order: the signature over the decoded policy bytes (constant-time comparison); the
/// policy JSON (`expiration` and a non-empty `conditions` array); the expiration and the
/// `q-key-time` window against `now` (± `tolerance`); the form has a `key`; then every
/// condition: `bucket` against the upload's bucket, `content-length-range` against its
/// size, `q-sign-time` against `q-key-time`, `key` after `${filename}` substitution, and
/// every other field against the form field of that name (case-insensitive), which must be
/// present.
///
/// # Errors
/// [`VerifyError::SignatureMismatch`] (carrying the server's string to sign),
/// [`VerifyError::Malformed`], [`VerifyError::Expired`], [`VerifyError::NotYetValid`],
/// [`VerifyError::ConditionNotMet`], [`VerifyError::ContentLengthOutOfRange`].
///
/// ```
/// use std::time::Duration;
/// use tc3_signer::{Credential, VerifyError, cos::KeyTime};
/// use tc3_signer::post_policy::{verify_post, PolicyDocument, PostForm, Upload};
///
/// let credential = Credential::new("AKID", "key");
/// let signed = PolicyDocument::new(2000)
///     .bucket("b-1250000000")
///     .key_starts_with("uploads/")
///     .content_length_range(1, 100)
///     .sign(&credential, KeyTime::new(1000, 2000)?)?;
/// let fields = signed.form_fields(&[("key", "uploads/${filename}")])?;
/// let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
/// let form = PostForm::parse(&borrowed)?;
///
/// let upload = Upload::new("b-1250000000", 10).with_filename("a.jpg");
/// assert_eq!(verify_post(&form, "key", &upload, 1500, Duration::ZERO)?.key(), "uploads/a.jpg");
///
/// let too_big = Upload::new("b-1250000000", 101).with_filename("a.jpg");
/// assert!(matches!(
///     verify_post(&form, "key", &too_big, 1500, Duration::ZERO),
///     Err(VerifyError::ContentLengthOutOfRange { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_post(
    form: &PostForm<'_>,
    secret_key: &str,
    upload: &Upload<'_>,
    now: u64,
    tolerance: Duration,
) -> Result<AcceptedUpload, VerifyError> {
    let rejected = |_| malformed("the secret key was rejected by HMAC-SHA1".into());
    let sign_key = zeroize::Zeroizing::new(
        hmac_sha1_hex(secret_key.as_bytes(), form.key_time_text.as_bytes()).map_err(rejected)?,
    );
    let string_to_sign = sha1_hex(&form.policy);
    let signature =
        hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes()).map_err(rejected)?;
    if !constant_time_eq(
        signature.as_bytes(),
        form.signature.to_ascii_lowercase().as_bytes(),
    ) {
        return Err(VerifyError::SignatureMismatch { string_to_sign });
    }

    let (expiration, conditions) = parse_policy(&form.policy)?;
    if now > expiration.saturating_add(tolerance.as_secs()) {
        return Err(VerifyError::Expired {
            end: expiration,
            now,
        });
    }
    form.key_time.check(now, tolerance)?;

    let raw_key = form
        .field("key")
        .ok_or_else(|| malformed("form field `key` is missing".into()))?;
    let key = match upload.filename {
        Some(filename) => raw_key.replace("${filename}", filename),
        None => raw_key.to_owned(),
    };
    for condition in &conditions {
        check_condition(condition, form, upload, &key)?;
    }
    Ok(AcceptedUpload { key, expiration })
}

/// Reads `expiration` (Unix seconds) and the conditions of a policy document.
fn parse_policy(policy: &[u8]) -> Result<(u64, Vec<Condition>), VerifyError> {
    let document: Value =
        serde_json::from_slice(policy).map_err(|_| malformed("the policy is not JSON".into()))?;
    let expiration = document
        .get("expiration")
        .and_then(Value::as_str)
        .and_then(parse_seconds)
        .ok_or_else(|| malformed("the policy has no valid ISO 8601 `expiration`".into()))?;
    let items = document
        .get("conditions")
        .and_then(Value::as_array)
        .filter(|items| !items.is_empty())
        .ok_or_else(|| malformed("the policy has no `conditions`".into()))?;
    let mut conditions = Vec::with_capacity(items.len());
    for item in items {
        conditions.extend(Condition::from_json(item)?);
    }
    Ok((expiration, conditions))
}

fn check_condition(
    condition: &Condition,
    form: &PostForm<'_>,
    upload: &Upload<'_>,
    key: &str,
) -> Result<(), VerifyError> {
    let field = condition.field();
    if let Condition::ContentLengthRange { min, max } = condition {
        let actual = upload.content_length;
        return if (*min..=*max).contains(&actual) {
            Ok(())
        } else {
            Err(VerifyError::ContentLengthOutOfRange {
                min: *min,
                max: *max,
                actual,
            })
        };
    }
    let actual = if field.eq_ignore_ascii_case("bucket") {
        Some(upload.bucket)
    } else if field.eq_ignore_ascii_case("key") {
        Some(key)
    } else if field.eq_ignore_ascii_case("q-sign-time") {
        form.field("q-key-time")
    } else {
        form.field(field)
    };
    let not_met = |reason: &str| VerifyError::ConditionNotMet {
        field: shorten(field),
        reason: reason.to_owned(),
    };
    let actual = actual.ok_or_else(|| not_met("the field is missing from the form"))?;
    match condition {
        Condition::Exact { value, .. } | Condition::Eq { value, .. } if actual != value => {
            Err(not_met("the value differs from the policy's"))
        }
        Condition::StartsWith { prefix, .. } if !actual.starts_with(prefix.as_str()) => {
            Err(not_met("the value does not start with the policy's prefix"))
        }
        _ => Ok(()),
    }
}

fn form_value<'a>(fields: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

fn malformed(reason: String) -> VerifyError {
    VerifyError::Malformed { reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credential;
    use crate::post_policy::PolicyDocument;

    const BUCKET: &str = "b-1250000000";

    fn fields_for(
        policy: PolicyDocument,
        extra: &[(&str, &str)],
        credential: &Credential,
    ) -> Vec<(String, String)> {
        let signed = policy
            .sign(credential, KeyTime::new(1000, 2000).unwrap())
            .unwrap();
        signed.form_fields(extra).unwrap()
    }

    fn check(
        fields: &[(String, String)],
        secret: &str,
        upload: &Upload<'_>,
        now: u64,
    ) -> Result<AcceptedUpload, VerifyError> {
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let form = PostForm::parse(&borrowed)?;
        verify_post(&form, secret, upload, now, Duration::ZERO)
    }

    #[test]
    fn each_condition_kind_is_enforced() {
        let credential = Credential::new("AKID", "key").with_token("tok");
        let policy = PolicyDocument::new(2000)
            .bucket(BUCKET)
            .key("a.png")
            .content_type_starts_with("image/")
            .field_equals("success_action_status", "201");
        let good = fields_for(
            policy.clone(),
            &[
                ("key", "a.png"),
                ("Content-Type", "image/png"),
                ("success_action_status", "201"),
            ],
            &credential,
        );
        let upload = Upload::new(BUCKET, 5);
        assert_eq!(check(&good, "key", &upload, 1500).unwrap().key(), "a.png");

        let wrong_bucket = Upload::new("other-1250000000", 5);
        assert!(
            matches!(check(&good, "key", &wrong_bucket, 1500), Err(VerifyError::ConditionNotMet { field, .. }) if field == "bucket")
        );

        let bad_type = fields_for(
            policy.clone(),
            &[
                ("key", "a.png"),
                ("Content-Type", "text/plain"),
                ("success_action_status", "201"),
            ],
            &credential,
        );
        assert!(
            matches!(check(&bad_type, "key", &upload, 1500), Err(VerifyError::ConditionNotMet { field, .. }) if field == "Content-Type")
        );

        let missing = fields_for(
            policy.clone(),
            &[("key", "a.png"), ("Content-Type", "image/png")],
            &credential,
        );
        assert!(
            matches!(check(&missing, "key", &upload, 1500), Err(VerifyError::ConditionNotMet { field, .. }) if field == "success_action_status")
        );

        let bad_key = fields_for(
            policy,
            &[
                ("key", "b.png"),
                ("Content-Type", "image/png"),
                ("success_action_status", "201"),
            ],
            &credential,
        );
        assert!(
            matches!(check(&bad_key, "key", &upload, 1500), Err(VerifyError::ConditionNotMet { field, .. }) if field == "key")
        );
    }

    #[test]
    fn token_is_pinned_and_errors_do_not_show_it() {
        let credential = Credential::new("AKID", "key").with_token("SECRETTOKEN");
        let mut fields = fields_for(PolicyDocument::new(2000), &[("key", "k")], &credential);
        for (name, value) in &mut fields {
            if name == "x-cos-security-token" {
                *value = "OTHERTOKEN".into();
            }
        }
        let error = check(&fields, "key", &Upload::new(BUCKET, 1), 1500).unwrap_err();
        assert!(
            matches!(&error, VerifyError::ConditionNotMet { field, .. } if field == "x-cos-security-token")
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("SECRETTOKEN") && !shown.contains("OTHERTOKEN"));
    }

    #[test]
    fn signature_time_and_length_failures() {
        let credential = Credential::new("AKID", "key");
        let fields = fields_for(
            PolicyDocument::new(1800).content_length_range(2, 4),
            &[("key", "k")],
            &credential,
        );
        assert!(matches!(
            check(&fields, "wrong", &Upload::new(BUCKET, 3), 1500),
            Err(VerifyError::SignatureMismatch { .. })
        ));
        assert_eq!(
            check(&fields, "key", &Upload::new(BUCKET, 3), 1801),
            Err(VerifyError::Expired {
                end: 1800,
                now: 1801
            })
        );
        assert_eq!(
            check(&fields, "key", &Upload::new(BUCKET, 3), 999),
            Err(VerifyError::NotYetValid {
                start: 1000,
                now: 999
            })
        );
        assert_eq!(
            check(&fields, "key", &Upload::new(BUCKET, 1), 1500),
            Err(VerifyError::ContentLengthOutOfRange {
                min: 2,
                max: 4,
                actual: 1
            })
        );
        assert!(check(&fields, "key", &Upload::new(BUCKET, 4), 1500).is_ok());
    }

    #[test]
    fn malformed_forms() {
        let credential = Credential::new("AKID", "key");
        let fields = fields_for(PolicyDocument::new(2000), &[("key", "k")], &credential);
        let mut twice = fields.clone();
        twice.push(("KEY".into(), "k2".into()));
        assert!(matches!(
            check(&twice, "key", &Upload::new(BUCKET, 1), 1500),
            Err(VerifyError::Malformed { .. })
        ));
        let no_key: Vec<_> = fields.iter().filter(|(n, _)| n != "key").cloned().collect();
        assert!(matches!(
            check(&no_key, "key", &Upload::new(BUCKET, 1), 1500),
            Err(VerifyError::Malformed { .. })
        ));
        // A validly signed policy without conditions is still rejected.
        let signed = crate::post_policy::sign_policy(
            &credential,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[]}"#,
            KeyTime::new(1000, 2000).unwrap(),
        )
        .unwrap();
        let empty = signed.form_fields(&[("key", "k")]).unwrap();
        assert!(matches!(
            check(&empty, "key", &Upload::new(BUCKET, 1), 1500),
            Err(VerifyError::Malformed { .. })
        ));
    }
}

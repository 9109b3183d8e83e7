//! Authentication of POST Object forms: the signed POST policy is verified with
//! `tc3_signer::post_policy` from the fields that precede the file, with the same clock
//! rules as header signatures (no grace after `expiration` or `q-key-time`'s end, up to
//! [`MAX_SKEW`] for its start), and the signer is authorized like any other caller.

use super::{Caller, MAX_SKEW, authorize, lookup, server_time, signature_mismatch, too_skewed};
use crate::cos::error::CosError;
use crate::cos::request::Req;
use crate::state::State;
use tc3_signer::VerifyError;
use tc3_signer::post_policy::{PostForm, Upload, verify_post};

/// What a form was admitted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormGrant {
    /// The object key (`${filename}` substituted).
    pub(crate) key: String,
    /// The largest file the policy's `content-length-range` admits.
    pub(crate) max_len: u64,
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn post_error(state: &State, e: VerifyError) -> CosError {
    match e {
        VerifyError::SignatureMismatch { string_to_sign } => signature_mismatch(string_to_sign),
        VerifyError::Expired { end, now } => expired(state, end, now),
        VerifyError::NotYetValid { .. } => too_skewed(state),
        VerifyError::ContentLengthOutOfRange { actual, min, .. } => {
            let message = "Condition key content-length-range doesn't match the value";
            if actual < min {
                CosError::bad_request("EntityTooSmall", message)
            } else {
                CosError::entity_too_large(message)
            }
        }
        other @ VerifyError::ConditionNotMet { .. } => CosError::access_denied(other.to_string()),
        other => CosError::bad_request("InvalidPolicyDocument", other.to_string()),
    }
}

fn expired(state: &State, end: u64, now: u64) -> CosError {
    CosError::access_denied(format!(
        "You post object request has been expired, expiration time: {end} but the time now : {now}"
    ))
    .with("ServerTime", server_time(state))
}

fn parse_form<'f>(borrowed: &'f [(&'f str, &'f str)]) -> Result<PostForm<'f>, CosError> {
    PostForm::parse(borrowed).map_err(|e| match e {
        VerifyError::Malformed { reason } if reason.contains("policy") => CosError::bad_request(
            "InvalidPolicyDocument",
            "You must provide condition if you specify a policy in post object request.",
        ),
        other => CosError::access_denied(format!("Invalid POST form: {other}")),
    })
}

/// A parsed form's signer and secret, with the clock checked (no grace after the key
/// time's end; its start may be up to [`MAX_SKEW`] ahead, as for header signatures).
fn signer(
    state: &State,
    form: &PostForm<'_>,
    fields: &[(String, String)],
    now: u64,
) -> Result<(Caller, String), CosError> {
    if form.key_time().end() < now {
        return Err(expired(state, form.key_time().end(), now));
    }
    lookup(
        state,
        field(fields, "x-cos-security-token"),
        form.secret_id(),
        now,
    )
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Verifies the form's signature and policy from the fields before the file (every
/// condition but the file's length, which is only bounded here) and authorizes its signer
/// for `action` on the key.
pub(crate) fn admit(
    state: &State,
    req: &Req,
    action: &str,
    fields: &[(String, String)],
    filename: &str,
) -> Result<FormGrant, CosError> {
    let borrowed = borrowed(fields);
    let form = parse_form(&borrowed)?;
    let now = state.clock.unix();
    let (caller, secret) = signer(state, &form, fields, now)?;
    let verify = |len: u64| {
        let mut upload = Upload::new(&req.target.bucket, len);
        if !filename.is_empty() {
            upload = upload.with_filename(filename);
        }
        verify_post(&form, &secret, &upload, now, MAX_SKEW)
    };
    // The policy's length range, as the verifier reports it for the smallest and largest
    // lengths; everything else is judged with a length inside the range.
    let min_len = match verify(0) {
        Err(VerifyError::ContentLengthOutOfRange { min, .. }) => min,
        Err(e) => return Err(post_error(state, e)),
        Ok(_) => 0,
    };
    let accepted = verify(min_len).map_err(|e| post_error(state, e))?;
    let max_len = match verify(u64::MAX) {
        Err(VerifyError::ContentLengthOutOfRange { max, .. }) => max,
        _ => u64::MAX,
    };
    if accepted.expiration() < now {
        return Err(expired(state, accepted.expiration(), now));
    }
    let key = accepted.key().to_string();
    authorize(state, Some(&caller), req, action, &key)?;
    Ok(FormGrant { key, max_len })
}

/// Verifies the whole form once more with the received file's length.
pub(crate) fn accept(
    state: &State,
    req: &Req,
    fields: &[(String, String)],
    filename: &str,
    len: u64,
) -> Result<(), CosError> {
    let borrowed = borrowed(fields);
    let form = parse_form(&borrowed)?;
    let now = state.clock.unix();
    let (_, secret) = signer(state, &form, fields, now)?;
    let mut upload = Upload::new(&req.target.bucket, len);
    if !filename.is_empty() {
        upload = upload.with_filename(filename);
    }
    let accepted =
        verify_post(&form, &secret, &upload, now, MAX_SKEW).map_err(|e| post_error(state, e))?;
    if accepted.expiration() < now {
        return Err(expired(state, accepted.expiration(), now));
    }
    Ok(())
}

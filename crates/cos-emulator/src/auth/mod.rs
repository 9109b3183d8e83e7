//! Authentication and authorization of COS requests.
//!
//! * [`authenticate`]: finds the `q-sign` signature (header or presigned query), looks the
//!   secret id up (root key or a temporary key issued by the STS side), checks the session
//!   token of temporary keys, the clock, and verifies the signature with `tc3_signer::cos`.
//! * [`authorize`]: the caller's CAM policies evaluated with `cos-policy` against the action,
//!   the resource and the request's condition context, together with the bucket policy and
//!   the ACLs ([`resource`]); unsigned requests are anonymous callers.

pub(crate) mod context;
pub(crate) mod form;
pub(crate) mod resource;

pub(crate) use resource::resource_policies;

use crate::cos::error::CosError;
use crate::cos::request::Req;
use crate::identity::KeyError;
use crate::state::State;
use http::StatusCode;
use std::time::Duration;
use tc3_signer::VerifyError;
use tc3_signer::cos::{Authorization, IncomingRequest};

/// Largest accepted difference between the client's and the emulator's clocks.
pub(crate) const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Who sent a COS request.
pub(crate) use crate::identity::Identity as Caller;

/// Whether the request carries a signature (header or presigned query).
pub(crate) fn is_signed(req: &Req) -> bool {
    req.headers.contains_key(http::header::AUTHORIZATION)
        || req
            .query
            .iter()
            .any(|(k, _)| k == "q-sign-algorithm" || k == "q-ak" || k == "sign")
}

/// The `x-cos-security-token` (header, or query for presigned URLs).
fn security_token(req: &Req) -> Option<&str> {
    req.header("x-cos-security-token")
        .or_else(|| req.header("x-ci-security-token"))
        .or_else(|| req.q("x-cos-security-token"))
        .or_else(|| req.q("x-ci-security-token"))
}

pub(crate) fn server_time(state: &State) -> String {
    crate::clock::iso8601_seconds(state.clock.unix())
}

/// Authenticates a COS request that may be unsigned: `None` is an anonymous caller (unless
/// the emulator lets unsigned requests act as the root account).
pub(crate) fn authenticate_or_anonymous(
    state: &State,
    req: &Req,
) -> Result<Option<Caller>, CosError> {
    if is_signed(req) || state.cos.allow_anonymous {
        authenticate(state, req).map(Some)
    } else {
        Ok(None)
    }
}

/// Authenticates a COS request.
pub(crate) fn authenticate(state: &State, req: &Req) -> Result<Caller, CosError> {
    if !is_signed(req) {
        if state.cos.allow_anonymous {
            return Ok(Caller::Root);
        }
        return Err(CosError::access_denied("Access Denied."));
    }
    let incoming = IncomingRequest::from_parts(&req.parts);
    let auth = Authorization::from_request(&incoming).map_err(|e| {
        CosError::access_denied(format!("The Authorization you specified is invalid: {e}"))
    })?;
    let now = state.clock.unix();
    check_clock(state, req, &auth, now)?;
    let (caller, secret_key) = lookup(state, security_token(req), auth.secret_id(), now)?;
    match tc3_signer::cos::verify(&auth, &secret_key, &incoming, now, MAX_SKEW) {
        Ok(()) => Ok(caller),
        Err(first @ VerifyError::SignatureMismatch { .. }) => {
            // Some SDKs (cos-python-sdk-v5) sign the host name without the port, which real
            // COS never sees; accept that form too.
            if verify_without_port(req, &auth, &secret_key, now) {
                Ok(caller)
            } else {
                Err(verify_error(state, first))
            }
        }
        Err(e) => Err(verify_error(state, e)),
    }
}

/// Verifies again with the port removed from the `Host` header.
fn verify_without_port(req: &Req, auth: &Authorization, secret_key: &str, now: u64) -> bool {
    let Some(host) = req.header("host") else {
        return false;
    };
    let Some((bare, port)) = host.rsplit_once(':') else {
        return false;
    };
    let ipv6_without_port = bare.contains(':') && !bare.ends_with(']');
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || ipv6_without_port {
        return false;
    }
    let pairs: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            Some((
                name.as_str(),
                if name == http::header::HOST {
                    bare
                } else {
                    value
                },
            ))
        })
        .collect();
    let incoming = IncomingRequest::new(
        req.parts.method.as_str(),
        req.parts.uri.path(),
        req.parts.uri.query().unwrap_or_default(),
        &pairs,
    );
    tc3_signer::cos::verify(auth, secret_key, &incoming, now, MAX_SKEW).is_ok()
}

/// `Request has expired` and `RequestTimeTooSkewed` checks, before the signature.
fn check_clock(state: &State, req: &Req, auth: &Authorization, now: u64) -> Result<(), CosError> {
    let end = auth.key_time().end().min(auth.sign_time().end());
    if end < now {
        return Err(
            CosError::access_denied("Request has expired").with("ServerTime", server_time(state))
        );
    }
    let start = auth.key_time().start().max(auth.sign_time().start());
    let skewed_start = start > now.saturating_add(MAX_SKEW.as_secs());
    let skewed_date = req
        .header("date")
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .map(crate::clock::unix_seconds)
        .is_some_and(|d| d.abs_diff(now) > MAX_SKEW.as_secs());
    if skewed_start || skewed_date {
        return Err(too_skewed(state));
    }
    Ok(())
}

/// Finds the secret key for `secret_id` and checks the token binding of temporary keys.
pub(crate) fn lookup(
    state: &State,
    token: Option<&str>,
    secret_id: &str,
    now: u64,
) -> Result<(Caller, String), CosError> {
    state
        .identities
        .authenticate(secret_id, token, now)
        .map_err(|e| match e {
            KeyError::Unknown => CosError::new(
                StatusCode::FORBIDDEN,
                "InvalidAccessKeyId",
                "The Access Key Id you provided does not exist in our records.",
            ),
            KeyError::TokenMissing => {
                CosError::access_denied("The security token is missing for a temporary key.")
            }
            KeyError::TokenInvalid => {
                CosError::access_denied("The security token is invalid for this secret id.")
            }
            KeyError::Expired => {
                CosError::bad_request("ExpiredToken", "The temporary key token has expired.")
            }
        })
}

/// 403 `SignatureDoesNotMatch`, with the server's string to sign.
fn signature_mismatch(string_to_sign: String) -> CosError {
    CosError::new(
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
        "The Signature you specified is invalid.",
    )
    .with("StringToSign", string_to_sign)
}

/// 403 `RequestTimeTooSkewed`, with the server's time.
fn too_skewed(state: &State) -> CosError {
    CosError::new(
        StatusCode::FORBIDDEN,
        "RequestTimeTooSkewed",
        "The difference between the request time and the server's time is too large.",
    )
    .with("ServerTime", server_time(state))
}

fn verify_error(state: &State, e: VerifyError) -> CosError {
    match e {
        VerifyError::SignatureMismatch { string_to_sign } => signature_mismatch(string_to_sign),
        VerifyError::Expired { .. } => {
            CosError::access_denied("Request has expired").with("ServerTime", server_time(state))
        }
        VerifyError::NotYetValid { .. } => too_skewed(state),
        other => CosError::access_denied(format!(
            "The Authorization you specified is invalid: {other}"
        )),
    }
}

/// Authorizes `name/cos:<action>` on `*` (GET Service) for `caller`; anonymous callers
/// never list buckets.
pub(crate) fn authorize_service(
    caller: Option<&Caller>,
    req: &Req,
    action: &str,
) -> Result<(), CosError> {
    let context = context::conditions(req, action);
    match caller {
        Some(caller) if caller.allows(&format!("name/cos:{action}"), "*", &context) => Ok(()),
        _ => Err(CosError::access_denied("Access Denied.")),
    }
}

/// Authorizes `name/cos:<action>` on `<bucket>/<suffix>` (the request's bucket) for `caller`
/// (`None`: anonymous).
pub(crate) fn authorize(
    state: &State,
    caller: Option<&Caller>,
    req: &Req,
    action: &str,
    suffix: &str,
) -> Result<(), CosError> {
    authorize_in(state, caller, req, action, &req.target.bucket, suffix)
}

/// Authorizes `name/cos:<action>` on `<bucket>/<suffix>` of any bucket (the copy source of
/// PUT Object - Copy) for `caller` (`None`: anonymous), with the request's condition
/// context, the bucket policy and the ACLs.
pub(crate) fn authorize_in(
    state: &State,
    caller: Option<&Caller>,
    req: &Req,
    action: &str,
    bucket: &str,
    suffix: &str,
) -> Result<(), CosError> {
    let resource = format!("{}{bucket}/{suffix}", state.cos.resource_prefix());
    let context = context::conditions(req, action);
    let key = (!suffix.is_empty() && resource::is_object_action(action)).then_some(suffix);
    let resources = resource_policies(state, bucket, key);
    let allowed = resources.admit(state, caller, action, &resource, &context);
    if let Some(log) = &state.access_log {
        log.record(
            state,
            caller,
            &format!("name/cos:{action}"),
            &resource,
            &context,
            allowed,
        );
    }
    // The admin API's access log keeps every decision too (in memory, per request).
    crate::admin::record::note_decision(&req.parts, caller, action, resource, allowed);
    if allowed {
        Ok(())
    } else {
        Err(CosError::access_denied("Access Denied."))
    }
}

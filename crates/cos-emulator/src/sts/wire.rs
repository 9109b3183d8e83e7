//! Parsing and verifying STS requests (TC3 JSON or v1 form).

use super::StsError;
use crate::identity::{Identity, KeyError};
use crate::state::State;
use std::time::Duration;
use tc3_signer::tc3::{self, VerifyParams};
use tc3_signer::v1::{V1Presented, V1VerifyParams, parse_form};
use tc3_signer::{IncomingRequest, VerifyError};

/// Actions that may be sent unsigned.
const UNSIGNED_ACTIONS: &[&str] = &[
    "AssumeRoleWithWebIdentity",
    #[cfg(feature = "saml")]
    "AssumeRoleWithSAML",
];

/// A verified STS call.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) action: String,
    pub(crate) params: Vec<(String, String)>,
    /// Who signed; `None` for an unsigned request (`Authorization: SKIP`), accepted only for
    /// the actions that exchange a token (AssumeRoleWithWebIdentity).
    pub(crate) signer: Option<Identity>,
}

impl Call {
    /// A parameter by exact name.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

const TOLERANCE: Duration = Duration::from_secs(300);

fn header<'a>(parts: &'a http::request::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

fn verify_error(e: &VerifyError) -> StsError {
    match e {
        VerifyError::Expired { .. } | VerifyError::NotYetValid { .. } => StsError::new(
            "AuthFailure.SignatureExpire",
            "Signature expired. Timestamp and server time differ by more than 5 minutes.",
        ),
        VerifyError::Malformed { .. } | VerifyError::UnknownAlgorithm { .. } => StsError::new(
            "AuthFailure.InvalidAuthorization",
            format!("The Authorization is invalid: {e}"),
        ),
        _ => StsError::new(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        ),
    }
}

/// The secret key for `secret_id` and who it is; checks the token of temporary keys.
fn lookup(
    state: &State,
    secret_id: &str,
    token: Option<&str>,
) -> Result<(Identity, String), StsError> {
    state
        .identities
        .authenticate(secret_id, token, state.clock.unix())
        .map_err(|e| match e {
            KeyError::Unknown => {
                StsError::new("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
            }
            KeyError::TokenMissing | KeyError::TokenInvalid => StsError::new(
                "AuthFailure.TokenFailure",
                "The token is invalid for this SecretId.",
            ),
            KeyError::Expired => {
                StsError::new("AuthFailure.TokenFailure", "The temporary key has expired.")
            }
        })
}

/// The hosts a signature may have been made for: the one sent, then the public name.
fn candidate_hosts(state: &State, parts: &http::request::Parts) -> Result<Vec<String>, StsError> {
    let sent = crate::http::host::request_host(&parts.uri, &parts.headers).map_err(|_| {
        StsError::new(
            "InvalidParameter",
            "The request target's host differs from the Host header.",
        )
    })?;
    let mut hosts = vec![sent];
    if !hosts.contains(&state.sts.public_host) {
        hosts.push(state.sts.public_host.clone());
    }
    Ok(hosts)
}

/// Parses and verifies a request.
pub(crate) fn parse(
    state: &State,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Call, StsError> {
    match header(parts, "authorization") {
        Some(auth) if !auth.trim().is_empty() => parse_tc3(state, parts, body),
        _ => parse_v1(state, parts, body),
    }
}

fn json_params(body: &[u8]) -> Result<Vec<(String, String)>, StsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| StsError::new("InvalidParameter", "The request body is not valid JSON."))?;
    let serde_json::Value::Object(map) = value else {
        return Err(StsError::new(
            "InvalidParameter",
            "The request body must be a JSON object.",
        ));
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect())
}

fn parse_tc3(state: &State, parts: &http::request::Parts, body: &[u8]) -> Result<Call, StsError> {
    let method = parts.method.as_str();
    let query = parts.uri.query().unwrap_or_default();
    let hosts = candidate_hosts(state, parts)?;
    // The request as received; each candidate host replaces its `Host` for verification.
    let incoming = IncomingRequest::from_parts(parts).with_body(body);
    let authorization = tc3::authorization_of(&incoming).map_err(|e| verify_error(&e))?;
    let action = header(parts, "x-tc-action")
        .ok_or_else(|| StsError::new("MissingParameter", "The X-TC-Action header is missing."))?
        .to_string();
    let signer = match authorization {
        tc3::Authorization::Skip if UNSIGNED_ACTIONS.contains(&action.as_str()) => None,
        tc3::Authorization::Skip => {
            return Err(StsError::new(
                "AuthFailure.InvalidAuthorization",
                "This action requires a signed request.",
            ));
        }
        tc3::Authorization::Tc3(presented) => {
            let (signer, secret) =
                lookup(state, presented.secret_id(), header(parts, "x-tc-token"))?;
            let params = VerifyParams::new("sts", state.clock.unix()).with_tolerance(TOLERANCE);
            let mut last = None;
            for host in &hosts {
                match tc3::verify(&incoming.with_host(host), &presented, &secret, &params) {
                    Ok(_) => {
                        last = None;
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            if let Some(e) = last {
                return Err(verify_error(&e));
            }
            Some(signer)
        }
        _ => {
            return Err(StsError::new(
                "AuthFailure.InvalidAuthorization",
                "The Authorization header is not understood.",
            ));
        }
    };
    let mut params = if query.is_empty() || method != "GET" {
        json_params(body)?
    } else {
        parse_form(query).map_err(|e| verify_error(&e))?
    };
    if let Some(region) = header(parts, "x-tc-region") {
        params.push(("Region".into(), region.to_string()));
    }
    Ok(Call {
        action,
        params,
        signer,
    })
}

fn parse_v1(state: &State, parts: &http::request::Parts, body: &[u8]) -> Result<Call, StsError> {
    let raw = if parts.method == http::Method::POST {
        std::str::from_utf8(body)
            .map_err(|_| StsError::new("InvalidParameter", "The form body is not UTF-8."))?
    } else {
        parts.uri.query().unwrap_or_default()
    };
    let params = parse_form(raw).map_err(|e| verify_error(&e))?;
    if params.is_empty() {
        return Err(StsError::new(
            "AuthFailure.InvalidAuthorization",
            "The request is not signed.",
        ));
    }
    let presented = V1Presented::from_params(params.clone()).map_err(|e| verify_error(&e))?;
    let token = params
        .iter()
        .find(|(k, _)| k == "Token")
        .map(|(_, v)| v.as_str());
    let (signer, secret) = lookup(state, presented.secret_id(), token)?;
    let now = state.clock.unix();
    let mut last = None;
    for host in candidate_hosts(state, parts)? {
        let verify_params = V1VerifyParams::new(parts.method.as_str(), &host, now)
            .with_path(parts.uri.path())
            .with_tolerance(TOLERANCE);
        match presented.verify(&secret, &verify_params) {
            Ok(()) => {
                last = None;
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    if let Some(e) = last {
        return Err(verify_error(&e));
    }
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| StsError::new("MissingParameter", "The Action parameter is missing."))?;
    Ok(Call {
        action,
        params,
        signer: Some(signer),
    })
}

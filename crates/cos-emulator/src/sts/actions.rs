//! The STS actions.

use super::StsError;
use super::role_params;
use super::trust;
use super::wire::Call;
use crate::identity::{Identity, Issue};
use crate::state::State;
use crate::sts::Role;
use serde_json::{Value, json};

/// Longest GetFederationToken for the root account, seconds.
const MAX_FEDERATION_ROOT: u64 = 7200;
/// Longest GetFederationToken for a sub-account, seconds.
const MAX_FEDERATION_SUB_ACCOUNT: u64 = 129_600;
/// Longest AssumeRole, seconds.
const MAX_ASSUME_ROLE: u64 = 43_200;

/// Runs a verified call.
pub(crate) fn run(state: &State, call: &Call) -> Result<Value, StsError> {
    required(call, "Region")?;
    match call.action.as_str() {
        "GetFederationToken" => get_federation_token(state, call),
        "AssumeRole" => assume_role(state, call),
        "GetCallerIdentity" => caller_identity(state, call),
        "AssumeRoleWithWebIdentity" => assume_role_with_web_identity(state, call),
        "GetSessionToken" => get_session_token(state, call),
        #[cfg(feature = "saml")]
        "AssumeRoleWithSAML" => assume_role_with_saml(state, call),
        other => Err(StsError::new(
            "InvalidAction",
            format!(
                "The action `{}` is not supported by the emulator.",
                other.chars().take(64).collect::<String>()
            ),
        )),
    }
}

fn duration(call: &Call, default: u64, max: u64) -> Result<u64, StsError> {
    let Some(raw) = call.param("DurationSeconds") else {
        return Ok(default);
    };
    let seconds: u64 = raw.trim().parse().map_err(|_| {
        StsError::new(
            "InvalidParameter.ParamError",
            "DurationSeconds must be an integer.",
        )
    })?;
    if seconds == 0 || seconds > max {
        return Err(StsError::new(
            "InvalidParameter.OverTimeError",
            format!("DurationSeconds must be between 1 and {max}."),
        ));
    }
    Ok(seconds)
}

/// URL-decodes a policy once, parses and validates it; returns the JSON text.
pub(crate) fn checked_policy(raw: &str) -> Result<String, StsError> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| {
            StsError::new(
                "InvalidParameter.StrategyFormatError",
                "The policy is not UTF-8 once URL-decoded.",
            )
        })?
        .into_owned();
    let report = cos_policy::validate_json(&decoded);
    if let Some(first) = report.errors().next() {
        let code = first.code().as_str();
        let sts_code = if code.contains("too_large") {
            "InvalidParameter.PolicyTooLong"
        } else if code.contains("resource") {
            "InvalidParameter.ResouceError"
        } else {
            "InvalidParameter.StrategyFormatError"
        };
        let reasons: Vec<String> = report.errors().map(|f| f.to_string()).collect();
        return Err(StsError::new(
            sts_code,
            format!("The policy is not valid: {}", reasons.join("; ")),
        ));
    }
    cos_policy::Policy::from_json(&decoded).map_err(|e| {
        StsError::new(
            "InvalidParameter.StrategyFormatError",
            format!("The policy is not valid: {e}"),
        )
    })?;
    Ok(decoded)
}

fn credentials_response(key: &crate::identity::TempKey, now: u64) -> Value {
    json!({
        "Credentials": {
            "Token": key.token(),
            "TmpSecretId": key.secret_id,
            "TmpSecretKey": key.secret_key(),
        },
        "ExpiredTime": key.expired_time,
        "Expiration": crate::clock::iso8601_seconds(key.expired_time),
        "StartTime": now,
    })
}

fn get_federation_token(state: &State, call: &Call) -> Result<Value, StsError> {
    let caller = permanent_signer(call, "GetFederationToken")?;
    let ids = &state.identities;
    let (max, holder_uin) = match caller {
        Identity::SubAccount(user) => (MAX_FEDERATION_SUB_ACCOUNT, user.uin().to_string()),
        _ => (MAX_FEDERATION_ROOT, ids.owner_uin.clone()),
    };
    // CAM: a sub-account needs the permission (root has every permission).
    if !caller.allows("name/sts:GetFederationToken", "*", &[]) {
        return Err(StsError::new(
            "AuthFailure.UnauthorizedOperation",
            "The caller is not authorized for sts:GetFederationToken.",
        ));
    }
    let name = required(call, "Name")?;
    if name.len() > 64 {
        return Err(StsError::new(
            "InvalidParameter.ParamError",
            "Name is too long.",
        ));
    }
    let raw_policy = present(call, "Policy")?;
    let policy = checked_policy(raw_policy)?;
    let seconds = duration(call, 1800, max)?;
    let now = state.clock.unix();
    // The key may do what the passed policy allows and its holder may do.
    let mut policies = vec![policy];
    policies.extend(caller.policy_documents());
    issued(
        state,
        Issue {
            policies,
            expired_time: now + seconds,
            principal: format!("qcs::sts:{}:federated-user/{holder_uin}", ids.owner_uin),
            user_id: format!("{holder_uin}:{name}"),
            holder: ids.user_arn(&holder_uin),
        },
        now,
    )
}

/// The signer of an action that needs a permanent key (root or sub-account).
fn permanent_signer<'c>(call: &'c Call, action: &str) -> Result<&'c Identity, StsError> {
    match &call.signer {
        Some(Identity::Temporary(_)) => Err(StsError::new(
            "FailedOperation.TempKeyNotAllowed",
            format!("{action} must be called with a permanent key."),
        )),
        Some(permanent) => Ok(permanent),
        None => Err(unsigned()),
    }
}

fn unsigned() -> StsError {
    StsError::new(
        "AuthFailure.InvalidAuthorization",
        "This action requires a signed request.",
    )
}

/// Issues a temporary key and answers with it (the common Credentials response).
fn issued(state: &State, issue: Issue, now: u64) -> Result<Value, StsError> {
    let key = state
        .identities
        .temporary
        .issue(&state.store, issue, now)
        .map_err(|e| StsError::new("InternalError", format!("could not issue the key: {e}")))?;
    Ok(credentials_response(&key, now))
}

fn valid_session_name(name: &str) -> bool {
    (2..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// The configured role `arn` names (`qcs::cam::uin/<owner>:roleName/<name>` or `:role/<name>`).
fn find_role<'s>(state: &'s State, arn: &str) -> Result<&'s Role, StsError> {
    let not_found = || StsError::new("ResourceNotFound.RoleNotFound", "The role does not exist.");
    let prefix = format!("qcs::cam::uin/{}:", state.identities.owner_uin);
    let role_name = arn
        .strip_prefix(&prefix)
        .and_then(|rest| {
            rest.strip_prefix("roleName/")
                .or_else(|| rest.strip_prefix("role/"))
        })
        .ok_or_else(not_found)?;
    state
        .sts
        .roles
        .iter()
        .find(|r| r.name() == role_name)
        .ok_or_else(not_found)
}

fn missing(name: &str) -> StsError {
    StsError::new(
        "MissingParameter",
        format!("The request is missing a required parameter `{name}`."),
    )
}

/// A parameter that must be sent (possibly empty: later checks judge the value).
fn present<'c>(call: &'c Call, name: &str) -> Result<&'c str, StsError> {
    call.param(name).ok_or_else(|| missing(name))
}

/// A parameter that must be sent and not be empty.
fn required<'c>(call: &'c Call, name: &str) -> Result<&'c str, StsError> {
    call.param(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| missing(name))
}

/// The required `RoleSessionName` of a token exchange, checked.
fn session_name(call: &Call) -> Result<&str, StsError> {
    let session = required(call, "RoleSessionName")?;
    if !valid_session_name(session) {
        return Err(StsError::new(
            "InvalidParameter.ParamError",
            "RoleSessionName is not valid.",
        ));
    }
    Ok(session)
}

/// A token exchange's key: `role`'s own policy for `DurationSeconds` (7200 s by default).
fn token_exchange_session(
    state: &State,
    call: &Call,
    role: &Role,
    session: &str,
    now: u64,
) -> Result<Value, StsError> {
    let seconds = duration(call, 7200, MAX_ASSUME_ROLE)?;
    role_session(
        state,
        role,
        session,
        vec![role.policy_json().to_string()],
        now + seconds,
        now,
    )
}

/// AssumeRoleWithWebIdentity: an OIDC token of a configured provider buys a temporary key
/// of a configured role (the role's policy, no session policy).
fn assume_role_with_web_identity(state: &State, call: &Call) -> Result<Value, StsError> {
    let provider_id = required(call, "ProviderId")?;
    let token = required(call, "WebIdentityToken")?;
    let arn = required(call, "RoleArn")?;
    let session = session_name(call)?;
    let token_error = |why: String| StsError::new("InvalidParameter.WebIdentityTokenError", why);
    let provider = state
        .sts
        .oidc_providers
        .iter()
        .find(|p| p.id() == provider_id)
        .ok_or_else(|| {
            token_error(format!(
                "The identity provider `{provider_id}` does not exist."
            ))
        })?;
    let now = state.clock.unix();
    provider.verify(token, now).map_err(token_error)?;
    let role = find_role(state, arn)?;
    token_exchange_session(state, call, role, session, now)
}

/// AssumeRoleWithSAML: a SAML response signed by a configured provider buys a temporary key
/// of a configured role whose trust policy admits the provider (the role's policy).
///
/// STS documents no SAML-specific error code for this action: an assertion that fails a
/// check is refused with `InvalidParameter.ParamError` naming the check, a trust policy that
/// does not admit the provider with `UnauthorizedOperation` (as for AssumeRole).
#[cfg(feature = "saml")]
fn assume_role_with_saml(state: &State, call: &Call) -> Result<Value, StsError> {
    let assertion = required(call, "SAMLAssertion")?;
    let principal_arn = required(call, "PrincipalArn")?;
    let arn = required(call, "RoleArn")?;
    let session = session_name(call)?;
    let refused = |why: String| StsError::new("InvalidParameter.ParamError", why);
    let ids = &state.identities;
    let provider_name = principal_arn
        .strip_prefix(&format!("qcs::cam::uin/{}:saml-provider/", ids.owner_uin))
        .ok_or_else(|| {
            refused("PrincipalArn is not a SAML provider of this account.".to_string())
        })?;
    let provider = state
        .sts
        .saml_providers
        .iter()
        .find(|p| p.name() == provider_name)
        .ok_or_else(|| {
            refused(format!(
                "The SAML provider `{provider_name}` does not exist."
            ))
        })?;
    let role = find_role(state, arn)?;
    let now = state.clock.unix();
    let identity = provider.verify(assertion, now).map_err(refused)?;
    if !super::saml::names_role(&identity, arn, principal_arn) {
        return Err(refused(format!(
            "The assertion's {} attribute does not name this role and provider.",
            super::saml::ROLE_ATTRIBUTE
        )));
    }
    let context = [
        ("saml:aud", identity.recipient.clone()),
        ("saml:iss", identity.issuer.clone()),
        ("saml:sub", identity.subject.clone()),
        ("saml:sub_type", identity.subject_type.clone()),
    ];
    if !trust::admits_saml(role, ids, principal_arn, &context) {
        return Err(StsError::new(
            "UnauthorizedOperation",
            format!(
                "The trust policy of role `{}` does not admit the SAML provider.",
                role.name()
            ),
        ));
    }
    token_exchange_session(state, call, role, session, now)
}

/// Default and longest lifetimes of a GetSessionToken key.
const SESSION_TOKEN_DEFAULT: u64 = 1800;

/// GetSessionToken: after an MFA check, a temporary key with the caller's own permissions.
fn get_session_token(state: &State, call: &Call) -> Result<Value, StsError> {
    let caller = permanent_signer(call, "GetSessionToken")?;
    let ids = &state.identities;
    let (uin, max) = match caller {
        Identity::SubAccount(user) => (user.uin().to_string(), MAX_FEDERATION_SUB_ACCOUNT),
        _ => (ids.owner_uin.clone(), MAX_FEDERATION_ROOT),
    };
    let serial = required(call, "SerialNumber")?;
    let code = required(call, "TokenCode")?;
    let now = state.clock.unix();
    let mfa_failed = || {
        StsError::new(
            "FailedOperation.CheckMFAError",
            "The MFA device or its code is not valid.",
        )
    };
    let device = state
        .sts
        .mfa_devices
        .iter()
        .find(|d| d.serial() == serial)
        .ok_or_else(mfa_failed)?;
    // A serial `qcs::cam:uin/<uin>::mfa/…` belongs to that user only.
    let owner = serial
        .split_once("uin/")
        .and_then(|(_, rest)| rest.split_once("::mfa"))
        .map(|(owner, _)| owner);
    if owner.is_some_and(|owner| owner != uin) || !device.accepts(code, now) {
        return Err(mfa_failed());
    }
    let seconds = duration(call, SESSION_TOKEN_DEFAULT, max)?;
    // The session key has the caller's own permissions (root: all of them).
    let mut policies = caller.policy_documents();
    if policies.is_empty() {
        let everything = json!({"version": "2.0", "statement": [
            {"effect": "allow", "action": ["*"], "resource": ["*"]}
        ]});
        policies.push(everything.to_string());
    }
    issued(
        state,
        Issue {
            policies,
            expired_time: now + seconds,
            principal: ids.user_arn(&uin),
            holder: ids.user_arn(&uin),
            user_id: uin,
        },
        now,
    )
}

fn assume_role(state: &State, call: &Call) -> Result<Value, StsError> {
    let caller = call.signer.as_ref().ok_or_else(unsigned)?;
    let arn = present(call, "RoleArn")?;
    let session = present(call, "RoleSessionName")?;
    if !valid_session_name(session) {
        return Err(StsError::new(
            "InvalidParameter.ParamError",
            "RoleSessionName is not valid.",
        ));
    }
    let role = find_role(state, arn)?;
    role_params::check_external_id(call, role)?;
    // Validated as STS does; the emulator's policies have no tag conditions to apply them to.
    role_params::session_tags(call)?;
    let ids = &state.identities;
    // CAM: the caller's own policies must allow `sts:AssumeRole` on the role…
    if !caller.allows("name/sts:AssumeRole", &ids.role_arn(role.name()), &[]) {
        return Err(StsError::new(
            "AuthFailure.UnauthorizedOperation",
            format!(
                "The caller is not authorized for sts:AssumeRole on role `{}`.",
                role.name()
            ),
        ));
    }
    // …and the role's trust policy must admit the caller.
    let external_id = call.param("ExternalId").filter(|v| !v.is_empty());
    if !trust::admits(role, ids, caller, external_id) {
        return Err(StsError::new(
            "UnauthorizedOperation",
            format!(
                "The trust policy of role `{}` does not admit the caller.",
                role.name()
            ),
        ));
    }
    let mut policies = vec![role.policy_json().to_string()];
    if let Some(raw) = call.param("Policy").filter(|p| !p.is_empty()) {
        policies.push(checked_policy(raw)?);
    }
    let seconds = duration(call, 7200, MAX_ASSUME_ROLE)?;
    let now = state.clock.unix();
    // Role chaining never outlives the key it was obtained with.
    let expired_time = caller
        .expires_at()
        .map_or(now + seconds, |end| end.min(now + seconds));
    role_session(state, role, session, policies, expired_time, now)
}

/// Issues the temporary key of a role session: `policies` (the role's, and a session
/// policy if any) until `expired_time`.
fn role_session(
    state: &State,
    role: &Role,
    session: &str,
    policies: Vec<String>,
    expired_time: u64,
    now: u64,
) -> Result<Value, StsError> {
    let ids = &state.identities;
    issued(
        state,
        Issue {
            policies,
            expired_time,
            principal: format!(
                "qcs::sts:{}:assumed-role/{}/{}",
                ids.owner_uin,
                role.name(),
                session
            ),
            user_id: format!("{}:{}", role.name(), session),
            holder: ids.role_arn(role.name()),
        },
        now,
    )
}

fn caller_identity(state: &State, call: &Call) -> Result<Value, StsError> {
    let caller = call.signer.as_ref().ok_or_else(unsigned)?;
    let ids = &state.identities;
    let user_id = match caller {
        Identity::Root => ids.owner_uin.clone(),
        Identity::SubAccount(user) => user.uin().to_string(),
        Identity::Temporary(key) => key.user_id.clone(),
    };
    Ok(json!({
        "Arn": caller.arn(ids),
        "AccountId": ids.owner_uin,
        "UserId": user_id,
        "PrincipalId": ids.owner_uin,
        "Type": "CAMUser",
    }))
}

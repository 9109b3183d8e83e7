//! Whether a role's trust policy admits a caller, as CAM decides it: the statements whose
//! `principal` names the caller are evaluated by `cos-policy` for `name/sts:AssumeRole` on
//! the role, with `sts:external_id` in the condition context.

use crate::identity::{Identities, Identity};
use crate::sts::Role;

/// The trust policy of a role configured without one: the owner account.
fn default_trust(ids: &Identities) -> String {
    serde_json::json!({"version": "2.0", "statement": [{
        "effect": "allow",
        "action": ["name/sts:AssumeRole"],
        "principal": {"qcs": [format!("qcs::cam::uin/{}:root", ids.owner_uin)]},
    }]})
    .to_string()
}

/// Whether `role`'s trust policy admits `caller` sending `external_id`.
pub(super) fn admits(
    role: &Role,
    ids: &Identities,
    caller: &Identity,
    external_id: Option<&str>,
) -> bool {
    let who = caller.trust_principal(ids);
    let context: Vec<(&'static str, String)> = external_id
        .map(|id| ("sts:external_id", id.to_string()))
        .into_iter()
        .collect();
    trust_allows(
        role,
        ids,
        "name/sts:AssumeRole",
        |principal| cos_policy::principal_names(principal, &who),
        &context,
    )
}

/// Whether `role`'s trust policy admits the SAML provider `provider_arn` with the assertion's
/// `saml:*` condition `context`: statements whose `principal` is `{"federated": [...]}` naming
/// it, for `name/sts:AssumeRoleWithSAML` (CAM's role SSO trust policy).
#[cfg(feature = "saml")]
pub(super) fn admits_saml(
    role: &Role,
    ids: &Identities,
    provider_arn: &str,
    context: &[(&'static str, String)],
) -> bool {
    trust_allows(
        role,
        ids,
        "name/sts:AssumeRoleWithSAML",
        |principal| {
            // The federated entries, matched as `principal_names` matches `qcs` entries.
            let federated = principal
                .get("federated")
                .map(|entries| serde_json::json!({ "qcs": entries }));
            federated.is_some_and(|p| cos_policy::principal_names(&p, provider_arn))
        },
        context,
    )
}

/// Evaluates the statements of `role`'s trust policy whose principal `names` accepts for
/// `action` on the role with `context`.
fn trust_allows(
    role: &Role,
    ids: &Identities,
    action: &str,
    names: impl Fn(&serde_json::Value) -> bool,
    context: &[(&'static str, String)],
) -> bool {
    let text = role
        .trust_policy_json()
        .map_or_else(|| default_trust(ids), str::to_string);
    let Ok(trust) = cos_policy::Policy::from_json(&text) else {
        return false;
    };
    let mut applicable = cos_policy::Policy::new();
    for statement in trust.statements() {
        let principal = statement.principal().or(trust.principal());
        let applies = match principal {
            Some(principal) => names(principal),
            // A statement without a principal can only take away.
            None => statement.effect() == cos_policy::Effect::Deny,
        };
        if !applies {
            continue;
        }
        // Trust statements name no resource: they are about this role.
        let mut statement = statement.clone();
        if statement.resources().is_empty() {
            statement = statement.with_resource(cos_policy::Resource::Any);
        }
        applicable = applicable.with_statement(statement);
    }
    crate::identity::allows(&applicable, action, &ids.role_arn(role.name()), context)
}

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
    let text = role
        .trust_policy_json()
        .map_or_else(|| default_trust(ids), str::to_string);
    let Ok(trust) = cos_policy::Policy::from_json(&text) else {
        return false;
    };
    let who = caller.trust_principal(ids);
    let mut applicable = cos_policy::Policy::new();
    for statement in trust.statements() {
        let principal = statement.principal().or(trust.principal());
        let applies = match principal {
            Some(principal) => cos_policy::principal_names(principal, &who),
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
    let context: Vec<(&'static str, String)> = external_id
        .map(|id| ("sts:external_id", id.to_string()))
        .into_iter()
        .collect();
    crate::identity::allows(
        &applicable,
        "name/sts:AssumeRole",
        &ids.role_arn(role.name()),
        &context,
    )
}

//! The one place that evaluates CAM policies (through `cos-policy`).

/// Whether `policy` allows `action` on `resource` with `context` (explicit deny wins;
/// no matching allow is an implicit deny).
pub(super) fn allows(
    policy: &cos_policy::Policy,
    action: &str,
    resource: &str,
    context: &[(&'static str, String)],
) -> bool {
    let mut request = cos_policy::Request::new(action, resource);
    for (key, value) in context {
        request = request.with_context(*key, value.clone());
    }
    matches!(
        cos_policy::evaluate(policy, &request).kind(),
        cos_policy::DecisionKind::Allow
    )
}

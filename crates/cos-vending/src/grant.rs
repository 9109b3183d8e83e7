//! The policies `serve` issues: the configured actions and conditions, on the caller's prefix,
//! on the keys of a checked scope, or on one server-chosen key.
//!
//! The statements come from [`cos_policy::preset::Preset::read_write`] with the configured
//! conditions (so header conditions sit only on the actions that send the header and
//! multipart uploads keep working), then are narrowed to the granted actions and re-pointed
//! at each target resource.

use cos_policy::preset::Preset;
use cos_policy::{Action, BuildError, CosResource, Policy, Report, Statement};

use crate::config::ConditionsConfig;
use crate::role::RoleSpec;

/// Why a policy could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// The preset, a resource or a condition was refused.
    #[error("cannot build the policy: {0}")]
    Build(#[from] BuildError),
    /// The assembled policy does not validate.
    #[error("the policy does not validate: {0}")]
    Invalid(Report),
    /// Nothing would be granted.
    #[error("no action would be granted")]
    Empty,
    /// Even merged exactly, the policy is longer than CAM accepts: ask for fewer keys.
    #[error(
        "the policy for this scope is {size} characters even after merging; CAM allows at most {limit}: ask for fewer keys"
    )]
    TooLarge {
        /// The canonical policy's length.
        size: usize,
        /// CAM's limit.
        limit: usize,
    },
}

impl GrantError {
    /// Never: the same request builds the same policy.
    ///
    /// ```
    /// assert!(!cos_vending::GrantError::Empty.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// What may be granted, from the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Grants {
    region: String,
    buckets: Vec<String>,
    actions: Vec<&'static str>,
    conditions: ConditionsConfig,
}

/// One resource and the actions granted on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The bucket (`None`: every bucket of the role).
    pub(crate) bucket: Option<String>,
    /// An object key, or a key pattern ending with `*`.
    pub(crate) key: String,
    /// Granted action names (a subset of the configured ones).
    pub(crate) actions: Vec<&'static str>,
}

impl Grants {
    /// The grants of `role`.
    pub(crate) fn new(role: &RoleSpec) -> Self {
        Self {
            region: role.region.clone(),
            buckets: role.buckets.clone(),
            actions: role.actions.clone(),
            conditions: role.conditions.clone(),
        }
    }

    /// Every configured action on every key under `prefix` (`users/alice/` → `users/alice/*`).
    pub(crate) fn for_prefix(&self, prefix: &str) -> Result<Policy, GrantError> {
        self.for_targets(
            prefix,
            &[Target {
                bucket: None,
                key: format!("{prefix}*"),
                actions: self.actions.clone(),
            }],
        )
    }

    /// The configured upload actions on exactly `key` of `bucket`.
    pub(crate) fn for_key(
        &self,
        prefix: &str,
        bucket: &str,
        key: &str,
    ) -> Result<Policy, GrantError> {
        let actions = self
            .actions
            .iter()
            .copied()
            .filter(|a| cos_policy::preset::UPLOAD_ACTIONS.contains(a))
            .collect();
        self.for_targets(
            prefix,
            &[Target {
                bucket: Some(bucket.to_owned()),
                key: key.to_owned(),
                actions,
            }],
        )
    }

    /// The given targets (already checked to lie under `prefix`), with the configured
    /// conditions.
    ///
    /// The policy stays exact while it shrinks: a target covered by a wildcard target with
    /// the same or more actions is dropped, and targets granted the same actions share one
    /// statement (several resources). A policy still longer than CAM's limit is refused
    /// with [`GrantError::TooLarge`].
    pub(crate) fn for_targets(
        &self,
        prefix: &str,
        targets: &[Target],
    ) -> Result<Policy, GrantError> {
        let template = self.template(prefix)?;
        let mut policy = Policy::new();
        for (actions, keys) in group_by_actions(&merge_targets(targets)) {
            let mut resources = Vec::with_capacity(keys.len());
            for (bucket, key) in keys {
                let buckets = match bucket {
                    Some(one) => std::slice::from_ref(one),
                    None => self.buckets.as_slice(),
                };
                for bucket in buckets {
                    resources.push(
                        CosResource::object(&self.region, bucket, key).map_err(BuildError::from)?,
                    );
                }
            }
            for statement in template.statements() {
                let kept: Vec<Action> = statement
                    .actions()
                    .iter()
                    .filter(|action| match action {
                        Action::Api { service, name } => {
                            service == "cos"
                                && actions.contains(&name.as_str())
                                && self.actions.contains(&name.as_str())
                        }
                        Action::Any => false,
                    })
                    .cloned()
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                let mut narrowed = Statement::new(statement.effect())
                    .with_actions(kept)
                    .with_resources(resources.iter().cloned());
                for condition in statement.conditions() {
                    narrowed = narrowed.with_condition(condition.clone());
                }
                policy = policy.with_statement(narrowed);
            }
        }
        if policy.statements().is_empty() {
            return Err(GrantError::Empty);
        }
        let size = policy.to_json().chars().count();
        if size > cos_policy::MAX_POLICY_CHARS {
            return Err(GrantError::TooLarge {
                size,
                limit: cos_policy::MAX_POLICY_CHARS,
            });
        }
        let report = cos_policy::validate(&policy);
        if report.is_valid() {
            Ok(policy)
        } else {
            Err(GrantError::Invalid(report))
        }
    }

    /// The read-write preset on `prefix` with the configured conditions.
    fn template(&self, prefix: &str) -> Result<Policy, BuildError> {
        let bucket = self.buckets.first().map_or("", String::as_str);
        let mut preset = Preset::read_write(&self.region, bucket, prefix);
        if let Some(content_type) = &self.conditions.content_type {
            preset = preset.content_type(content_type.clone());
        }
        if let Some(bytes) = self.conditions.max_content_length {
            preset = preset.max_content_length(bytes);
        }
        for ip in &self.conditions.source_ip {
            preset = preset.source_ip(ip.clone());
        }
        if self.conditions.https_only {
            preset = preset.https_only();
        }
        preset.build()
    }
}

/// Drops every target whose keys and actions another (wildcard) target already covers, so
/// that the grant is unchanged.
fn merge_targets(targets: &[Target]) -> Vec<Target> {
    let covers = |wide: &Target, narrow: &Target| {
        (wide.bucket.is_none() || wide.bucket == narrow.bucket)
            && wide.key.strip_suffix('*').is_some_and(|stem| {
                narrow.key.starts_with(stem)
                    && narrow.actions.iter().all(|a| wide.actions.contains(a))
            })
    };
    let mut kept: Vec<Target> = Vec::new();
    for (index, target) in targets.iter().enumerate() {
        let covered = targets.iter().enumerate().any(|(other, wide)| {
            other != index && covers(wide, target) && !(covers(target, wide) && other > index)
        });
        if !covered {
            kept.push(target.clone());
        }
    }
    kept
}

/// A target's bucket (`None`: all) and key.
type Place<'a> = (&'a Option<String>, &'a str);

/// Targets grouped by their (sorted) action set, in first-seen order.
fn group_by_actions(targets: &[Target]) -> Vec<(Vec<&'static str>, Vec<Place<'_>>)> {
    let mut groups: Vec<(Vec<&'static str>, Vec<Place<'_>>)> = Vec::new();
    for target in targets {
        let mut actions = target.actions.clone();
        actions.sort_unstable();
        actions.dedup();
        match groups.iter_mut().find(|(a, _)| *a == actions) {
            Some((_, keys)) => keys.push((&target.bucket, &target.key)),
            None => groups.push((actions, vec![(&target.bucket, &target.key)])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::identity::Subject;
    use cos_policy::{DecisionKind, Request, evaluate};
    use proptest::prelude::*;
    use std::path::Path;

    const BUCKET: &str = "examplebucket-1250000000";

    fn settings(extra: &str) -> RoleSpec {
        Settings::parse(
            &format!(
                "bucket = \"{BUCKET}\"\nregion = \"ap-guangzhou\"\nactions = [\"PutObject\", \"InitiateMultipartUpload\", \"UploadPart\", \"CompleteMultipartUpload\", \"GetObject\"]\n{extra}"
            ),
            Path::new("."),
        )
        .unwrap()
        .roles()[0]
        .clone()
    }

    fn object(key: &str) -> String {
        format!("qcs::cos:ap-guangzhou:uid/1250000000:{BUCKET}/{key}")
    }

    fn allowed(policy: &Policy, action: &str, key: &str) -> bool {
        evaluate(
            policy,
            &Request::new(format!("name/cos:{action}"), object(key)),
        )
        .is_allowed()
    }

    #[test]
    fn prefix_policy_grants_configured_actions_under_the_prefix_only() {
        let grants = Grants::new(&settings(""));
        let policy = grants.for_prefix("users/alice/").unwrap();
        assert!(
            cos_policy::validate(&policy).is_clean(),
            "{}",
            policy.to_json()
        );
        assert!(allowed(&policy, "PutObject", "users/alice/a.txt"));
        assert!(allowed(&policy, "GetObject", "users/alice/d/b.txt"));
        assert!(allowed(&policy, "UploadPart", "users/alice/big.bin"));
        assert!(!allowed(&policy, "PutObject", "users/alice2/a.txt"));
        assert!(!allowed(&policy, "PutObject", "users/bob/a.txt"));
        assert!(!allowed(&policy, "DeleteObject", "users/alice/a.txt"));
        assert!(
            !allowed(&policy, "HeadObject", "users/alice/a.txt"),
            "not configured"
        );
    }

    #[test]
    fn conditions_keep_multipart_working() {
        let grants = Grants::new(&settings(
            "[conditions]\ncontent_type = \"image/png\"\nmax_content_length = 100\n",
        ));
        let policy = grants.for_prefix("users/alice/").unwrap();
        let key = object("users/alice/a.png");
        let put = Request::new("name/cos:PutObject", key.clone())
            .with_context("cos:content-type", "image/png")
            .with_context("cos:content-length", "50");
        assert_eq!(evaluate(&policy, &put).kind(), DecisionKind::Allow);
        let gif = put.clone().with_context("cos:content-type", "image/gif");
        assert_eq!(evaluate(&policy, &gif).kind(), DecisionKind::ExplicitDeny);
        let big = put.with_context("cos:content-length", "500");
        assert_eq!(evaluate(&policy, &big).kind(), DecisionKind::ExplicitDeny);
        let complete = Request::new("name/cos:CompleteMultipartUpload", key.clone())
            .with_context("cos:content-type", "application/xml");
        assert_eq!(evaluate(&policy, &complete).kind(), DecisionKind::Allow);
        let part =
            Request::new("name/cos:UploadPart", key).with_context("cos:content-length", "80");
        assert_eq!(evaluate(&policy, &part).kind(), DecisionKind::Allow);
    }

    #[test]
    fn targets_and_exact_keys_are_narrow() {
        let grants = Grants::new(&settings(""));
        let policy = grants
            .for_targets(
                "users/alice/",
                &[Target {
                    bucket: None,
                    key: "users/alice/a.png".into(),
                    actions: vec!["PutObject", "HeadObject"],
                }],
            )
            .unwrap();
        assert!(allowed(&policy, "PutObject", "users/alice/a.png"));
        assert!(!allowed(&policy, "PutObject", "users/alice/b.png"));
        assert!(!allowed(&policy, "GetObject", "users/alice/a.png"));
        assert!(
            !allowed(&policy, "HeadObject", "users/alice/a.png"),
            "not configured"
        );
        let key = grants
            .for_key("users/alice/", BUCKET, "users/alice/k.png")
            .unwrap();
        assert!(allowed(&key, "UploadPart", "users/alice/k.png"));
        assert!(
            !allowed(&key, "GetObject", "users/alice/k.png"),
            "uploads only"
        );
        assert!(!allowed(&key, "PutObject", "users/alice/k.png2"));
        let nothing = grants.for_targets(
            "users/alice/",
            &[Target {
                bucket: None,
                key: "users/alice/a".into(),
                actions: vec!["HeadObject"],
            }],
        );
        assert!(matches!(nothing, Err(GrantError::Empty)));
        assert!(!GrantError::TooLarge { size: 1, limit: 0 }.is_retryable());
        assert!(!GrantError::Empty.is_retryable());
    }

    proptest! {
        #[test]
        fn accepted_subjects_get_only_their_own_prefix(
            raw in "[a-zA-Z0-9._@|~=*/?%:+ -]{0,40}",
            key in "[a-zA-Z0-9._/*?-]{0,40}",
        ) {
            let Ok(subject) = Subject::parse(&raw) else { return Ok(()) };
            let settings = settings("");
            let prefix = settings.prefix.render(&subject);
            prop_assert_eq!(&prefix, &format!("users/{}/", subject.as_str()));
            let policy = Grants::new(&settings).for_prefix(&prefix).unwrap();
            for action in ["PutObject", "GetObject", "UploadPart"] {
                // Inside: allowed. Anything granted is inside.
                let inside = format!("{prefix}{key}");
                prop_assert!(allowed(&policy, action, &inside));
                for candidate in [key.clone(), format!("users/{key}"), format!("users/{}{key}", subject.as_str())] {
                    if allowed(&policy, action, &candidate) {
                        prop_assert!(candidate.starts_with(&prefix), "{} granted", candidate);
                    }
                }
            }
            // Neighbours sharing a textual prefix are never granted.
            let neighbour = format!("users/{}x/a", subject.as_str());
            prop_assert!(!allowed(&policy, "PutObject", &neighbour));
        }
    }
}

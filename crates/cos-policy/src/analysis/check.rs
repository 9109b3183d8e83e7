//! Yes/no questions with a witness: "can this policy ever do X?", "does the new policy grant
//! anything the old one did not?" — and assertion helpers for users' own test suites.

use std::fmt;

use super::{Inexact, Options, Witness, differences};
use crate::{Action, ActionError, Policy, Resource, ResourceError, Statement};

/// The answer to a check: holds, or fails with a witness request.
///
/// ```
/// use cos_policy::Policy;
/// use cos_policy::analysis::check_no_new_access;
/// let check = check_no_new_access(&Policy::new(), &Policy::new());
/// assert!(check.holds());
/// assert!(check.into_result().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Check {
    property: String,
    witness: Option<Witness>,
    inexact: Vec<Inexact>,
}

impl Check {
    /// Whether the property holds (no witness was found).
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(check_no_new_access(&Policy::new(), &Policy::new()).holds());
    /// ```
    #[must_use]
    pub fn holds(&self) -> bool {
        self.witness.is_none()
    }

    /// The request that breaks the property: for [`check_no_new_access`], allowed by the new
    /// policy (`b`) and not by the old one (`a`); for [`check_access_not_granted`], allowed by
    /// the policy (`a`) and inside the probed actions and resources (`b`).
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(check_no_new_access(&Policy::new(), &Policy::new()).witness().is_none());
    /// ```
    #[must_use]
    pub fn witness(&self) -> Option<&Witness> {
        self.witness.as_ref()
    }

    /// Constructs not decided exactly; a check that holds while this is non-empty is not proven.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(check_no_new_access(&Policy::new(), &Policy::new()).inexact().is_empty());
    /// ```
    #[must_use]
    pub fn inexact(&self) -> &[Inexact] {
        &self.inexact
    }

    /// `Ok` when the property holds exactly; otherwise a [`CheckFailure`] whose message names
    /// the property, the witness and any construct not decided exactly.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// let all = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
    /// let err = check_no_new_access(&Policy::new(), &all).into_result().unwrap_err();
    /// assert!(err.to_string().starts_with("fails: the new policy grants nothing the old policy does not"));
    /// ```
    pub fn into_result(self) -> Result<(), CheckFailure> {
        if self.witness.is_none() && self.inexact.is_empty() {
            Ok(())
        } else {
            Err(CheckFailure(Box::new(self)))
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.witness {
            None => write!(f, "holds: {}", self.property)?,
            Some(w) => write!(f, "fails: {}\n  witness: {w}", self.property)?,
        }
        for note in &self.inexact {
            write!(f, "\n  not decided exactly: {note}")?;
        }
        Ok(())
    }
}

/// A check that failed (or could not be decided exactly), as an error for `?` in tests.
///
/// ```
/// # use cos_policy::{Policy, analysis::*};
/// let all = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
/// let err = check_no_new_access(&Policy::new(), &all).into_result().unwrap_err();
/// assert!(err.check().witness().is_some());
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CheckFailure(Box<Check>);

impl CheckFailure {
    /// The failed check.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// # let all = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
    /// let err = check_no_new_access(&Policy::new(), &all).into_result().unwrap_err();
    /// assert!(!err.check().holds());
    /// ```
    #[must_use]
    pub fn check(&self) -> &Check {
        &self.0
    }

    /// Always `false`: the same policies fail the same way.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// # let all = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
    /// assert!(!check_no_new_access(&Policy::new(), &all).into_result().unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Whether `new` allows only requests `old` allows too (a refactor or an upgrade grants
/// nothing new). The witness is a request `new` allows and `old` does not.
///
/// ```
/// use cos_policy::Policy;
/// use cos_policy::analysis::check_no_new_access;
///
/// let old = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
///   "action":["name/cos:GetObject","name/cos:HeadObject"],"resource":"*"}]}"#)?;
/// let new = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
///   "action":"name/cos:*Object","resource":"*"}]}"#)?;
/// let check = check_no_new_access(&old, &new);
/// assert!(!check.holds());
/// assert_eq!(check.witness().unwrap().request().action(), "name/cos:PutObject");
/// assert!(check_no_new_access(&new, &old).holds());
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[must_use]
pub fn check_no_new_access(old: &Policy, new: &Policy) -> Check {
    let (found, inexact) = differences(old, new, Options::default(), &[[false, true]]);
    Check {
        property: "the new policy grants nothing the old policy does not".to_owned(),
        witness: found.into_iter().next().flatten(),
        inexact,
    }
}

/// An action or resource of a probe did not parse.
///
/// ```
/// use cos_policy::Policy;
/// use cos_policy::analysis::check_access_not_granted;
/// let err = check_access_not_granted(&Policy::new(), &["Delete"], &["*"]).unwrap_err();
/// assert!(err.to_string().contains("Delete"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// A probed action did not parse.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// A probed resource did not parse.
    #[error(transparent)]
    Resource(#[from] ResourceError),
}

impl ProbeError {
    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(!check_access_not_granted(&Policy::new(), &["x"], &["*"]).unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Whether `policy` never allows any of `actions` (action strings with `*`) on any of
/// `resources` (resource strings with `*`), whatever the condition context. The witness is
/// an allowed request inside the probe.
///
/// ```
/// use cos_policy::preset::Preset;
/// use cos_policy::analysis::check_access_not_granted;
///
/// let location = cos_policy::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
/// let upload = Preset::upload_only(&location, "users/alice/").build()?;
/// let bucket = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";
/// // Never a delete, anywhere.
/// assert!(check_access_not_granted(&upload, &["name/cos:Delete*"], &["*"])?.holds());
/// // Never another user's prefix, even one that starts with the same name.
/// let other = format!("{bucket}/users/alice2/*");
/// assert!(check_access_not_granted(&upload, &["*"], &[other.as_str()])?.holds());
/// // It does upload into its own prefix.
/// let own = format!("{bucket}/users/alice/*");
/// let check = check_access_not_granted(&upload, &["name/cos:PutObject"], &[own.as_str()])?;
/// assert!(!check.holds());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_access_not_granted(
    policy: &Policy,
    actions: &[&str],
    resources: &[&str],
) -> Result<Check, ProbeError> {
    let mut probe = Statement::allow();
    for action in actions {
        probe = probe.with_action(action.parse::<Action>()?);
    }
    for resource in resources {
        probe = probe.with_resource(resource.parse::<Resource>()?);
    }
    let probe = Policy::new().with_statement(probe);
    let (found, inexact) = differences(policy, &probe, Options::default(), &[[true, true]]);
    Ok(Check {
        property: format!(
            "the policy never allows any of [{}] on any of [{}]",
            actions.join(", "),
            resources.join(", ")
        ),
        witness: found.into_iter().next().flatten(),
        inexact,
    })
}

/// Panics with the witness unless `new` grants nothing `old` does not (see
/// [`check_no_new_access`](crate::analysis::check_no_new_access)).
///
/// ```
/// use cos_policy::{assert_no_new_access, Policy};
/// let old = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"cos:Get*","resource":"*"}]}"#)?;
/// let new = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"cos:GetObject","resource":"*"}]}"#)?;
/// assert_no_new_access!(&old, &new);
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[macro_export]
macro_rules! assert_no_new_access {
    ($old:expr, $new:expr $(,)?) => {
        if let Err(failure) = $crate::analysis::check_no_new_access($old, $new).into_result() {
            panic!(
                "assert_no_new_access!({}, {}) {}",
                stringify!($old),
                stringify!($new),
                failure
            );
        }
    };
}

/// Panics with the witness unless the policy never allows the actions on the resources (see
/// [`check_access_not_granted`](crate::analysis::check_access_not_granted)); also panics
/// when a probe does not parse.
///
/// ```
/// use cos_policy::{assert_access_not_granted, preset::Preset};
/// let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
/// let download = Preset::download_only(&bucket, "doc/").build()?;
/// assert_access_not_granted!(&download, ["name/cos:PutObject", "name/cos:DeleteObject"], ["*"]);
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
#[macro_export]
macro_rules! assert_access_not_granted {
    ($policy:expr, $actions:expr, $resources:expr $(,)?) => {
        match $crate::analysis::check_access_not_granted($policy, &$actions, &$resources) {
            Ok(check) => {
                if let Err(failure) = check.into_result() {
                    panic!(
                        "assert_access_not_granted!({}) {}",
                        stringify!($policy),
                        failure
                    );
                }
            }
            Err(e) => panic!("assert_access_not_granted!: bad probe: {e}"),
        }
    };
}

/// Panics with a witness unless the two policies allow exactly the same requests (see
/// [`compare`](crate::analysis::compare)).
///
/// ```
/// use cos_policy::{assert_equivalent, Policy};
/// let a = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":["cos:GetObject","cos:HeadObject"],"resource":"*"}]}"#)?;
/// let b = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"cos:HeadObject","resource":"*"},{"effect":"allow","action":"cos:GetObject","resource":"*"}]}"#)?;
/// assert_equivalent!(&a, &b);
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[macro_export]
macro_rules! assert_equivalent {
    ($a:expr, $b:expr $(,)?) => {
        let comparison = $crate::analysis::compare($a, $b);
        if comparison.verdict() != $crate::analysis::Verdict::Equal || !comparison.is_exact() {
            panic!(
                "assert_equivalent!({}, {}): {}",
                stringify!($a),
                stringify!($b),
                comparison
            );
        }
    };
}

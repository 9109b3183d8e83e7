//! Exact reasoning about policies: compare two policies, check what a policy can never do,
//! summarise what it can do, and generate the least policy a recorded workload needs.
//!
//! Policies over COS are decidable: actions and resources are strings with `*`, whose
//! boolean combinations are regular, and every condition operator cuts its value line into
//! finitely many pieces at its constants. The analysis cuts each dimension of the request
//! space into the classes the two policies' constants induce (see `space.rs`), looks at one
//! request per class, and checks each answer it gives against [`evaluate`]:
//! every witness is a real request the two policies decide differently.
//!
//! Where a construct falls outside what is decided exactly (a key tested with operators of
//! different types, a non-ASCII `string_equal_ignore_case` value, a state space
//! past the built-in limits) the result lists it in [`Comparison::inexact`] and says so.
//!
//! ```
//! use cos_policy::Policy;
//! use cos_policy::analysis::{compare, Verdict};
//!
//! let old = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
//!     "action":["name/cos:GetObject"],
//!     "resource":["qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/users/alice/*"]}]}"#)?;
//! let new = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
//!     "action":["name/cos:GetObject"],
//!     "resource":["qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/users/alice*"]}]}"#)?;
//! let result = compare(&old, &new);
//! assert_eq!(result.verdict(), Verdict::ASubsetB);
//! let witness = result.only_b().unwrap();
//! // A request only the new policy allows: it reaches `users/alice<something>`.
//! assert!(witness.request().resource().contains("users/alice"));
//! assert!(!witness.request().resource().contains("users/alice/"));
//! # Ok::<(), cos_policy::ParseError>(())
//! ```

mod check;
mod generate;
mod search;
mod space;
mod strings;
mod summarize;

use std::fmt;

pub use check::{Check, CheckFailure, ProbeError, check_access_not_granted, check_no_new_access};
pub use generate::{AccessRecord, Generalisation, GenerateError, generate};
pub use space::ActionScope;
pub use summarize::{Summary, summarize};

use crate::{DecisionKind, Policy, Request, evaluate};

/// How two policies relate, as sets of allowed requests.
///
/// ```
/// use cos_policy::analysis::Verdict;
/// assert_eq!(Verdict::ASubsetB.to_string(), "the first policy allows strictly less than the second");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Both allow exactly the same requests.
    Equal,
    /// Everything the first allows the second allows too, and the second allows more.
    ASubsetB,
    /// Everything the second allows the first allows too, and the first allows more.
    BSubsetA,
    /// Each allows a request the other does not.
    Incomparable,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Equal => "the policies allow exactly the same requests",
            Self::ASubsetB => "the first policy allows strictly less than the second",
            Self::BSubsetA => "the first policy allows strictly more than the second",
            Self::Incomparable => "each policy allows a request the other does not",
        })
    }
}

/// A construct the analysis does not decide exactly; a result that lists one may miss a
/// difference (a witness it does report is still real).
///
/// ```
/// use cos_policy::analysis::Inexact;
/// let note = Inexact::MixedKeyTypes { key: "cos:content-length".into() };
/// assert!(note.to_string().contains("cos:content-length"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(tag = "construct", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Inexact {
    /// One key is tested by operators of different value types (e.g. string and numeric).
    MixedKeyTypes {
        /// The condition key.
        key: String,
    },
    /// A `string_equal_ignore_case` value with non-ASCII letters (Unicode case folding).
    NonAsciiIgnoreCase {
        /// The condition key.
        key: String,
        /// The value.
        value: String,
    },
    /// A part of the request space larger than the analysis explores.
    TooComplex {
        /// Which part.
        what: String,
    },
    /// A resource outside the COS and CI request space the analysis models, such as a CAM role
    /// (`qcs::cam::uin/<uin>:roleName/<name>`): requests on it are not explored.
    UnmodelledResource {
        /// The resource as written.
        resource: String,
    },
    /// A request the analysis predicted to separate the policies that `evaluate` did not
    /// confirm (never expected: it would be a defect of the analysis, so it is not hidden).
    UnconfirmedWitness {
        /// The request.
        request: String,
    },
}

impl fmt::Display for Inexact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MixedKeyTypes { key } => {
                write!(
                    f,
                    "`{key}` is tested with operators of different value types"
                )
            }
            Self::NonAsciiIgnoreCase { key, value } => write!(
                f,
                "`{key}`: case-insensitive comparison with non-ASCII value `{value}`"
            ),
            Self::TooComplex { what } => write!(f, "too many {what} to explore exhaustively"),
            Self::UnmodelledResource { resource } => write!(
                f,
                "requests on `{resource}` (not a COS or CI resource) are not explored"
            ),
            Self::UnconfirmedWitness { request } => {
                write!(
                    f,
                    "a predicted witness was not confirmed by evaluate: {request}"
                )
            }
        }
    }
}

/// A request two policies decide differently, with both decisions (computed by
/// [`evaluate`]).
///
/// ```
/// use cos_policy::{DecisionKind, Policy};
/// use cos_policy::analysis::compare;
///
/// let a = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"cos:GetObject","resource":"*"}]}"#)?;
/// let w = compare(&a, &Policy::new()).only_a().cloned().unwrap();
/// assert_eq!(w.a(), DecisionKind::Allow);
/// assert_eq!(w.b(), DecisionKind::ImplicitDeny);
/// assert_eq!(w.request().action(), "name/cos:GetObject");
/// assert!(w.to_string().starts_with("name/cos:GetObject on *"));
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Witness {
    request: Request,
    a: DecisionKind,
    b: DecisionKind,
}

impl Witness {
    fn new(request: Request, a: &Policy, b: &Policy) -> Self {
        Self {
            a: evaluate(a, &request).kind(),
            b: evaluate(b, &request).kind(),
            request,
        }
    }

    /// The request.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::compare};
    /// # let a = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
    /// let w = compare(&a, &Policy::new()).only_a().cloned().unwrap();
    /// assert!(cos_policy::evaluate(&a, w.request()).is_allowed());
    /// ```
    #[must_use]
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The first policy's decision.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::compare};
    /// # let a = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
    /// assert!(compare(&a, &Policy::new()).only_a().unwrap().a().is_allowed());
    /// ```
    #[must_use]
    pub fn a(&self) -> DecisionKind {
        self.a
    }

    /// The second policy's decision.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::compare};
    /// # let a = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*"}]}"#).unwrap();
    /// assert!(!compare(&a, &Policy::new()).only_a().unwrap().b().is_allowed());
    /// ```
    #[must_use]
    pub fn b(&self) -> DecisionKind {
        self.b
    }
}

fn kind_text(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Allow => "allow",
        DecisionKind::ExplicitDeny => "explicit deny",
        DecisionKind::ImplicitDeny => "implicit deny",
    }
}

impl fmt::Display for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {}",
            self.request.action(),
            self.request.resource()
        )?;
        let context = self.request.context();
        if context.is_empty() {
            f.write_str(" (no condition keys)")?;
        } else {
            f.write_str(" with ")?;
            for (i, (key, value)) in context.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{key}={}", search::describe_value(value))?;
            }
        }
        write!(
            f,
            ": first policy {}, second policy {}",
            kind_text(self.a),
            kind_text(self.b)
        )
    }
}

/// The result of [`compare`].
///
/// ```
/// use cos_policy::Policy;
/// use cos_policy::analysis::{compare, Verdict};
/// let r = compare(&Policy::new(), &Policy::new());
/// assert_eq!(r.verdict(), Verdict::Equal);
/// assert!(r.is_exact());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    verdict: Verdict,
    only_a: Option<Witness>,
    only_b: Option<Witness>,
    inexact: Vec<Inexact>,
}

impl Comparison {
    /// The relation found.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert_eq!(compare(&Policy::new(), &Policy::new()).verdict(), Verdict::Equal);
    /// ```
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// A request the first policy allows and the second does not, if any.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(compare(&Policy::new(), &Policy::new()).only_a().is_none());
    /// ```
    #[must_use]
    pub fn only_a(&self) -> Option<&Witness> {
        self.only_a.as_ref()
    }

    /// A request the second policy allows and the first does not, if any.
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(compare(&Policy::new(), &Policy::new()).only_b().is_none());
    /// ```
    #[must_use]
    pub fn only_b(&self) -> Option<&Witness> {
        self.only_b.as_ref()
    }

    /// Constructs not decided exactly (empty when the verdict is exact).
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(compare(&Policy::new(), &Policy::new()).inexact().is_empty());
    /// ```
    #[must_use]
    pub fn inexact(&self) -> &[Inexact] {
        &self.inexact
    }

    /// Whether the verdict is exact (no [`Inexact`] construct was met).
    ///
    /// ```
    /// # use cos_policy::{Policy, analysis::*};
    /// assert!(compare(&Policy::new(), &Policy::new()).is_exact());
    /// ```
    #[must_use]
    pub fn is_exact(&self) -> bool {
        self.inexact.is_empty()
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.verdict)?;
        if let Some(w) = &self.only_a {
            writeln!(f, "only the first allows: {w}")?;
        }
        if let Some(w) = &self.only_b {
            writeln!(f, "only the second allows: {w}")?;
        }
        for note in &self.inexact {
            writeln!(f, "not decided exactly: {note}")?;
        }
        Ok(())
    }
}

/// Options of the analysis.
///
/// ```
/// use cos_policy::analysis::{ActionScope, Options};
/// let o = Options::default().actions(ActionScope::CosCatalogue);
/// assert_eq!(o.action_scope(), ActionScope::CosCatalogue);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    actions: ActionScope,
}

impl Options {
    /// Which action strings count as requests.
    ///
    /// ```
    /// use cos_policy::analysis::{ActionScope, Options};
    /// assert_eq!(Options::default().actions(ActionScope::AnyString).action_scope(), ActionScope::AnyString);
    /// ```
    #[must_use]
    pub fn actions(mut self, scope: ActionScope) -> Self {
        self.actions = scope;
        self
    }

    /// The action scope.
    ///
    /// ```
    /// use cos_policy::analysis::{ActionScope, Options};
    /// assert_eq!(Options::default().action_scope(), ActionScope::AnyString);
    /// ```
    #[must_use]
    pub fn action_scope(&self) -> ActionScope {
        self.actions
    }
}

/// Compares two policies over every request [`evaluate`] accepts.
///
/// ```
/// use cos_policy::Policy;
/// use cos_policy::analysis::{compare, Verdict};
///
/// let a = Policy::from_json(r#"{"version":"2.0","statement":[
///   {"effect":"allow","action":"cos:PutObject","resource":"*",
///    "condition":{"numeric_less_than_equal_if_exist":{"cos:content-length":1024}}}]}"#)?;
/// let b = Policy::from_json(r#"{"version":"2.0","statement":[
///   {"effect":"allow","action":"cos:PutObject","resource":"*",
///    "condition":{"numeric_less_than_equal":{"cos:content-length":1024}}}]}"#)?;
/// // `_if_exist`: `a` also allows a request without the key; `b` needs it present.
/// let r = compare(&a, &b);
/// assert_eq!(r.verdict(), Verdict::BSubsetA);
/// assert!(r.only_a().unwrap().request().context().is_empty());
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[must_use]
pub fn compare(a: &Policy, b: &Policy) -> Comparison {
    compare_with(a, b, Options::default())
}

/// [`compare`] with [`Options`].
///
/// ```
/// use cos_policy::Policy;
/// use cos_policy::analysis::{compare_with, ActionScope, Options, Verdict};
///
/// let star = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"name/cos:*","resource":"*"}]}"#)?;
/// let every: Vec<String> = cos_policy::catalogue::all().iter().map(|a| a.qualified()).collect();
/// let listed = Policy::from_json(&format!(
///     r#"{{"version":"2.0","statement":[{{"effect":"allow","action":{},"resource":"*"}}]}}"#,
///     serde_json::to_string(&every).unwrap()))?;
/// // As strings, `name/cos:*` also grants actions COS does not have…
/// assert_eq!(compare_with(&star, &listed, Options::default()).verdict(), Verdict::BSubsetA);
/// // …but over the catalogue the two are the same.
/// let catalogue = Options::default().actions(ActionScope::CosCatalogue);
/// assert_eq!(compare_with(&star, &listed, catalogue).verdict(), Verdict::Equal);
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[must_use]
pub fn compare_with(a: &Policy, b: &Policy, options: Options) -> Comparison {
    let (found, inexact) = differences(a, b, options, &[[true, false], [false, true]]);
    let mut found = found.into_iter();
    let only_a = found.next().flatten();
    let only_b = found.next().flatten();
    let verdict = match (&only_a, &only_b) {
        (None, None) => Verdict::Equal,
        (None, Some(_)) => Verdict::ASubsetB,
        (Some(_), None) => Verdict::BSubsetA,
        (Some(_), Some(_)) => Verdict::Incomparable,
    };
    Comparison {
        verdict,
        only_a,
        only_b,
        inexact,
    }
}

/// Runs the search for `targets` and turns what it finds into verified witnesses.
fn differences(
    a: &Policy,
    b: &Policy,
    options: Options,
    targets: &[[bool; 2]],
) -> (Vec<Option<Witness>>, Vec<Inexact>) {
    let space = space::Space::new([a, b], options.actions);
    let mut inexact = space.inexact.clone();
    let found = search::find(&space, targets, &mut inexact);
    let mut witnesses = Vec::new();
    for f in found {
        let confirmed = f.and_then(|f| {
            let w = Witness::new(f.request, a, b);
            // The search predicts; `evaluate` decides. A disagreement would be a defect of
            // the analysis: never report a witness that does not separate, never hide one.
            if w.a.is_allowed() == f.allowed[0] && w.b.is_allowed() == f.allowed[1] {
                Some(w)
            } else {
                inexact.push(Inexact::UnconfirmedWitness {
                    request: format!("{w}"),
                });
                None
            }
        });
        witnesses.push(confirmed);
    }
    inexact.sort_by_key(ToString::to_string);
    inexact.dedup();
    (witnesses, inexact)
}

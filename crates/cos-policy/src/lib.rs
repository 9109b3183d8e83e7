//! The CAM policy language for COS as typed data: build, validate, lint and evaluate.
//!
//! * [`Policy::from_json`] parses the tolerant wire form (string or array for actions,
//!   resources and values; a single statement object; lowercase or Capitalised element
//!   names; `cos:X` and `name/cos:X`; the `cos:content_length` alias) and reports every
//!   problem with a JSON path; [`Policy::to_json`] writes the canonical compact form, and
//!   `Policy::from_json(&p.to_json()) == Ok(p)`.
//! * [`validate`] / [`validate_json`] return a [`Report`] of errors (what STS would reject)
//!   and least-privilege lints, each with a stable [`Code`] and a path.
//! * [`evaluate`] decides a [`Request`]: explicit deny beats allow beats implicit deny.
//! * [`builder`] mirrors the STS SDKs' `getCredential` / `getPolicy(scopes)`, and [`preset`]
//!   builds the policies users ask for (upload-only, download-only, read-write, one exact
//!   key) with conditions placed so that they do not break multipart uploads.
//! * [`analysis`] answers questions about every request at once, exactly: compare two
//!   policies, check what one never allows, summarise it, generate the least policy from a
//!   recorded access log — each failing answer with a witness request.
//!
//! The crate does no IO and never reads the clock.
//!
//! # Design notes
//!
//! * **Parse vs validate.** The typed model cannot hold an ill-formed element, so problems of
//!   form (unknown or duplicate elements, wrong JSON types, malformed actions/resources,
//!   APPID mismatches, unknown operators, mistyped condition values) are reported by the
//!   parser — all of them, each with a JSON path, never stopping at the first. Problems the
//!   model can hold (wrong version, `principal`, empty lists, unknown or mis-cased action
//!   names, size) and all least-privilege lints are reported by [`validate`].
//!   [`validate_json`] runs both and returns one [`Report`].
//! * **Paths** are JSON pointers into the canonical form (actions, resources and values are
//!   always arrays there), e.g. `/statement/0/condition/string_equal/cos:x-cos-acl`.
//! * **Resources** are normalised: the legacy `prefix//<appid>/<bucket>/<key>` form becomes
//!   `<bucket>-<appid>/<key>`, on both the policy and the request side.
//! * **Evaluation** fails closed: a condition that cannot be evaluated (a context value of
//!   the wrong type) makes an allow statement not match and a deny statement match, and is
//!   listed in [`Decision::unevaluable`]. Context values are compared as given; for
//!   query-derived keys (`cos:prefix`, `cos:response-content-type`) pass the URL-encoded
//!   value, as COS compares encoded values.
//!
//! ```
//! use cos_policy::{evaluate, preset::Preset, validate, DecisionKind, Request};
//!
//! # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
//! let policy = Preset::upload_only(&bucket, "users/alice/")
//!     .content_type("image/*")
//!     .build()?;
//! assert!(validate(&policy).is_clean());
//!
//! let object = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.png";
//! let put = Request::new("name/cos:PutObject", object).with_context("cos:content-type", "image/png");
//! assert_eq!(evaluate(&policy, &put).kind(), DecisionKind::Allow);
//! // Multipart parts carry no content-type and still pass.
//! let part = Request::new("name/cos:UploadPart", object);
//! assert_eq!(evaluate(&policy, &part).kind(), DecisionKind::Allow);
//! # Ok::<(), cos_policy::BuildError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod action;
pub mod analysis;
pub mod builder;
pub mod catalogue;
mod condition;
mod error;
mod evaluate;
mod finding;
mod ip;
mod policy;
pub mod prefix;
pub mod preset;
mod request;
mod resource;
mod serde_impl;
mod time;
mod validate;
mod wildcard;
mod wire;

pub use action::{Action, ActionError};
pub use builder::BuildError;
pub use condition::{
    Condition, ConditionError, ConditionValue, Operator, OperatorError, OperatorKind, SetQualifier,
    ValueType, canonical_key,
};
pub use cos_core::{AppId, Bucket, BucketName, NameError, Region};
pub use error::ParseError;
pub use evaluate::{Decision, DecisionKind, Unevaluable, evaluate, principal_names};
pub use finding::{Code, Finding, Report, Severity};
pub use ip::{IpNet, IpNetError};
pub use policy::{Effect, Policy, Statement};
pub use request::{ContextValue, Request};
pub use resource::{CamResource, CiResource, CosResource, Resource, ResourceError};
pub use time::{Timestamp, TimestampError};
pub use validate::{MAX_POLICY_CHARS, validate, validate_json, validate_with_json};
pub use wildcard::wildcard_match;

impl Policy {
    /// Parses the tolerant wire form. Fails with every problem found (unknown or duplicate
    /// elements, wrong JSON types, bad effects, malformed actions or resources, APPID
    /// mismatches, unknown operators, mistyped condition values), each with a JSON path.
    /// Problems the model can hold (wrong version, `principal`, empty lists, unknown action
    /// names, size) are left to [`validate`].
    ///
    /// ```
    /// use cos_policy::Policy;
    ///
    /// let policy = Policy::from_json(r#"{"Version":"2.0","Statement":{"Effect":"Allow",
    ///     "Action":"cos:GetObject","Resource":"*"}}"#)?;
    /// assert_eq!(policy.statements().len(), 1);
    /// assert!(Policy::from_json(r#"{"version":"2.0","statement":[],"sid":"x"}"#).is_err());
    /// # Ok::<(), cos_policy::ParseError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, ParseError> {
        let parsed = wire::parse(text);
        match parsed.policy {
            Some(policy) if parsed.findings.is_empty() => Ok(policy),
            _ => Err(ParseError::new(parsed.findings)),
        }
    }

    /// Writes the canonical compact form: lowercase element names in the order `version`,
    /// `principal`, `statement` and `effect`, `principal`, `action`, `resource`, `condition`;
    /// actions as `name/<service>:<api>`; every list an array; conditions sorted by operator
    /// and key; numbers as JSON numbers; other values as strings.
    ///
    /// ```
    /// let policy = cos_policy::Policy::from_json(r#"{"version":"2.0","statement":{"effect":"Deny",
    ///     "action":"cos:DeleteObject","resource":"*"}}"#)?;
    /// assert_eq!(
    ///     policy.to_json(),
    ///     r#"{"version":"2.0","statement":[{"effect":"deny","action":["name/cos:DeleteObject"],"resource":["*"]}]}"#
    /// );
    /// # Ok::<(), cos_policy::ParseError>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        wire::emit(self)
    }
}

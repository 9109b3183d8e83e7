//! Ready-made least-privilege policies: upload-only, download-only, read-write and one exact
//! key, with optional content-type, content-length, source-IP and HTTPS-only conditions.
//!
//! Conditions follow the COS documentation's idiom — an **allow** carrying the condition plus
//! a **deny** with the negated `_if_exist` operator — and header-derived conditions are put
//! only on statements whose actions send that header, so multipart uploads keep working:
//!
//! | condition | actions it is attached to |
//! |---|---|
//! | `cos:content-type` | `PutObject`, `PostObject`, `InitiateMultipartUpload` |
//! | `cos:content-length` | `PutObject`, `PostObject`, `UploadPart` (each part is limited; CAM cannot limit a multipart object's total size) |
//! | `qcs:ip`, `cos:secure-transport` | every action of the preset |
//!
//! ```
//! use cos_policy::preset::Preset;
//! use cos_policy::{evaluate, DecisionKind, Request};
//!
//! # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
//! let policy = Preset::download_only(&bucket, "users/alice/").build()?;
//! let object = |key: &str| format!("qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/{key}");
//! assert!(evaluate(&policy, &Request::new("cos:GetObject", object("users/alice/a.txt"))).is_allowed());
//! assert!(!evaluate(&policy, &Request::new("cos:GetObject", object("users/alice2/a.txt"))).is_allowed());
//! assert!(!evaluate(&policy, &Request::new("cos:PutObject", object("users/alice/a.txt"))).is_allowed());
//! # Ok::<(), cos_policy::BuildError>(())
//! ```

use crate::builder::clean_key;
use crate::catalogue::{self, CONTENT_LENGTH, CONTENT_TYPE};
use crate::prefix::{Partial, prefix_pattern};
use crate::{
    Action, Bucket, BuildError, Condition, ConditionValue, CosResource, IpNet, Operator,
    OperatorKind, Policy, Statement,
};

/// The actions of a simple, form and multipart upload (the COS documentation's set).
///
/// ```
/// assert_eq!(cos_policy::preset::UPLOAD_ACTIONS.len(), 8);
/// ```
pub const UPLOAD_ACTIONS: &[&str] = &[
    "PutObject",
    "PostObject",
    "InitiateMultipartUpload",
    "ListMultipartUploads",
    "ListParts",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
];

/// The actions of a download (`HeadObject` included: SDK downloads HEAD first).
///
/// ```
/// assert_eq!(cos_policy::preset::DOWNLOAD_ACTIONS, ["GetObject", "HeadObject"]);
/// ```
pub const DOWNLOAD_ACTIONS: &[&str] = &["GetObject", "HeadObject"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Prefix(String),
    Key(String),
}

/// A preset policy under construction.
///
/// ```
/// use cos_policy::preset::Preset;
/// use cos_policy::{evaluate, DecisionKind, Request};
///
/// # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let policy = Preset::upload_only(&bucket, "users/alice/")
///     .content_type("image/png")
///     .max_content_length(10 * 1024 * 1024)
///     .source_ip("10.0.0.0/8")
///     .https_only()
///     .build()?;
/// assert!(cos_policy::validate(&policy).is_clean());
/// let key = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.png";
/// let put = Request::new("cos:PutObject", key)
///     .with_context("qcs:ip", "10.1.2.3")
///     .with_context("cos:secure-transport", "true")
///     .with_context("cos:content-type", "image/png")
///     .with_context("cos:content-length", "2048");
/// assert_eq!(evaluate(&policy, &put).kind(), DecisionKind::Allow);
/// let too_big = put.clone().with_context("cos:content-length", "999999999");
/// assert_eq!(evaluate(&policy, &too_big).kind(), DecisionKind::ExplicitDeny);
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    bucket: Bucket,
    partial: Partial,
    target: Target,
    actions: Vec<&'static str>,
    content_type: Option<String>,
    max_content_length: Option<u64>,
    source_ips: Vec<String>,
    https_only: bool,
}

impl Preset {
    fn new(bucket: &Bucket, target: Target, actions: Vec<&'static str>) -> Self {
        Self {
            bucket: bucket.clone(),
            partial: Partial::Refuse,
            target,
            actions,
            content_type: None,
            max_content_length: None,
            source_ips: Vec::new(),
            https_only: false,
        }
    }

    /// Simple, form and multipart upload of any key under `prefix`, written `users/alice/` or
    /// `users/alice/*` (the same grant). A prefix that ends inside a path segment
    /// (`users/alice`, which would also grant `users/alice2/`) is refused by
    /// [`Preset::build`] unless [`Preset::allow_partial_segment`] is called.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::upload_only(&bucket, "u/").build().unwrap();
    /// assert_eq!(p.statements()[0].actions().len(), 8);
    /// ```
    #[must_use]
    pub fn upload_only(bucket: &Bucket, prefix: &str) -> Self {
        Self::new(
            bucket,
            Target::Prefix(prefix.to_owned()),
            UPLOAD_ACTIONS.to_vec(),
        )
    }

    /// Download (`GetObject`, `HeadObject`) of any key under `prefix`.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::download_only(&bucket, "u/").build().unwrap();
    /// assert_eq!(p.statements()[0].actions().len(), 2);
    /// ```
    #[must_use]
    pub fn download_only(bucket: &Bucket, prefix: &str) -> Self {
        Self::new(
            bucket,
            Target::Prefix(prefix.to_owned()),
            DOWNLOAD_ACTIONS.to_vec(),
        )
    }

    /// Upload and download of any key under `prefix` (no delete).
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::read_write(&bucket, "u/").build().unwrap();
    /// assert_eq!(p.statements()[0].actions().len(), 10);
    /// ```
    #[must_use]
    pub fn read_write(bucket: &Bucket, prefix: &str) -> Self {
        let mut actions = UPLOAD_ACTIONS.to_vec();
        actions.extend_from_slice(DOWNLOAD_ACTIONS);
        Self::new(bucket, Target::Prefix(prefix.to_owned()), actions)
    }

    /// Upload of exactly one key, typically chosen by the server (e.g.
    /// `uploads/2026/01/<uuid>.png`); the key may not contain `*`.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::exact_key(&bucket, "uploads/x.png").build().unwrap();
    /// assert!(p.to_json().contains("b-1250000000/uploads/x.png\""));
    /// ```
    #[must_use]
    pub fn exact_key(bucket: &Bucket, key: &str) -> Self {
        Self::new(bucket, Target::Key(key.to_owned()), UPLOAD_ACTIONS.to_vec())
    }

    /// Accepts a prefix that ends inside a path segment (`logs/2026-` granting
    /// `logs/2026-*`), knowingly granting every key that starts with it.
    ///
    /// ```
    /// use cos_policy::{preset::Preset, Bucket};
    /// let bucket = Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// assert!(Preset::download_only(&bucket, "logs/2026-").build().is_err());
    /// let p = Preset::download_only(&bucket, "logs/2026-").allow_partial_segment().build()?;
    /// assert!(p.to_json().contains("b-1250000000/logs/2026-*"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn allow_partial_segment(mut self) -> Self {
        self.partial = Partial::Allow;
        self
    }

    /// Requires `Content-Type` to equal `content_type`, or to match it when it contains `*`
    /// (e.g. `image/*`). Applies to the actions that send the object's content type.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::upload_only(&bucket, "u/").content_type("image/*").build().unwrap();
    /// assert!(p.to_json().contains("string_not_like_if_exist"));
    /// ```
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Limits `Content-Length` of simple/form uploads and of each multipart part to `bytes`.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::upload_only(&bucket, "u/").max_content_length(10).build().unwrap();
    /// assert!(p.to_json().contains("numeric_greater_than_if_exist"));
    /// ```
    #[must_use]
    pub fn max_content_length(mut self, bytes: u64) -> Self {
        self.max_content_length = Some(bytes);
        self
    }

    /// Allows requests only from `cidr` (an address or block; call again to add more).
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::download_only(&bucket, "u/")
    ///     .source_ip("10.0.0.0/8").source_ip("192.168.1.1").build().unwrap();
    /// assert!(p.to_json().contains("ip_not_equal"));
    /// ```
    #[must_use]
    pub fn source_ip(mut self, cidr: impl Into<String>) -> Self {
        self.source_ips.push(cidr.into());
        self
    }

    /// Allows only requests made over HTTPS.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::preset::Preset::download_only(&bucket, "u/").https_only().build().unwrap();
    /// assert!(p.to_json().contains("cos:secure-transport"));
    /// ```
    #[must_use]
    pub fn https_only(mut self) -> Self {
        self.https_only = true;
        self
    }

    fn resource(&self) -> Result<CosResource, BuildError> {
        match &self.target {
            Target::Prefix(prefix) => Ok(CosResource::object(
                &self.bucket,
                &prefix_pattern(prefix, self.partial)?,
            )),
            Target::Key(key) => {
                let key = clean_key(key)?;
                if key.is_empty() || key.ends_with('/') {
                    return Err(BuildError::InvalidPrefix {
                        prefix: key.to_owned(),
                        reason: "is not an object key",
                    });
                }
                if key.contains('*') {
                    return Err(BuildError::InvalidPrefix {
                        prefix: key.to_owned(),
                        reason: "contains `*`, which CAM would treat as a wildcard",
                    });
                }
                Ok(CosResource::object(&self.bucket, key))
            }
        }
    }

    /// The header conditions: (key, allow condition, deny condition).
    fn header_conditions(&self) -> Result<Vec<(&'static str, Condition, Condition)>, BuildError> {
        let mut out = Vec::new();
        if let Some(content_type) = &self.content_type {
            let (allow, deny) = if content_type.contains('*') {
                (OperatorKind::StringLike, OperatorKind::StringNotLike)
            } else {
                (OperatorKind::StringEqual, OperatorKind::StringNotEqual)
            };
            let value = || vec![ConditionValue::String(content_type.clone())];
            out.push((
                CONTENT_TYPE,
                Condition::new(Operator::new(allow), CONTENT_TYPE, value())?,
                Condition::new(Operator::new(deny).if_exist(), CONTENT_TYPE, value())?,
            ));
        }
        if let Some(limit) = self.max_content_length {
            #[allow(clippy::cast_precision_loss)]
            let value = || vec![ConditionValue::Number(limit as f64)];
            out.push((
                CONTENT_LENGTH,
                Condition::new(
                    Operator::new(OperatorKind::NumericLessThanEqual),
                    CONTENT_LENGTH,
                    value(),
                )?,
                Condition::new(
                    Operator::new(OperatorKind::NumericGreaterThan).if_exist(),
                    CONTENT_LENGTH,
                    value(),
                )?,
            ));
        }
        Ok(out)
    }

    /// The conditions every request must meet: (allow condition, deny condition) pairs.
    fn global_conditions(&self) -> Result<Vec<(Condition, Condition)>, BuildError> {
        let mut out = Vec::new();
        if !self.source_ips.is_empty() {
            let nets = self
                .source_ips
                .iter()
                .map(|ip| {
                    ip.parse::<IpNet>().map(ConditionValue::Ip).map_err(|_| {
                        crate::ConditionError::InvalidValue {
                            value: ip.clone(),
                            expected: crate::ValueType::Ip,
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.push((
                Condition::new(Operator::new(OperatorKind::IpEqual), "qcs:ip", nets.clone())?,
                Condition::new(Operator::new(OperatorKind::IpNotEqual), "qcs:ip", nets)?,
            ));
        }
        if self.https_only {
            out.push((
                Condition::new(
                    Operator::new(OperatorKind::BoolEqual),
                    "cos:secure-transport",
                    vec![ConditionValue::Bool(true)],
                )?,
                Condition::new(
                    Operator::new(OperatorKind::BoolEqual),
                    "cos:secure-transport",
                    vec![ConditionValue::Bool(false)],
                )?,
            ));
        }
        Ok(out)
    }

    /// Builds and validates the policy.
    ///
    /// ```
    /// use cos_policy::preset::Preset;
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// assert!(Preset::upload_only(&bucket, "").build().is_err());
    /// assert!(Preset::upload_only(&bucket, "a/../").build().is_err());
    /// assert!(Preset::exact_key(&bucket, "a/*").build().is_err());
    /// assert!(Preset::upload_only(&bucket, "u/").source_ip("nope").build().is_err());
    /// ```
    pub fn build(&self) -> Result<Policy, BuildError> {
        let resource = self.resource()?;
        let headers = self.header_conditions()?;
        let globals = self.global_conditions()?;
        let carried = |name: &str| -> Vec<usize> {
            let info = catalogue::lookup(name);
            headers
                .iter()
                .enumerate()
                .filter(|(_, (key, _, _))| info.is_some_and(|info| info.carries(key)))
                .map(|(index, _)| index)
                .collect()
        };
        if let Some((key, _, _)) = headers
            .iter()
            .enumerate()
            .find(|(index, _)| !self.actions.iter().any(|n| carried(n).contains(index)))
            .map(|(_, header)| header)
        {
            return Err(BuildError::NotApplicable { key });
        }
        // Group actions by the header conditions they carry, in first-seen order.
        let mut groups: Vec<(Vec<usize>, Vec<&'static str>)> = Vec::new();
        for name in &self.actions {
            let keys = carried(name);
            match groups.iter_mut().find(|(k, _)| *k == keys) {
                Some((_, names)) => names.push(name),
                None => groups.push((keys, vec![name])),
            }
        }
        let mut policy = Policy::new();
        for (keys, names) in &groups {
            let mut statement = Statement::allow()
                .with_actions(names.iter().map(|n| Action::cos(*n)))
                .with_resource(resource.clone());
            for index in keys {
                if let Some((_, allow, _)) = headers.get(*index) {
                    statement = statement.with_condition(allow.clone());
                }
            }
            for (allow, _) in &globals {
                statement = statement.with_condition(allow.clone());
            }
            policy = policy.with_statement(statement);
        }
        for (index, (_, _, deny)) in headers.iter().enumerate() {
            let names: Vec<&str> = self
                .actions
                .iter()
                .copied()
                .filter(|n| carried(n).contains(&index))
                .collect();
            if !names.is_empty() {
                policy = policy.with_statement(
                    Statement::deny()
                        .with_actions(names.iter().map(|n| Action::cos(*n)))
                        .with_resource(resource.clone())
                        .with_condition(deny.clone()),
                );
            }
        }
        for (_, deny) in globals {
            policy = policy.with_statement(
                Statement::deny()
                    .with_actions(self.actions.iter().map(|n| Action::cos(*n)))
                    .with_resource(resource.clone())
                    .with_condition(deny),
            );
        }
        crate::builder::finish_checked(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket() -> Bucket {
        Bucket::new(
            "b-1250000000".parse().unwrap(),
            "ap-beijing".parse().unwrap(),
        )
    }
    use crate::{DecisionKind, Request, evaluate};

    const OBJECT: &str =
        "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.png";

    #[test]
    fn statement_layout_keeps_multipart_working() {
        let policy = Preset::upload_only(
            &crate::Bucket::new(
                "examplebucket-1250000000".parse().unwrap(),
                "ap-guangzhou".parse().unwrap(),
            ),
            "users/alice/",
        )
        .content_type("image/png")
        .max_content_length(100)
        .build()
        .unwrap();
        let json = policy.to_json();
        // allow {Put,Post}(type+len), {Initiate}(type), {List*,Complete,Abort}, {UploadPart}(len); deny type; deny len.
        assert_eq!(policy.statements().len(), 6, "{json}");
        assert!(crate::validate(&policy).is_clean());
        let part = Request::new("cos:UploadPart", OBJECT).with_context("cos:content-length", "50");
        assert_eq!(evaluate(&policy, &part).kind(), DecisionKind::Allow);
        let big_part =
            Request::new("cos:UploadPart", OBJECT).with_context("cos:content-length", "500");
        assert_eq!(
            evaluate(&policy, &big_part).kind(),
            DecisionKind::ExplicitDeny
        );
        let complete = Request::new("cos:CompleteMultipartUpload", OBJECT)
            .with_context("cos:content-type", "application/xml");
        assert_eq!(evaluate(&policy, &complete).kind(), DecisionKind::Allow);
        let init = Request::new("cos:InitiateMultipartUpload", OBJECT)
            .with_context("cos:content-type", "image/png");
        assert_eq!(evaluate(&policy, &init).kind(), DecisionKind::Allow);
        let init_gif = Request::new("cos:InitiateMultipartUpload", OBJECT)
            .with_context("cos:content-type", "image/gif");
        assert_eq!(
            evaluate(&policy, &init_gif).kind(),
            DecisionKind::ExplicitDeny
        );
        let put_untyped =
            Request::new("cos:PutObject", OBJECT).with_context("cos:content-length", "5");
        assert_eq!(
            evaluate(&policy, &put_untyped).kind(),
            DecisionKind::ExplicitDeny
        );
    }

    #[test]
    fn global_conditions_apply_to_every_action() {
        let policy = Preset::download_only(
            &crate::Bucket::new(
                "examplebucket-1250000000".parse().unwrap(),
                "ap-guangzhou".parse().unwrap(),
            ),
            "users/alice/",
        )
        .source_ip("10.0.0.0/8")
        .https_only()
        .build()
        .unwrap();
        assert!(crate::validate(&policy).is_clean());
        let ok = Request::new("cos:GetObject", OBJECT)
            .with_context("qcs:ip", "10.0.0.1")
            .with_context("cos:secure-transport", "true");
        assert_eq!(evaluate(&policy, &ok).kind(), DecisionKind::Allow);
        let http = ok.clone().with_context("cos:secure-transport", "false");
        assert_eq!(evaluate(&policy, &http).kind(), DecisionKind::ExplicitDeny);
        let outside = ok.clone().with_context("qcs:ip", "11.0.0.1");
        assert_eq!(
            evaluate(&policy, &outside).kind(),
            DecisionKind::ExplicitDeny
        );
        let put = Request::new("cos:PutObject", OBJECT)
            .with_context("qcs:ip", "10.0.0.1")
            .with_context("cos:secure-transport", "true");
        assert_eq!(evaluate(&policy, &put).kind(), DecisionKind::ImplicitDeny);
    }

    #[test]
    fn header_conditions_must_apply() {
        let err = Preset::download_only(&bucket(), "u/")
            .content_type("image/png")
            .build()
            .unwrap_err();
        assert_eq!(err, BuildError::NotApplicable { key: CONTENT_TYPE });
        let err = Preset::download_only(&bucket(), "u/")
            .max_content_length(5)
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            BuildError::NotApplicable {
                key: CONTENT_LENGTH
            }
        );
    }

    #[test]
    fn rejects_bad_targets() {
        for (preset, what) in [
            (Preset::upload_only(&bucket(), "/"), "empty"),
            (Preset::upload_only(&bucket(), "a*/"), "star"),
            (Preset::exact_key(&bucket(), "dir/"), "dir"),
            (Preset::exact_key(&bucket(), ""), "empty key"),
        ] {
            assert!(
                matches!(preset.build(), Err(BuildError::InvalidPrefix { .. })),
                "{what}"
            );
        }
    }

    #[test]
    fn read_write_never_reaches_alice2_silently() {
        let alice2 = "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/users/alice2/x";
        for prefix in ["users/alice", "users/alice*"] {
            let err = Preset::read_write(&bucket(), prefix).build().unwrap_err();
            assert!(
                matches!(&err, BuildError::PartialSegment { neighbour, .. } if neighbour == "users/alice2/"),
                "{err}"
            );
            assert!(err.to_string().contains("allow_partial_segment"), "{err}");
        }
        let policy = Preset::read_write(&bucket(), "users/alice/*")
            .build()
            .unwrap();
        assert_eq!(
            policy,
            Preset::read_write(&bucket(), "users/alice/")
                .build()
                .unwrap()
        );
        assert!(!evaluate(&policy, &Request::new("cos:PutObject", alice2)).is_allowed());
        // Explicitly asked: built, reaches alice2, and validate() lints it.
        let partial = Preset::read_write(&bucket(), "users/alice")
            .allow_partial_segment()
            .build()
            .unwrap();
        assert!(evaluate(&partial, &Request::new("cos:PutObject", alice2)).is_allowed());
        let report = crate::validate(&partial);
        assert!(report.has(crate::Code::PartialSegmentWildcard), "{report}");
    }
}

//! The error [`Policy::from_json`](crate::Policy::from_json) returns.

use std::fmt;

use crate::finding::{Code, Finding, Report};

/// The policy text could not be turned into a [`Policy`](crate::Policy). Holds **every**
/// problem found (the parser does not stop at the first), each with a JSON path into the
/// canonical form and a stable code.
///
/// ```
/// use cos_policy::Policy;
///
/// let err = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
///     "action":"cos:GetObject","resource":"bucket/*","condition":{"ip_eq":{"qcs:ip":"1.2.3.4"}}}]}"#)
///     .unwrap_err();
/// assert_eq!(err.findings().len(), 2);
/// assert_eq!(err.code(), "malformed_resource");
/// assert_eq!(err.path(), "/statement/0/resource/0");
/// assert!(err.to_string().contains("and 1 more"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ParseError {
    findings: Vec<Finding>,
}

impl ParseError {
    pub(crate) fn new(findings: Vec<Finding>) -> Self {
        Self { findings }
    }

    /// Every problem found, in document order (at least one).
    ///
    /// ```
    /// assert_eq!(cos_policy::Policy::from_json("{").unwrap_err().findings().len(), 1);
    /// ```
    #[must_use]
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The code of the first problem.
    ///
    /// ```
    /// assert_eq!(cos_policy::Policy::from_json("{").unwrap_err().code(), "invalid_json");
    /// ```
    #[must_use]
    pub fn code(&self) -> Code {
        self.findings
            .first()
            .map_or(Code::InvalidJson, Finding::code)
    }

    /// The JSON path of the first problem.
    ///
    /// ```
    /// let err = cos_policy::Policy::from_json(r#"{"version":"2.0","extra":1}"#).unwrap_err();
    /// assert_eq!(err.path(), "/extra");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        self.findings.first().map_or("", Finding::path)
    }

    /// The message of the first problem.
    ///
    /// ```
    /// let err = cos_policy::Policy::from_json("[]").unwrap_err();
    /// assert!(err.message().contains("object"));
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        self.findings.first().map_or("", Finding::message)
    }

    /// The problems as a [`Report`].
    ///
    /// ```
    /// assert!(!cos_policy::Policy::from_json("{").unwrap_err().report().is_clean());
    /// ```
    #[must_use]
    pub fn report(&self) -> Report {
        Report::new(self.findings.clone())
    }

    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// assert!(!cos_policy::Policy::from_json("{").unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.findings.first() {
            Some(first) => write!(f, "invalid policy: {first}")?,
            None => f.write_str("invalid policy")?,
        }
        if self.findings.len() > 1 {
            write!(f, " (and {} more)", self.findings.len() - 1)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Policy;

    #[test]
    fn collects_every_problem_and_displays_the_first() {
        let err =
            Policy::from_json(r#"{"version":"2.0","a":1,"b":2,"statement":[{"effect":"x"}]}"#)
                .unwrap_err();
        assert_eq!(err.findings().len(), 3);
        // Findings come in canonical document order; unknown elements sort after known ones.
        assert_eq!(err.path(), "/statement/0/effect");
        assert_eq!(err.findings()[1].path(), "/a");
        assert!(
            err.to_string()
                .starts_with("invalid policy: error invalid_effect at /statement/0/effect"),
            "{err}"
        );
        assert!(err.to_string().ends_with("(and 2 more)"), "{err}");
        assert_eq!(err.report().errors().count(), 3);
    }
}

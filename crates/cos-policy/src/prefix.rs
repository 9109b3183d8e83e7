//! The prefix convention and the partial-segment hole.
//!
//! A prefix is written `users/alice/` or `users/alice/*`; both mean "every key under
//! `users/alice/`". A `*` that follows a *partial* path segment (`users/alice*`) also grants
//! the neighbours `users/alice2/…`, `users/alice-admin/…`: presets, builders and
//! `allow_prefix` refuse it unless asked with `allow_partial_segment`, and [`crate::validate`]
//! reports it as the [`Code::PartialSegmentWildcard`](crate::Code::PartialSegmentWildcard)
//! lint.
//!
//! ```
//! use cos_policy::prefix::{check_prefix, partial_segment};
//!
//! assert!(check_prefix("users/alice/").is_ok());
//! assert!(check_prefix("users/alice/*").is_ok());
//! let err = check_prefix("users/alice").unwrap_err();
//! assert!(err.to_string().contains("users/alice2/"));
//! assert_eq!(partial_segment("users/alice*").unwrap().neighbour(), "users/alice2/");
//! assert!(partial_segment("users/alice/*.png").is_none());
//! ```

use std::fmt;

use crate::BuildError;
use crate::builder::clean_key;

/// A `*` in a key pattern that follows a partial path segment, and a key it admits that the
/// author most likely did not mean to grant.
///
/// ```
/// let found = cos_policy::prefix::partial_segment("photos/img-*.jpg").unwrap();
/// assert_eq!(found.segment(), "img-");
/// assert_eq!(found.neighbour(), "photos/img-2/x.jpg");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialSegment {
    pattern: String,
    segment: String,
    neighbour: String,
}

impl PartialSegment {
    /// The key pattern as written.
    ///
    /// ```
    /// let found = cos_policy::prefix::partial_segment("users/alice*").unwrap();
    /// assert_eq!(found.pattern(), "users/alice*");
    /// ```
    #[must_use]
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The partial segment the `*` follows (`alice` in `users/alice*`).
    ///
    /// ```
    /// let found = cos_policy::prefix::partial_segment("users/alice*").unwrap();
    /// assert_eq!(found.segment(), "alice");
    /// ```
    #[must_use]
    pub fn segment(&self) -> &str {
        &self.segment
    }

    /// A neighbouring key the pattern also admits (`users/alice2/` for `users/alice*`).
    ///
    /// ```
    /// let found = cos_policy::prefix::partial_segment("users/alice*").unwrap();
    /// assert_eq!(found.neighbour(), "users/alice2/");
    /// ```
    #[must_use]
    pub fn neighbour(&self) -> &str {
        &self.neighbour
    }
}

impl fmt::Display for PartialSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`*` follows the partial path segment `{}` in `{}`, so it also admits `{}` (another user's keys); end the prefix with `/`",
            self.segment, self.pattern, self.neighbour
        )
    }
}

/// The first `*` of `key_pattern` that follows a partial path segment (text after the last
/// `/`), if any. A `*` at the start or right after a `/` is a whole-segment wildcard and is
/// fine.
///
/// ```
/// use cos_policy::prefix::partial_segment;
/// assert!(partial_segment("users/alice*").is_some());
/// assert!(partial_segment("users/al*ce/").is_some());
/// assert!(partial_segment("*").is_none());
/// assert!(partial_segment("users/*/avatar.png").is_none());
/// assert!(partial_segment("users/alice/a.txt").is_none());
/// ```
#[must_use]
pub fn partial_segment(key_pattern: &str) -> Option<PartialSegment> {
    let star = key_pattern
        .char_indices()
        .filter(|&(_, c)| c == '*')
        .map(|(index, _)| index)
        .find(|&index| {
            key_pattern
                .get(..index)
                .is_some_and(|before| !before.is_empty() && !before.ends_with('/'))
        })?;
    let before = key_pattern.get(..star)?;
    let after = key_pattern.get(star + 1..).unwrap_or_default();
    let segment = before.rsplit('/').next().unwrap_or(before);
    let tail = if after.is_empty() {
        String::new()
    } else {
        format!("x{}", after.replace('*', "x"))
    };
    Some(PartialSegment {
        pattern: key_pattern.to_owned(),
        segment: segment.to_owned(),
        neighbour: format!("{before}2/{tail}"),
    })
}

/// Whether a `*` that follows a partial path segment is accepted.
///
/// ```
/// use cos_policy::prefix::{key_pattern, Partial};
/// assert!(key_pattern("users/alice*", Partial::Refuse).is_err());
/// assert_eq!(key_pattern("users/alice*", Partial::Allow)?, "users/alice*");
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Partial {
    /// Refused (the default everywhere).
    #[default]
    Refuse,
    /// Accepted: the caller called `allow_partial_segment`.
    Allow,
}

fn refuse(found: PartialSegment) -> BuildError {
    BuildError::PartialSegment {
        prefix: found.pattern.clone(),
        neighbour: found.neighbour.clone(),
        segment: found.segment,
    }
}

/// The key pattern granting everything under `prefix`: `users/alice/` and `users/alice/*`
/// both give `users/alice/*`. A prefix that does not end with `/` (or `/*`) ends inside a
/// path segment and is refused unless `partial` allows it (then `users/alice` gives
/// `users/alice*`). Empty prefixes and any other `*` are refused.
pub(crate) fn prefix_pattern(prefix: &str, partial: Partial) -> Result<String, BuildError> {
    let literal = clean_key(prefix)?;
    let literal = literal.strip_suffix('*').unwrap_or(literal);
    if literal.is_empty() {
        return Err(BuildError::InvalidPrefix {
            prefix: prefix.to_owned(),
            reason: "is empty: a prefix never grants a whole bucket",
        });
    }
    if literal.contains('*') {
        return Err(BuildError::InvalidPrefix {
            prefix: prefix.to_owned(),
            reason: "contains `*` before its end: give the literal prefix (`users/alice/` or `users/alice/*`)",
        });
    }
    let pattern = format!("{literal}*");
    if partial == Partial::Refuse
        && let Some(found) = partial_segment(&pattern)
    {
        return Err(refuse(found));
    }
    Ok(pattern)
}

/// An `allow_prefix` entry as a key pattern: a key (`a.txt`) stays itself, a prefix ending
/// with `/` gains its `*` (`users/alice/` = `users/alice/*`), and a `*` after a partial path
/// segment is refused unless `partial` allows it. A leading `/` is dropped.
///
/// # Errors
/// [`BuildError::PartialSegment`]; [`BuildError::InvalidPrefix`] for a `..` segment or a
/// control character.
///
/// ```
/// use cos_policy::prefix::{key_pattern, Partial};
/// assert_eq!(key_pattern("/users/alice/", Partial::Refuse)?, "users/alice/*");
/// assert_eq!(key_pattern("a.txt", Partial::Refuse)?, "a.txt");
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
pub fn key_pattern(entry: &str, partial: Partial) -> Result<String, BuildError> {
    let key = clean_key(entry)?;
    let pattern = if key.ends_with('/') {
        format!("{key}*")
    } else {
        key.to_owned()
    };
    if partial == Partial::Refuse
        && let Some(found) = partial_segment(&pattern)
    {
        return Err(refuse(found));
    }
    Ok(pattern)
}

/// Checks a prefix a server is about to grant, as presets and builders do: `users/alice/` and
/// `users/alice/*` pass; a prefix ending inside a path segment (`users/alice`,
/// `users/alice*`), an empty one, or one with `..`, a control character or an inner `*` is
/// refused with the neighbour it would also grant.
///
/// A credential-vending server calls it at startup on its prefix template rendered for a
/// sample caller, and refuses to start when it fails.
///
/// # Errors
/// [`BuildError::PartialSegment`] or [`BuildError::InvalidPrefix`].
///
/// ```
/// use cos_policy::prefix::check_prefix;
/// use cos_policy::BuildError;
///
/// assert_eq!(check_prefix("tenants/acme/alice/uploads/*").unwrap(), "tenants/acme/alice/uploads/*");
/// assert!(matches!(check_prefix("users/alice*"), Err(BuildError::PartialSegment { .. })));
/// assert!(matches!(check_prefix("users/al*/"), Err(BuildError::InvalidPrefix { .. })));
/// ```
pub fn check_prefix(prefix: &str) -> Result<String, BuildError> {
    prefix_pattern(prefix, Partial::Refuse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_mean_the_same() {
        assert_eq!(
            prefix_pattern("users/alice/", Partial::Refuse).unwrap(),
            prefix_pattern("users/alice/*", Partial::Refuse).unwrap()
        );
        assert_eq!(
            key_pattern("users/alice/", Partial::Refuse).unwrap(),
            key_pattern("users/alice/*", Partial::Refuse).unwrap()
        );
        assert_eq!(key_pattern("/a.txt", Partial::Refuse).unwrap(), "a.txt");
    }

    #[test]
    fn alice_does_not_reach_alice2() {
        for prefix in ["users/alice", "users/alice*", "/users/alice"] {
            let err = prefix_pattern(prefix, Partial::Refuse).unwrap_err();
            let BuildError::PartialSegment { neighbour, .. } = &err else {
                panic!("{err}")
            };
            assert_eq!(neighbour, "users/alice2/");
            assert!(err.to_string().contains("another user's"), "{err}");
        }
        assert_eq!(
            prefix_pattern("users/alice", Partial::Allow).unwrap(),
            "users/alice*"
        );
        assert!(key_pattern("users/alice*", Partial::Refuse).is_err());
        assert_eq!(
            key_pattern("users/alice*", Partial::Allow).unwrap(),
            "users/alice*"
        );
        // A key without `*` grants one key, never a neighbour.
        assert_eq!(
            key_pattern("users/alice", Partial::Refuse).unwrap(),
            "users/alice"
        );
    }

    #[test]
    fn a_vending_template_rendered_for_a_sample_caller() {
        // What a credential-vending server checks at startup: its prefix template rendered
        // for a sample subject must not end inside a path segment.
        let render = |template: &str| template.replace("{sub}", "alice");
        for template in [
            "users/{sub}/",
            "users/{sub}/*",
            "tenants/acme/{sub}/uploads/",
        ] {
            assert!(check_prefix(&render(template)).is_ok(), "{template}");
        }
        for template in ["users/{sub}", "users/{sub}*", "users/{sub}-"] {
            let err = check_prefix(&render(template)).unwrap_err();
            assert!(
                matches!(err, BuildError::PartialSegment { .. }),
                "{template}: {err}"
            );
        }
        assert!(
            check_prefix(&render("users/{sub}"))
                .unwrap_err()
                .to_string()
                .contains("users/alice2/")
        );
    }

    #[test]
    fn neighbours() {
        assert_eq!(partial_segment("a*").unwrap().neighbour(), "a2/");
        assert_eq!(partial_segment("a/b*c*").unwrap().neighbour(), "a/b2/xcx");
        assert_eq!(partial_segment("a/b*c*").unwrap().segment(), "b");
        assert!(partial_segment("a/*/b/*").is_none());
        assert!(partial_segment("文件夹/名*").is_some());
    }
}

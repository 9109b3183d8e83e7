//! The per-user prefix template (`users/{sub}/*`) and the pattern of server-chosen keys
//! (`{prefix}{date}/{random}.{ext}`).

use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::identity::Subject;

/// Why a template or pattern is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The prefix template is unsafe or malformed.
    #[error("prefix_template `{template}` {reason}")]
    Prefix {
        /// The template as written.
        template: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The key pattern is unsafe or malformed.
    #[error("keys.pattern `{pattern}` {reason}")]
    Pattern {
        /// The pattern as written.
        pattern: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl TemplateError {
    /// Never.
    ///
    /// ```
    /// let e = cos_vending::Settings::parse("bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nprefix_template = \"x/\"", std::path::Path::new("."));
    /// assert!(e.is_err());
    /// ```
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Characters allowed in the literal parts of a template or pattern.
fn is_literal_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'=' | b'@')
}

fn literal_is_safe(text: &str) -> bool {
    text.bytes().all(is_literal_byte)
        && !text.contains("//")
        && !text
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
}

/// `users/{sub}/`: a prefix with exactly one `{sub}` segment, ending with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrefixTemplate {
    before: String,
    after: String,
}

impl PrefixTemplate {
    /// Parses `users/{sub}/*`, `users/{sub}/` or `tenants/acme/{sub}/uploads/`: one leading
    /// `/` and one trailing `*` are dropped; `{sub}` must be a whole segment, appear once,
    /// and be followed by `/`.
    ///
    /// This is the one place a prefix template is accepted (at start-up and on reload): a
    /// further check of templates (e.g. refusing partial-segment prefixes) belongs here.
    pub(crate) fn parse(template: &str) -> Result<Self, TemplateError> {
        let bad = |reason| TemplateError::Prefix {
            template: template.to_owned(),
            reason,
        };
        let text = template.strip_prefix('/').unwrap_or(template);
        let text = text.strip_suffix('*').unwrap_or(text);
        let Some((before, after)) = text.split_once("{sub}") else {
            return Err(bad("must contain `{sub}`"));
        };
        if after.contains("{sub}") {
            return Err(bad("must contain `{sub}` only once"));
        }
        if !(before.is_empty() || before.ends_with('/')) || !after.starts_with('/') {
            return Err(bad(
                "must have `{sub}` as a whole path segment followed by `/`",
            ));
        }
        if !after.ends_with('/') {
            return Err(bad("must end with `/` (or `/*`)"));
        }
        if !literal_is_safe(before) || !literal_is_safe(after) {
            return Err(bad(
                "may contain only ASCII letters, digits, `-_.=@/` and `{sub}`, without `//`, `.` or `..` segments",
            ));
        }
        // The workspace's one partial-segment rule (cos-policy's), on the template rendered
        // for a sample caller: the structural checks above already imply it; this keeps the
        // two from drifting apart.
        if cos_policy::prefix::check_prefix(&format!("{before}sample{after}")).is_err() {
            return Err(bad(
                "would grant a prefix ending inside a path segment (users/alice would also grant users/alice2/)",
            ));
        }
        Ok(Self {
            before: before.to_owned(),
            after: after.to_owned(),
        })
    }

    /// The prefix granted to `subject`, e.g. `users/alice/`.
    pub(crate) fn render(&self, subject: &Subject) -> String {
        self.render_str(subject.as_str())
    }

    /// The prefix for an already validated subject text.
    pub(crate) fn render_str(&self, subject: &str) -> String {
        format!("{}{subject}{}", self.before, self.after)
    }
}

/// One part of a key pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Date,
    Random,
    Ext,
}

/// `{prefix}{date}/{random}.{ext}`: how a server-chosen key is made. It always starts with
/// `{prefix}` (the caller's rendered prefix) and contains `{random}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyPattern {
    parts: Vec<Part>,
}

impl KeyPattern {
    /// Parses a pattern made of `{prefix}` (first), `{date}` (`YYYYMMDD`, UTC), `{random}`
    /// (32 hex digits, required), `{ext}` and safe literal text.
    pub(crate) fn parse(pattern: &str) -> Result<Self, TemplateError> {
        let bad = |reason| TemplateError::Pattern {
            pattern: pattern.to_owned(),
            reason,
        };
        let Some(mut rest) = pattern.strip_prefix("{prefix}") else {
            return Err(bad("must start with `{prefix}`"));
        };
        let mut parts = Vec::new();
        while !rest.is_empty() {
            if let Some(open) = rest.find('{') {
                let (literal, tail) = rest.split_at(open);
                if !literal.is_empty() {
                    parts.push(Part::Literal(literal.to_owned()));
                }
                let close = tail.find('}').ok_or_else(|| bad("has an unclosed `{`"))?;
                let (name, tail) = tail.split_at(close + 1);
                parts.push(match name {
                    "{date}" => Part::Date,
                    "{random}" => Part::Random,
                    "{ext}" => Part::Ext,
                    _ => return Err(bad("knows only {prefix}, {date}, {random} and {ext}")),
                });
                rest = tail;
            } else {
                parts.push(Part::Literal(rest.to_owned()));
                rest = "";
            }
        }
        if !parts.contains(&Part::Random) {
            return Err(bad("must contain `{random}` so keys never collide"));
        }
        let literal: String = parts
            .iter()
            .map(|p| match p {
                Part::Literal(text) => text.as_str(),
                _ => "x",
            })
            .collect();
        if literal.starts_with('/') || !literal_is_safe(&literal) || literal.ends_with('/') {
            return Err(bad(
                "may contain only ASCII letters, digits and `-_.=@/`, must not start or end with `/`, and no `//`, `.` or `..` segments",
            ));
        }
        Ok(Self { parts })
    }

    /// Whether the pattern uses `{ext}`.
    pub(crate) fn uses_extension(&self) -> bool {
        self.parts.contains(&Part::Ext)
    }

    /// A key under `prefix`, for the UTC day of `unix_secs`, with extension `ext`.
    pub(crate) fn render(&self, prefix: &str, unix_secs: u64, ext: &str) -> String {
        let mut key = prefix.to_owned();
        for part in &self.parts {
            match part {
                Part::Literal(text) => key.push_str(text),
                Part::Date => key.push_str(&utc_date(unix_secs)),
                Part::Random => key.push_str(&random_hex()),
                Part::Ext => key.push_str(ext),
            }
        }
        key
    }
}

/// Whether `ext` is a safe file extension: 1 to 16 ASCII letters or digits.
pub(crate) fn is_safe_extension(ext: &str) -> bool {
    (1..=16).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// `YYYYMMDD` of the UTC day containing `unix_secs`.
fn utc_date(unix_secs: u64) -> String {
    i64::try_from(unix_secs)
        .ok()
        .and_then(cos_core::date::CivilTime::from_unix)
        .map_or_else(|| "00000000".to_owned(), |at| at.date().replace('-', ""))
}

/// 128 unpredictable bits as hex, from the standard library's randomly keyed SipHash (seeded
/// by the OS) over a process-wide counter and the clock: unique within the process, and not
/// guessable by callers.
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut halves = [0_u64; 2];
    for (lane, half) in (0_u8..).zip(halves.iter_mut()) {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u8(lane);
        hasher.write_u64(count);
        hasher.write_u128(nanos);
        *half = hasher.finish();
    }
    format!("{:016x}{:016x}", halves[0], halves[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18's alice/alice2 case at the vending entry point: a template whose `{sub}` is
    /// not a whole segment is refused at start-up, never silently granted.
    #[test]
    fn a_template_that_would_reach_alice2_is_refused() {
        for template in [
            "users/{sub}",
            "users/{sub}*",
            "users/{sub}-x/",
            "users/pre{sub}/",
        ] {
            assert!(PrefixTemplate::parse(template).is_err(), "{template}");
        }
        assert!(PrefixTemplate::parse("users/{sub}/").is_ok());
    }

    #[test]
    fn prefix_templates_normalise() {
        let alice = Subject::parse("alice").unwrap();
        for (template, rendered) in [
            ("users/{sub}/*", "users/alice/"),
            ("/users/{sub}/", "users/alice/"),
            ("{sub}/*", "alice/"),
            (
                "tenants/acme/{sub}/uploads/*",
                "tenants/acme/alice/uploads/",
            ),
        ] {
            assert_eq!(
                PrefixTemplate::parse(template).unwrap().render(&alice),
                rendered,
                "{template}"
            );
        }
    }

    #[test]
    fn unsafe_prefix_templates_are_refused() {
        for template in [
            "users/*",
            "users/{sub}",
            "users/{sub}*",
            "users/x{sub}/",
            "users/{sub}x/",
            "users/{sub}/{sub}/",
            "../{sub}/",
            "users//{sub}/",
            "users/*/{sub}/",
            "users/{sub}/a?/",
            "users/{sub}/**",
            "",
        ] {
            let error = PrefixTemplate::parse(template).unwrap_err();
            assert!(error.to_string().contains("prefix_template"), "{template}");
            assert!(!error.is_retryable());
        }
    }

    #[test]
    fn key_patterns_render_under_the_prefix() {
        let pattern = KeyPattern::parse("{prefix}{date}/{random}.{ext}").unwrap();
        assert!(pattern.uses_extension());
        // 2023-11-14T22:13:20Z
        let key = pattern.render("users/alice/", 1_700_000_000, "png");
        assert!(key.starts_with("users/alice/20231114/"), "{key}");
        assert!(key.ends_with(".png"));
        assert_eq!(key.len(), "users/alice/20231114/".len() + 32 + 4);
        let other = pattern.render("users/alice/", 1_700_000_000, "png");
        assert_ne!(key, other, "random part differs");
        let plain = KeyPattern::parse("{prefix}up-{random}").unwrap();
        assert!(!plain.uses_extension());
        assert!(plain.render("p/", 0, "ignored").starts_with("p/up-"));
    }

    #[test]
    fn unsafe_key_patterns_are_refused() {
        for pattern in [
            "{date}/{random}",
            "{prefix}{date}",
            "{prefix}/{random}",
            "{prefix}../{random}",
            "{prefix}{random}/",
            "{prefix}{random}*",
            "{prefix}{sub}{random}",
            "{prefix}{random",
            "{prefix}a//{random}",
        ] {
            assert!(KeyPattern::parse(pattern).is_err(), "{pattern}");
        }
    }

    #[test]
    fn extensions_and_dates() {
        assert!(is_safe_extension("png"));
        assert!(!is_safe_extension(""));
        assert!(!is_safe_extension("p.ng"));
        assert!(!is_safe_extension(&"a".repeat(17)));
        assert_eq!(utc_date(0), "19700101");
        assert_eq!(utc_date(951_782_400), "20000229");
    }
}

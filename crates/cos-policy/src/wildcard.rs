//! The CAM wildcard matcher: `*` matches any run of characters, `/` and the empty run included.

/// Returns whether `text` matches `pattern`, where `*` in the pattern matches any run of
/// characters (including `/` and the empty run) and every other character matches itself,
/// case-sensitively. There is no other wildcard and no escape: CAM documents only `*`.
///
/// The matcher is iterative (no recursion, no allocation) and runs in `O(pattern × text)`
/// in the worst case.
///
/// ```
/// use cos_policy::wildcard_match;
///
/// assert!(wildcard_match("users/alice/*", "users/alice/a/b.txt"));
/// assert!(wildcard_match("users/alice/*", "users/alice/"));
/// assert!(!wildcard_match("users/alice/*", "users/alice2/a.txt"));
/// assert!(wildcard_match("*Bucket*", "GetBucketACL"));
/// assert!(!wildcard_match("PutObject", "putobject"));
/// ```
#[must_use]
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.as_bytes();
    let text = text.as_bytes();
    let (mut p, mut t) = (0usize, 0usize);
    // Position of the last `*` seen in the pattern and the text position it is retried from.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(c) if text.get(t) == Some(c) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, from)) => {
                    p = star + 1;
                    t = from + 1;
                    backtrack = Some((star, from + 1));
                }
                None => return false,
            },
        }
    }
    while pattern.get(p) == Some(&b'*') {
        p += 1;
    }
    p == pattern.len()
}

/// Returns whether `pattern` contains the wildcard `*`.
pub(crate) fn has_wildcard(pattern: &str) -> bool {
    pattern.contains('*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_patterns_match_exactly() {
        assert!(wildcard_match("", ""));
        assert!(!wildcard_match("", "a"));
        assert!(!wildcard_match("a", ""));
        assert!(wildcard_match("abc", "abc"));
        assert!(!wildcard_match("abc", "abd"));
        assert!(!wildcard_match("abc", "abcd"));
    }

    #[test]
    fn star_matches_any_run_including_slash_and_empty() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("*", "a/b/c"));
        assert!(wildcard_match("a*c", "ac"));
        assert!(wildcard_match("a*c", "a/b/c"));
        assert!(wildcard_match("doc/*", "doc/"));
        assert!(!wildcard_match("doc/*", "doc"));
        assert!(wildcard_match("*a*b*", "xxaxxbxx"));
        assert!(!wildcard_match("*a*b*", "xxbxxaxx"));
        assert!(wildcard_match("a**b", "ab"));
    }

    #[test]
    fn backtracking_finds_late_matches() {
        assert!(wildcard_match("*aab", "aaaab"));
        assert!(wildcard_match("a*b*c", "abbbbbbc"));
        assert!(!wildcard_match("a*b*c", "abbbbbb"));
    }

    #[test]
    fn non_ascii_is_matched_by_character() {
        assert!(wildcard_match("文件夹/*", "文件夹/文件名.txt"));
        assert!(wildcard_match("*名.txt", "文件夹/文件名.txt"));
        assert!(!wildcard_match("文件夹/*", "文件/x"));
    }
}

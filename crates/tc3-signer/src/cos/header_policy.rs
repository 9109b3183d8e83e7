//! Which headers are signed, and which header carries the session token.

/// Which request headers go into the signature.
///
/// ```
/// use tc3_signer::cos::HeaderPolicy;
///
/// assert!(HeaderPolicy::Default.signs("Content-Type"));
/// assert!(HeaderPolicy::Default.signs("x-cos-meta-owner"));
/// assert!(!HeaderPolicy::Default.signs("User-Agent"));
/// assert!(HeaderPolicy::All.signs("User-Agent"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HeaderPolicy {
    /// The SDKs' allow-list (spec 1.4): `cache-control`, `content-disposition`,
    /// `content-encoding`, `content-length`, `content-md5`, `content-type`, `expect`,
    /// `expires`, `host`, `if-match`, `if-modified-since`, `if-none-match`,
    /// `if-unmodified-since`, `origin`, `range`, `transfer-encoding`, `pic-operations`, and
    /// every name starting with `x-cos-` or `x-ci-`. `date` is not in it.
    #[default]
    Default,
    /// Every header given to the signer.
    All,
}

/// Header names the default policy signs (the list of spec 1.4, checked against
/// `is_default_signed` by the tests).
#[cfg(test)]
const DEFAULT_SIGNED: [&str; 17] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-length",
    "content-md5",
    "content-type",
    "expect",
    "expires",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "range",
    "transfer-encoding",
    "pic-operations",
];

impl HeaderPolicy {
    /// Whether a header of this name is signed under this policy. Surrounding whitespace in
    /// `name` is ignored; the comparison is ASCII case-insensitive.
    ///
    /// ```
    /// use tc3_signer::cos::HeaderPolicy;
    ///
    /// assert!(HeaderPolicy::Default.signs(" Host "));
    /// assert!(!HeaderPolicy::Default.signs("Date"));
    /// // A prefix, not a substring (spec section 6, row 2).
    /// assert!(!HeaderPolicy::Default.signs("abc-x-cos-foo"));
    /// ```
    pub fn signs(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Default => {
                let name = name.trim_ascii();
                if starts_with_ignore_case(name, "x-cos-") || starts_with_ignore_case(name, "x-ci-")
                {
                    return true;
                }
                // Lower-case into a stack buffer, then one `match` on the bytes.
                let mut buffer = [0u8; 24];
                let Some(lower) = buffer.get_mut(..name.len()) else {
                    return false; // longer than every listed name
                };
                lower.copy_from_slice(name.as_bytes());
                lower.make_ascii_lowercase();
                is_default_signed(lower)
            }
        }
    }
}

impl HeaderPolicy {
    /// [`HeaderPolicy::signs`] on a canonical name, `lower(UriEncode(trimmed name))`.
    ///
    /// The same answer as on the raw name: the listed names and the `x-cos-` / `x-ci-`
    /// prefixes are unreserved characters only, which encoding keeps as they are, and a
    /// name with an escape (`%`) can match neither the list nor a prefix it does not match
    /// raw.
    pub(crate) fn signs_canonical(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Default => {
                name.starts_with("x-cos-")
                    || name.starts_with("x-ci-")
                    || is_default_signed(name.as_bytes())
            }
        }
    }
}

/// The allow-list of [`HeaderPolicy::Default`], on a lower-case name.
fn is_default_signed(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"cache-control"
            | b"content-disposition"
            | b"content-encoding"
            | b"content-length"
            | b"content-md5"
            | b"content-type"
            | b"expect"
            | b"expires"
            | b"host"
            | b"if-match"
            | b"if-modified-since"
            | b"if-none-match"
            | b"if-unmodified-since"
            | b"origin"
            | b"range"
            | b"transfer-encoding"
            | b"pic-operations"
    )
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Which header (or presigned query parameter) carries a temporary credential's session token.
///
/// ```
/// use tc3_signer::cos::TokenHeader;
///
/// let auto = TokenHeader::Auto;
/// assert_eq!(auto.name_for_host(Some("b-1250000000.cos.ap-beijing.myqcloud.com")), "x-cos-security-token");
/// assert_eq!(auto.name_for_host(Some("b-1250000000.ci.ap-beijing.myqcloud.com")), "x-ci-security-token");
/// assert_eq!(TokenHeader::Ci.name_for_host(None), "x-ci-security-token");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenHeader {
    /// `x-ci-security-token` for Cloud Infinite hosts (`*.ci.<region>.myqcloud.com`),
    /// `x-cos-security-token` otherwise.
    #[default]
    Auto,
    /// Always `x-cos-security-token`.
    Cos,
    /// Always `x-ci-security-token`.
    Ci,
}

impl TokenHeader {
    /// The lower-case header name to use for a request to `host` (port allowed).
    ///
    /// ```
    /// use tc3_signer::cos::TokenHeader;
    ///
    /// assert_eq!(TokenHeader::Cos.name_for_host(Some("x.ci.ap-guangzhou.myqcloud.com")), "x-cos-security-token");
    /// ```
    pub fn name_for_host(&self, host: Option<&str>) -> &'static str {
        const COS: &str = "x-cos-security-token";
        const CI: &str = "x-ci-security-token";
        match self {
            Self::Cos => COS,
            Self::Ci => CI,
            Self::Auto if host.is_some_and(is_ci_host) => CI,
            Self::Auto => COS,
        }
    }
}

/// `*.ci.<region>.myqcloud.com`, case-insensitively, with an optional `:port`.
fn is_ci_host(host: &str) -> bool {
    let host = host.trim_ascii();
    if is_ci_host_name(host) {
        return true;
    }
    // Only hosts with a port reach this slower path.
    if !host.as_bytes().last().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => is_ci_host_name(name),
        _ => false,
    }
}

/// `*.ci.<region>.myqcloud.com[.]` without a port.
fn is_ci_host_name(host: &str) -> bool {
    const DOMAIN: &str = ".myqcloud.com";
    let host = host.strip_suffix('.').unwrap_or(host);
    // Cheap rejection first: nearly every host is a plain `*.cos.*` one.
    let Some(split) = host.len().checked_sub(DOMAIN.len()) else {
        return false;
    };
    let Some((rest, domain)) = host.split_at_checked(split) else {
        return false;
    };
    if domain != DOMAIN && !domain.eq_ignore_ascii_case(DOMAIN) {
        return false;
    }
    // `rest` is `<first…>.ci.<region>`: a non-empty region after the last dot, then a
    // `ci` label, then a non-empty label before it.
    let rest = rest.as_bytes();
    let Some(dot) = rest.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let (before, region) = rest.split_at(dot);
    if region.len() < 2 {
        return false; // only the dot: empty region
    }
    let Some((first, ci)) = before
        .len()
        .checked_sub(3)
        .and_then(|i| before.split_at_checked(i))
    else {
        return false;
    };
    ci.eq_ignore_ascii_case(b".ci") && first.last().is_some_and(|&b| b != b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_host_detection() {
        assert!(is_ci_host(
            "examplebucket-1250000000.ci.ap-beijing.myqcloud.com"
        ));
        assert!(is_ci_host("EXAMPLE.CI.AP-BEIJING.MYQCLOUD.COM:443"));
        assert!(!is_ci_host("ci.ap-beijing.myqcloud.com"));
        assert!(!is_ci_host(
            "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"
        ));
        assert!(!is_ci_host("b.ci.ap-beijing.myqcloud.com.evil.example"));
        assert!(!is_ci_host(""));
        for host in [
            "b.ci.r.myqcloud.com",
            "B.Ci.R.MYQCLOUD.COM.",
            "a.b.ci.r.myqcloud.com:8080",
        ] {
            assert!(is_ci_host(host), "{host}");
        }
        for host in [
            ".ci.r.myqcloud.com",
            "a..ci.r.myqcloud.com",
            "b.ci..myqcloud.com",
            "b.ci.myqcloud.com",
            "bci.r.myqcloud.com",
            "b.xci.r.myqcloud.com",
            "ci.myqcloud.com",
            "r.myqcloud.com",
            "myqcloud.com",
            ".myqcloud.com",
            "b.ci.r.myqcloud.com:",
            "b.ci.r.myqcloud.com:a1",
        ] {
            assert!(!is_ci_host(host), "{host}");
        }
    }

    proptest::proptest! {
        #[test]
        fn canonical_check_matches_the_raw_check(
            name in "[ \t]?(x-cos-|X-Ci-|x-co|Content-|content-md5|host|HOST|range|Date|%|[ a-zA-Z%/:\\-]){0,4}[ \t]?"
        ) {
            let canonical = super::super::canonical::canonical_name(name.trim_ascii().as_bytes());
            for policy in [HeaderPolicy::Default, HeaderPolicy::All] {
                proptest::prop_assert_eq!(policy.signs_canonical(&canonical), policy.signs(&name));
            }
        }
    }

    #[test]
    fn canonical_check_on_listed_names() {
        for name in DEFAULT_SIGNED {
            assert!(HeaderPolicy::Default.signs_canonical(name));
        }
        assert!(HeaderPolicy::Default.signs_canonical("x-cos-meta-a%20b"));
        assert!(!HeaderPolicy::Default.signs_canonical("date"));
        assert!(!HeaderPolicy::Default.signs_canonical("x-co%2d"));
    }

    #[test]
    fn default_policy_list() {
        for name in DEFAULT_SIGNED {
            assert!(HeaderPolicy::Default.signs(&name.to_ascii_uppercase()));
        }
        assert!(HeaderPolicy::Default.signs("X-CI-Workflow"));
        for name in DEFAULT_SIGNED {
            assert!(is_default_signed(name.as_bytes()));
            assert!(name.len() <= 24);
        }
        for name in [
            "date",
            "authorization",
            "user-agent",
            "accept",
            "connection",
            "x-co",
            "x-cos",
            "content-type-but-longer-than-the-buffer",
        ] {
            assert!(!HeaderPolicy::Default.signs(name), "{name}");
        }
    }
}

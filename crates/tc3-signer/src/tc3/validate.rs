//! Small input checks shared by the TC3 signer and verifier.

use crate::SignError;

/// Whether `s` is a non-empty HTTP token (RFC 9110 `tchar`s): valid as a method or header name.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `s` contains an ASCII control character (including CR and LF), which would make a
/// header value or a canonical line ambiguous. HTAB is allowed when `allow_tab`.
pub(crate) fn has_control(s: &str, allow_tab: bool) -> bool {
    s.bytes()
        .any(|b| (b < 0x20 && !(allow_tab && b == b'\t')) || b == 0x7f)
}

/// Trims spaces and horizontal tabs, as HTTP does around header values.
pub(crate) fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Rejects a value that cannot be sent as an HTTP header value.
pub(crate) fn check_header_value(field: &'static str, value: &str) -> Result<(), SignError> {
    if has_control(value, true) {
        return Err(SignError::InvalidInput {
            field,
            reason: "contains a control character".into(),
        });
    }
    Ok(())
}

/// Shortens untrusted text before it is echoed in an error message.
pub(crate) fn excerpt(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", s.get(..cut).unwrap_or_default()),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token("POST"));
        assert!(is_token("x-tc-action"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a;b"));
        assert!(!is_token("ä"));
    }

    #[test]
    fn controls_and_trim() {
        assert!(has_control("a\nb", true));
        assert!(!has_control("a\tb", true));
        assert!(has_control("a\tb", false));
        assert_eq!(trim_ows(" \ta b\t "), "a b");
        assert!(check_header_value("x", "a\r\nb").is_err());
    }

    #[test]
    fn excerpt_truncates_on_char_boundary() {
        let long = "腾".repeat(100);
        let short = excerpt(&long);
        assert_eq!(short.chars().count(), 65);
        assert_eq!(excerpt("abc"), "abc");
    }
}

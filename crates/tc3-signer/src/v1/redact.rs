//! Hiding the session token among V1 parameters before they are shown.

/// The placeholder shown instead of a `Token` value.
const REDACTED: &str = "<redacted>";

/// `params` in their order, with the value of every `Token` parameter replaced by
/// `<redacted>`; for `Debug` output and error messages.
pub(super) fn redact_token(params: &[(String, String)]) -> Vec<(&str, &str)> {
    params
        .iter()
        .map(|(name, value)| match name.as_str() {
            "Token" => (name.as_str(), REDACTED),
            _ => (name.as_str(), value.as_str()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_token_values_are_replaced_and_order_is_kept() {
        let params = vec![
            ("Action".to_owned(), "GetFederationToken".to_owned()),
            ("Token".to_owned(), "session-secret".to_owned()),
            (
                "token".to_owned(),
                "lower-case-is-not-the-parameter".to_owned(),
            ),
        ];
        assert_eq!(
            redact_token(&params),
            vec![
                ("Action", "GetFederationToken"),
                ("Token", "<redacted>"),
                ("token", "lower-case-is-not-the-parameter"),
            ]
        );
    }
}

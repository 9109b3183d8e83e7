//! The demo's narrative: numbered steps with indented details, on standard output.

use std::io::Write as _;

use sts_client::TemporaryCredentials;

/// Width of the step marker column (`[1/8] `), where details are indented to.
pub(crate) const INDENT: usize = 6;

/// Prints numbered steps and their details.
#[derive(Debug)]
pub(crate) struct Narrator {
    step: usize,
    total: usize,
}

impl Narrator {
    /// A narrator of `total` steps.
    pub(crate) fn new(total: usize) -> Self {
        Self { step: 0, total }
    }

    /// Starts the next step.
    pub(crate) fn step(&mut self, title: &str) {
        self.step += 1;
        line(&format!("\n[{}/{}] {title}", self.step, self.total));
    }

    /// A detail line of the current step.
    pub(crate) fn detail(&self, text: &str) {
        line(&format!("{}{text}", " ".repeat(INDENT)));
    }

    /// A line outside the steps.
    pub(crate) fn say(&self, text: &str) {
        line(text);
    }
}

fn line(text: &str) {
    // The narrative is informative: a closed stdout must not abort the checks.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// What may be shown of an issued key: the id, the secret and token redacted, the lifetime.
pub(crate) fn describe_key(issued: &TemporaryCredentials) -> Vec<String> {
    let credential = issued.credential();
    let token_len = credential.token().map_or(0, str::len);
    vec![
        format!("TmpSecretId   {}", credential.secret_id()),
        format!(
            "TmpSecretKey  <redacted, {} characters>",
            credential.secret_key().len()
        ),
        format!("SessionToken  <redacted, {token_len} characters>"),
        format!(
            "valid {} s: StartTime {}, ExpiredTime {} (STS request id {})",
            issued.lifetime_secs(),
            issued.start_time(),
            issued.expired_time(),
            issued.request_id()
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tc3_signer::Credential;

    #[test]
    fn a_described_key_shows_the_id_and_never_the_secrets() {
        let issued = TemporaryCredentials::new(
            Credential::new("AKIDTMP123", "SECRETKEYVALUE").with_token("SESSIONTOKENVALUE"),
            100,
            1900,
            None,
            "req-9",
        );
        let text = describe_key(&issued).join("\n");
        assert!(text.contains("AKIDTMP123"));
        assert!(text.contains("1800 s"));
        assert!(text.contains("req-9"));
        assert!(!text.contains("SECRETKEYVALUE"), "{text}");
        assert!(!text.contains("SESSIONTOKENVALUE"), "{text}");
    }
}

//! How the offline commands end, and the exit status each ending maps to.
//!
//! * `0`: the command succeeded (the policy is clean, the signature verifies, …);
//! * `1`: the command ran and the answer is negative (the policy has errors, the signature
//!   does not verify, the file is not canonical), or the output could not be written;
//! * `2`: the command could not run on its input (a missing or unreadable file, malformed
//!   JSON, an invalid flag value), like clap's usage errors.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// The largest input file read (policies are at most a few KiB, request descriptions too).
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// How a command that ran to completion ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Exit status 0.
    Success,
    /// Exit status 1, with a one-line summary for stderr (details are already printed).
    Negative(String),
}

/// Why a command could not complete.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The input is unusable: exit status 2, like a usage error.
    BadInput(String),
    /// The output could not be written: exit status 1.
    Output(String),
}

impl Failure {
    /// A [`Failure::BadInput`] with `message`.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Self::BadInput(message.into())
    }
}

/// What every offline command returns.
pub(crate) type CommandResult = Result<Outcome, Failure>;

/// Maps a command's result to what `main` expects: `Ok(())` for exit status 0, `Err` (printed
/// by `main`, exit status 1) for a negative answer or an output error. Bad input is reported
/// here and ends the process with exit status 2, the status clap uses for usage errors.
pub(crate) fn finish(result: CommandResult) -> Result<(), String> {
    match result {
        Ok(Outcome::Success) => Ok(()),
        Ok(Outcome::Negative(summary)) | Err(Failure::Output(summary)) => Err(summary),
        Err(Failure::BadInput(message)) => {
            // Nothing useful can be done if stdout or stderr is gone; exit 2 regardless.
            let _ = std::io::stdout().flush();
            let _ = writeln!(std::io::stderr(), "cos-sts: {message}");
            std::process::exit(2)
        }
    }
}

/// Reads a whole input: the file at `source`, or standard input when it is `-`.
/// `what` names the input in error messages ("policy", "request", …).
pub(crate) fn read_input(source: &Path, what: &str) -> Result<String, Failure> {
    let shown = source.display();
    let mut text = String::new();
    let read = if is_stdin(source) {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(source)
            .and_then(|file| file.take(MAX_INPUT_BYTES + 1).read_to_string(&mut text))
    };
    match read {
        Ok(n) if n as u64 > MAX_INPUT_BYTES => Err(Failure::input(format!(
            "the {what} `{shown}` is larger than {MAX_INPUT_BYTES} bytes"
        ))),
        Ok(_) => Ok(text),
        Err(error) => Err(Failure::input(format!(
            "cannot read the {what} `{shown}`: {error}"
        ))),
    }
}

/// Whether `source` names standard input (`-`).
pub(crate) fn is_stdin(source: &Path) -> bool {
    source == Path::new("-")
}

/// Rejects two inputs that both name standard input.
pub(crate) fn one_stdin(sources: &[&PathBuf]) -> Result<(), Failure> {
    if sources.iter().filter(|s| is_stdin(s)).count() > 1 {
        return Err(Failure::input(
            "only one input can be read from standard input (`-`)",
        ));
    }
    Ok(())
}

/// Writes `text` and a final newline to standard output.
pub(crate) fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|()| out.flush())
        .map_err(|error| Failure::Output(format!("cannot write to standard output: {error}")))
}

/// Writes `text` and a final newline to standard error, ignoring failures (diagnostics only).
pub(crate) fn warn(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}

/// Serialises `value` as JSON, indented when `pretty`.
pub(crate) fn to_json<T: serde::Serialize>(value: &T, pretty: bool) -> Result<String, Failure> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map_err(|error| Failure::Output(format!("cannot serialise the output: {error}")))
}

/// Parses a JSON document of type `T`, naming the input in the error.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, Failure> {
    serde_json::from_str(text).map_err(|error| Failure::input(format!("malformed {what}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_output_failures_map_to_err() {
        assert_eq!(finish(Ok(Outcome::Success)), Ok(()));
        assert_eq!(finish(Ok(Outcome::Negative("no".into()))), Err("no".into()));
        assert_eq!(
            finish(Err(Failure::Output("pipe".into()))),
            Err("pipe".into())
        );
    }

    #[test]
    fn missing_file_is_bad_input_naming_the_file() {
        let error = read_input(Path::new("/nonexistent/cos-sts-test.json"), "policy").unwrap_err();
        match error {
            Failure::BadInput(message) => {
                assert!(message.contains("policy"), "{message}");
                assert!(
                    message.contains("/nonexistent/cos-sts-test.json"),
                    "{message}"
                );
            }
            Failure::Output(other) => panic!("{other}"),
        }
    }

    #[test]
    fn two_stdin_inputs_are_rejected() {
        let dash = PathBuf::from("-");
        let file = PathBuf::from("a.json");
        assert!(one_stdin(&[&dash, &file]).is_ok());
        assert!(one_stdin(&[&dash, &dash]).is_err());
    }

    #[test]
    fn malformed_json_names_the_input() {
        let error = parse_json::<serde_json::Value>("{", "request").unwrap_err();
        assert!(matches!(error, Failure::BadInput(m) if m.starts_with("malformed request")));
    }
}

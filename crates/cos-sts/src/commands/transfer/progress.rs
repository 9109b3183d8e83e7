//! Progress of long transfers: a bar on a terminal, a few plain lines otherwise.

use std::io::{IsTerminal as _, Write as _};
use std::sync::{Arc, Mutex};

use cos_client::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::units::human_bytes;

/// Where progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Standard output (the demo's narrative).
    Stdout,
    /// Standard error (commands whose standard output is data or JSON).
    Stderr,
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Self::Stdout => std::io::stdout().is_terminal(),
            Self::Stderr => std::io::stderr().is_terminal(),
        }
    }

    fn write_line(self, line: &str) {
        // Progress is informative only: a closed stream must not fail the transfer.
        let _ = match self {
            Self::Stdout => writeln!(std::io::stdout().lock(), "{line}"),
            Self::Stderr => writeln!(std::io::stderr().lock(), "{line}"),
        };
    }
}

/// A transfer's progress display; [`TransferProgress::finish`] clears the bar.
#[derive(Debug, Clone)]
pub(crate) struct TransferProgress {
    bar: Option<ProgressBar>,
}

/// How many plain lines (one per quarter) a non-terminal gets.
const STEPS: u64 = 4;

impl TransferProgress {
    /// A display of `total` bytes labelled `label` (indented by `indent` spaces), and the
    /// callback to pass to `cos-client`.
    pub(crate) fn new(stream: Stream, label: &str, indent: usize, total: u64) -> (Self, Progress) {
        if stream.is_terminal() {
            let target = match stream {
                Stream::Stdout => ProgressDrawTarget::stdout(),
                Stream::Stderr => ProgressDrawTarget::stderr(),
            };
            let bar = ProgressBar::with_draw_target(Some(total), target);
            let template = format!(
                "{}{{msg}} [{{bar:32.cyan/blue}}] {{bytes}}/{{total_bytes}} {{bytes_per_sec}} eta {{eta}}",
                " ".repeat(indent)
            );
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_owned());
            let shown = bar.clone();
            let callback = Progress::new(move |done, total| {
                shown.set_length(total);
                shown.set_position(done);
            });
            return (Self { bar: Some(bar) }, callback);
        }
        let label = format!("{}{label}", " ".repeat(indent));
        let printed = Arc::new(Mutex::new(0_u64));
        let callback = Progress::new(move |done, total| {
            let Ok(mut printed) = printed.lock() else {
                return;
            };
            let step = done
                .saturating_mul(STEPS)
                .checked_div(total)
                .unwrap_or(STEPS);
            if step > *printed {
                *printed = step;
                stream.write_line(&format!(
                    "{label}: {} of {} ({}%)",
                    human_bytes(done),
                    human_bytes(total),
                    percent(done, total)
                ));
            }
        });
        (Self { bar: None }, callback)
    }

    /// Removes the bar (plain lines stay).
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn percent(done: u64, total: u64) -> u64 {
    done.saturating_mul(100).checked_div(total).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_never_divide_by_zero() {
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(1, 4), 25);
    }
}

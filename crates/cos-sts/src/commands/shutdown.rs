//! Waiting for the operator's request to stop a long-running command.

/// The operator's stop request (SIGINT, or on Unix also SIGTERM), listened for from the
/// moment it is created. Create it before printing a ready line: a signal sent right after
/// the line is then never missed (with the old "install while waiting" order, a quick
/// SIGTERM killed the process before its handler existed).
pub(crate) struct StopSignal {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl StopSignal {
    /// Starts listening. Must be called inside the Tokio runtime.
    pub(crate) fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                terminate: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Completes on the first stop request. Where a handler could not be installed it falls
    /// back to Ctrl-C only.
    pub(crate) async fn received(self) {
        #[cfg(unix)]
        {
            match (self.terminate, self.interrupt) {
                (Some(mut terminate), Some(mut interrupt)) => {
                    tokio::select! {
                        _ = terminate.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                (Some(mut terminate), None) => {
                    tokio::select! {
                        _ = terminate.recv() => {}
                        _ = tokio::signal::ctrl_c() => {}
                    }
                }
                (None, Some(mut interrupt)) => {
                    interrupt.recv().await;
                }
                (None, None) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

//! Errors of starting an emulator.

/// Why an emulator could not start.
///
/// ```
/// let e = cos_emulator::EmulatorError::InvalidConfig { reason: "no bucket".into() };
/// assert!(e.to_string().contains("no bucket"));
/// assert!(!e.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The configuration is inconsistent (bad bucket name, APPID mismatch…).
    #[error("invalid emulator configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// Binding a listener or opening the data directory failed.
    #[error("emulator I/O error while {action}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The data directory holds state the emulator cannot read.
    #[error("corrupt emulator state in the data directory: {reason}")]
    CorruptState {
        /// What could not be read.
        reason: String,
    },
}

impl EmulatorError {
    /// Whether retrying could help: only for I/O errors such as an address in use.
    ///
    /// ```
    /// let e = cos_emulator::EmulatorError::Io {
    ///     action: "binding",
    ///     source: std::io::Error::from(std::io::ErrorKind::AddrInUse),
    /// };
    /// assert!(e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Io { .. })
    }
}

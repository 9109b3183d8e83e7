//! Why a provider could not supply a credential.

use std::time::Duration;

use crate::provider::Declined;

/// Why a provider could not supply a credential. The five categories follow aws-config:
/// only [`CredentialsError::NotLoaded`] (and a chain's [`CredentialsError::ChainExhausted`])
/// lets a `sts_client::provider::ProviderChain` try the next provider.
///
/// ```
/// use cos_core::provider::CredentialsError;
///
/// let error = CredentialsError::not_loaded("TENCENTCLOUD_SECRET_ID is not set");
/// assert!(error.is_not_loaded());
/// assert!(!error.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The provider is not configured here; a chain continues with the next provider.
    #[error("credentials not loaded: {reason}")]
    NotLoaded {
        /// Why (for example which variable or file is missing).
        reason: String,
    },
    /// Every provider of a chain declined.
    #[error(
        "no provider in the chain supplied credentials: {}",
        Declined::summary(attempts)
    )]
    ChainExhausted {
        /// Why each provider declined, in order.
        attempts: Vec<Declined>,
    },
    /// The provider did not answer in time.
    #[error("credential provider timed out after {0:?}")]
    ProviderTimedOut(Duration),
    /// The provider is configured, but wrongly (half-set variables, unreadable file…).
    #[error("invalid credential configuration: {reason}")]
    InvalidConfiguration {
        /// What is wrong.
        reason: String,
    },
    /// The provider failed in a normal way (an STS error, a 503 from the metadata server…).
    #[error("credential provider {provider} failed: {message}")]
    ProviderError {
        /// The provider name.
        provider: &'static str,
        /// What happened (never contains secrets).
        message: String,
        /// Whether trying again later may succeed.
        retryable: bool,
    },
    /// The provider answered something that could not be understood.
    #[error("unexpected response from credential provider {provider}: {message}")]
    Unhandled {
        /// The provider name.
        provider: &'static str,
        /// What could not be understood.
        message: String,
    },
}

impl CredentialsError {
    /// Shorthand for [`CredentialsError::NotLoaded`].
    ///
    /// ```
    /// assert!(cos_core::provider::CredentialsError::not_loaded("x").is_not_loaded());
    /// ```
    pub fn not_loaded(reason: impl Into<String>) -> Self {
        Self::NotLoaded {
            reason: reason.into(),
        }
    }

    /// Shorthand for [`CredentialsError::InvalidConfiguration`].
    ///
    /// ```
    /// let e = cos_core::provider::CredentialsError::invalid("half set");
    /// assert!(!e.is_not_loaded());
    /// ```
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::InvalidConfiguration {
            reason: reason.into(),
        }
    }

    /// Whether a chain should continue with the next provider.
    ///
    /// ```
    /// assert!(!cos_core::provider::CredentialsError::invalid("x").is_not_loaded());
    /// ```
    pub fn is_not_loaded(&self) -> bool {
        matches!(self, Self::NotLoaded { .. } | Self::ChainExhausted { .. })
    }

    /// Whether trying again later may succeed (time-outs and retryable provider failures).
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = cos_core::provider::CredentialsError::ProviderTimedOut(Duration::from_secs(1));
    /// assert!(e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::ProviderTimedOut(_) => true,
            Self::ProviderError { retryable, .. } => *retryable,
            _ => false,
        }
    }
}

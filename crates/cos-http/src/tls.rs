//! The rustls crypto provider of every HTTPS client in the workspace.

use std::sync::Arc;

/// Why no TLS configuration could be built.
///
/// ```
/// let error = cos_http::TlsError("no provider".into());
/// assert!(error.to_string().contains("no provider"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLS configuration: {0}")]
pub struct TlsError(pub String);

/// The rustls [`CryptoProvider`](rustls::crypto::CryptoProvider) of the workspace's HTTPS
/// clients (`sts-client`'s and `cos-client`'s), chosen as rustls asks libraries to: the process
/// default the application installed with `CryptoProvider::install_default`, else the provider
/// rustls' crate features name (*ring* in this workspace), which rustls installs as the
/// default. No deprecated constructor is called.
///
/// # Errors
/// [`TlsError`] when no provider is installed and rustls' features name none or several (an
/// application that compiles in both *ring* and aws-lc-rs must install one); rustls' panic in
/// that case is caught and turned into this error.
///
/// ```
/// let provider = cos_http::crypto_provider()?;
/// assert!(!provider.cipher_suites.is_empty());
/// // The same provider every time: it is the process default from now on.
/// assert!(std::sync::Arc::ptr_eq(&provider, &cos_http::crypto_provider()?));
/// # Ok::<(), cos_http::TlsError>(())
/// ```
pub fn crypto_provider() -> Result<Arc<rustls::crypto::CryptoProvider>, TlsError> {
    if let Some(installed) = rustls::crypto::CryptoProvider::get_default() {
        return Ok(Arc::clone(installed));
    }
    std::panic::catch_unwind(|| Arc::clone(rustls::ClientConfig::builder().crypto_provider()))
        .map_err(|_| {
            TlsError(
                "rustls cannot choose a crypto provider (its crate features name none or \
                 several); call rustls::crypto::CryptoProvider::install_default first"
                    .into(),
            )
        })
}

//! A tower [`Layer`] that signs every outgoing `http::Request` for COS (feature `tower`).
//!
//! [`CosSigningLayer`] wraps any tower `Service<http::Request<B>>` (a hyper, tonic or axum
//! client, or reqwest through a `service_fn`) and, before each call, signs the request in
//! place with [`Signer::sign_http_in_place`]: `Authorization`, the session token header and
//! `Host` when missing. The credential comes from a [`CredentialSource`] (a fixed
//! credential, or a closure reading the current one of a refreshing provider) and the time
//! from a clock function the user gives: the crate still never reads the clock itself.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use tc3_signer::Credential;
//! use tc3_signer::layer::CosSigningLayer;
//! use tower_layer::Layer;
//! use tower_service::Service;
//!
//! # #[derive(Clone)] struct Send;
//! # impl Service<http::Request<()>> for Send {
//! #     type Response = http::Request<()>;
//! #     type Error = std::convert::Infallible;
//! #     type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
//! #     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> { std::task::Poll::Ready(Ok(())) }
//! #     fn call(&mut self, request: http::Request<()>) -> Self::Future { std::future::ready(Ok(request)) }
//! # }
//! let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), SystemTime::now)
//!     .validity(Duration::from_secs(300));
//! let mut client = layer.layer(Send); // any Service<http::Request<B>>
//! let request = http::Request::get("https://b-1250000000.cos.ap-guangzhou.myqcloud.com/a.txt")
//!     .body(())?;
//! let _signed_and_sent = client.call(request);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::{Either, MapErr, Ready, TryFutureExt, ready};
use tower_layer::Layer;
use tower_service::Service;

use crate::Credential;
use crate::cos::{HeaderPolicy, KeyTime, Signer, TokenHeader};

/// The error type of [`CosSigningService`]: a signing failure or the inner service's error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where the layer gets the credential for each request.
///
/// Implemented by [`FixedCredential`] and by any `Fn() -> Result<Arc<Credential>, BoxError>`
/// closure (for example one reading the current snapshot of a refreshing provider).
///
/// ```
/// use std::sync::Arc;
/// use tc3_signer::Credential;
/// use tc3_signer::layer::CredentialSource;
///
/// let current = Arc::new(Credential::new("AKID", "secret"));
/// let source = move || Ok(Arc::clone(&current));
/// assert_eq!(source.credential()?.secret_id(), "AKID");
/// # Ok::<(), tc3_signer::layer::BoxError>(())
/// ```
pub trait CredentialSource {
    /// The credential to sign the next request with.
    ///
    /// # Errors
    /// Whatever keeps the source from having a credential now; the request is not sent.
    ///
    /// ```
    /// use tc3_signer::{Credential, layer::{CredentialSource, FixedCredential}};
    /// let source = FixedCredential::new(Credential::new("AKID", "secret"));
    /// assert_eq!(source.credential()?.secret_id(), "AKID");
    /// # Ok::<(), tc3_signer::layer::BoxError>(())
    /// ```
    fn credential(&self) -> Result<Arc<Credential>, BoxError>;
}

impl<F> CredentialSource for F
where
    F: Fn() -> Result<Arc<Credential>, BoxError>,
{
    fn credential(&self) -> Result<Arc<Credential>, BoxError> {
        self()
    }
}

/// One credential for every request (a permanent key, or a temporary key for its lifetime).
///
/// ```
/// use tc3_signer::{Credential, layer::FixedCredential};
/// let source = FixedCredential::new(Credential::new("AKID", "secret").with_token("token"));
/// assert!(!format!("{source:?}").contains("secret\""));
/// ```
#[derive(Debug, Clone)]
pub struct FixedCredential(Arc<Credential>);

impl FixedCredential {
    /// Wraps `credential`.
    ///
    /// ```
    /// let _ = tc3_signer::layer::FixedCredential::new(tc3_signer::Credential::new("AKID", "key"));
    /// ```
    pub fn new(credential: Credential) -> Self {
        Self(Arc::new(credential))
    }
}

impl CredentialSource for FixedCredential {
    fn credential(&self) -> Result<Arc<Credential>, BoxError> {
        Ok(Arc::clone(&self.0))
    }
}

/// What the layer and its services share.
#[derive(Clone)]
struct Shared<S, C> {
    source: S,
    clock: C,
    validity: Duration,
    header_policy: HeaderPolicy,
    token_header: TokenHeader,
}

/// A tower [`Layer`] signing each request for COS (`q-sign-algorithm=sha1` in the
/// `Authorization` header), re-signed at every call so that retries and refreshed keys get
/// a fresh signature.
///
/// ```
/// use std::time::SystemTime;
/// use tc3_signer::{Credential, layer::CosSigningLayer};
/// let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), SystemTime::now);
/// # let _ = layer;
/// ```
pub struct CosSigningLayer<S, C> {
    shared: Arc<Shared<S, C>>,
}

impl<C> CosSigningLayer<FixedCredential, C>
where
    C: Fn() -> SystemTime,
{
    /// Signs every request with `credential` at the time `clock` returns.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use tc3_signer::{Credential, layer::CosSigningLayer};
    /// // A fixed clock, as in tests.
    /// let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), || {
    ///     SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    /// });
    /// # let _ = layer;
    /// ```
    pub fn fixed(credential: Credential, clock: C) -> Self {
        Self::new(FixedCredential::new(credential), clock)
    }
}

impl<S, C> CosSigningLayer<S, C>
where
    S: CredentialSource,
    C: Fn() -> SystemTime,
{
    /// Signs every request with the credential `source` gives at that moment, at the time
    /// `clock` returns. Default options: signatures valid 15 minutes (back-dated as
    /// [`KeyTime::starting_at`] does), the SDKs' header allow-list, the token header by host.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::SystemTime;
    /// use tc3_signer::{Credential, layer::CosSigningLayer};
    /// let current = Arc::new(Credential::new("AKID", "secret").with_token("token"));
    /// let layer = CosSigningLayer::new(move || Ok(Arc::clone(&current)), SystemTime::now);
    /// # let _ = layer;
    /// ```
    pub fn new(source: S, clock: C) -> Self {
        Self {
            shared: Arc::new(Shared {
                source,
                clock,
                validity: Duration::from_secs(900),
                header_policy: HeaderPolicy::default(),
                token_header: TokenHeader::default(),
            }),
        }
    }
}

/// The options; set before the layer is shared (a clone taken earlier keeps its own).
impl<S, C> CosSigningLayer<S, C>
where
    S: CredentialSource + Clone,
    C: Fn() -> SystemTime + Clone,
{
    /// How long each signature stays valid after the clock's time.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use tc3_signer::{Credential, layer::CosSigningLayer};
    /// let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), SystemTime::now)
    ///     .validity(Duration::from_secs(60));
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn validity(self, validity: Duration) -> Self {
        self.map(|shared| shared.validity = validity)
    }

    /// Chooses which headers are signed (see [`Signer::header_policy`]).
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use tc3_signer::{Credential, cos::HeaderPolicy, layer::CosSigningLayer};
    /// let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), SystemTime::now)
    ///     .header_policy(HeaderPolicy::All);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn header_policy(self, policy: HeaderPolicy) -> Self {
        self.map(|shared| shared.header_policy = policy)
    }

    /// Chooses the session token header (see [`Signer::token_header`]).
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use tc3_signer::{Credential, cos::TokenHeader, layer::CosSigningLayer};
    /// let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), SystemTime::now)
    ///     .token_header(TokenHeader::Cos);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn token_header(self, token_header: TokenHeader) -> Self {
        self.map(|shared| shared.token_header = token_header)
    }

    fn map(mut self, change: impl FnOnce(&mut Shared<S, C>)) -> Self {
        // Copied on write: a clone of the layer taken earlier keeps its own options.
        change(Arc::make_mut(&mut self.shared));
        self
    }
}

impl<S, C> Clone for CosSigningLayer<S, C> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S, C> fmt::Debug for CosSigningLayer<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosSigningLayer")
            .field("validity", &self.shared.validity)
            .field("header_policy", &self.shared.header_policy)
            .field("token_header", &self.shared.token_header)
            .finish_non_exhaustive()
    }
}

impl<Inner, S, C> Layer<Inner> for CosSigningLayer<S, C> {
    type Service = CosSigningService<Inner, S, C>;

    fn layer(&self, inner: Inner) -> Self::Service {
        CosSigningService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`CosSigningLayer`] makes: signs, then calls the inner service.
///
/// ```
/// use std::time::SystemTime;
/// use tc3_signer::{Credential, layer::CosSigningLayer};
/// use tower_layer::Layer;
/// let service = CosSigningLayer::fixed(Credential::new("AKID", "secret"), SystemTime::now)
///     .layer(()); // usually a client service
/// # let _ = service;
/// ```
pub struct CosSigningService<Inner, S, C> {
    inner: Inner,
    shared: Arc<Shared<S, C>>,
}

impl<Inner: Clone, S, C> Clone for CosSigningService<Inner, S, C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<Inner: fmt::Debug, S, C> fmt::Debug for CosSigningService<Inner, S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosSigningService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<Inner, S, C> CosSigningService<Inner, S, C>
where
    S: CredentialSource,
    C: Fn() -> SystemTime,
{
    fn sign<B>(&self, request: &mut http::Request<B>) -> Result<(), BoxError> {
        let shared = &*self.shared;
        let credential = shared.source.credential()?;
        let now = (shared.clock)()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| "the clock is before 1970")?
            .as_secs();
        Signer::new(&credential)
            .header_policy(shared.header_policy)
            .token_header(shared.token_header)
            .sign_http_in_place(request, KeyTime::starting_at(now, shared.validity))?;
        Ok(())
    }
}

impl<Inner, S, C, B, R> Service<http::Request<B>> for CosSigningService<Inner, S, C>
where
    Inner: Service<http::Request<B>, Response = R>,
    Inner::Error: Into<BoxError>,
    S: CredentialSource,
    C: Fn() -> SystemTime,
{
    type Response = R;
    type Error = BoxError;
    type Future =
        Either<Ready<Result<R, BoxError>>, MapErr<Inner::Future, fn(Inner::Error) -> BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        match self.sign(&mut request) {
            Ok(()) => Either::Right(self.inner.call(request).map_err(Into::into as fn(_) -> _)),
            Err(error) => Either::Left(ready(Err(error))),
        }
    }
}

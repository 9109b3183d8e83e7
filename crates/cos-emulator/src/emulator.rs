//! A running emulator.

use crate::builder::EmulatorBuilder;
use crate::error::EmulatorError;
use crate::faults::Faults;
use crate::state::State;
use std::net::SocketAddr;
use std::sync::Arc;
use tc3_signer::Credential;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running STS + COS emulator. COS and STS listen on two separate ports.
///
/// Dropping it without [`Emulator::shutdown`] stops accepting connections too.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
/// let emulator = cos_emulator::Emulator::builder().bucket("photos").start().await?;
/// assert_eq!(emulator.buckets(), ["photos-1250000000"]);
/// assert_eq!(emulator.appid(), "1250000000");
/// assert_ne!(emulator.cos_endpoint(), emulator.sts_endpoint());
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Emulator {
    state: Arc<State>,
    cos_addr: SocketAddr,
    sts_addr: SocketAddr,
    ca_cert_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("cos_addr", &self.cos_addr)
            .field("sts_addr", &self.sts_addr)
            .field("region", &self.state.cos.region)
            .field("buckets", &self.state.cos.buckets)
            .field("root", &self.state.identities.root)
            .finish()
    }
}

impl Emulator {
    /// Options for a new emulator.
    ///
    /// ```
    /// let builder = cos_emulator::Emulator::builder().region("ap-beijing");
    /// ```
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    pub(crate) fn spawn(
        state: Arc<State>,
        cos_listener: TcpListener,
        sts_listener: TcpListener,
        tls: Option<crate::tls::Tls>,
    ) -> Result<Self, EmulatorError> {
        let io = |source| EmulatorError::Io {
            action: "reading the bound address",
            source,
        };
        let cos_addr = cos_listener.local_addr().map_err(io)?;
        let sts_addr = sts_listener.local_addr().map_err(io)?;
        let (shutdown, rx) = watch::channel(false);
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        // Every request passes the admin API's dispatcher first (`/_emulator/…`), which logs
        // COS and STS requests on their way to their handlers.
        use crate::admin::{Listener, intercept};
        let cos_state = state.clone();
        let header_timeout = state.limits.header_timeout;
        let cos = tokio::spawn(crate::http::serve(
            cos_listener,
            rx.clone(),
            header_timeout,
            state.link.clone(),
            acceptor.clone(),
            move |remote, req| {
                intercept(
                    cos_state.clone(),
                    Listener::Cos,
                    remote,
                    req,
                    crate::cos::handle,
                )
            },
        ));
        let sts_state = state.clone();
        let sts = tokio::spawn(crate::http::serve(
            sts_listener,
            rx,
            header_timeout,
            None,
            acceptor,
            move |remote, req| {
                intercept(
                    sts_state.clone(),
                    Listener::Sts,
                    remote,
                    req,
                    crate::sts::handle,
                )
            },
        ));
        Ok(Self {
            state,
            cos_addr,
            sts_addr,
            ca_cert_pem: tls.map(|t| t.ca_pem),
            shutdown,
            tasks: vec![cos, sts],
        })
    }

    /// Base URL of the COS XML API, e.g. `http://127.0.0.1:41234`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert_eq!(e.cos_endpoint(), format!("http://{}", e.cos_addr()));
    /// # Ok(()) }
    /// ```
    pub fn cos_endpoint(&self) -> String {
        format!("{}://{}", self.scheme(), self.cos_addr)
    }

    fn scheme(&self) -> &'static str {
        if self.ca_cert_pem.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Base URL of the STS API 3.0 endpoint, e.g. `http://127.0.0.1:41235`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert_eq!(e.sts_endpoint(), format!("http://{}", e.sts_addr()));
    /// # Ok(()) }
    /// ```
    pub fn sts_endpoint(&self) -> String {
        format!("{}://{}", self.scheme(), self.sts_addr)
    }

    /// The COS listener's address.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert!(e.cos_addr().ip().is_loopback());
    /// # Ok(()) }
    /// ```
    pub fn cos_addr(&self) -> SocketAddr {
        self.cos_addr
    }

    /// The STS listener's address.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert_ne!(e.sts_addr().port(), 0);
    /// # Ok(()) }
    /// ```
    pub fn sts_addr(&self) -> SocketAddr {
        self.sts_addr
    }

    /// The root account's permanent key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().root_key("AKIDROOT", "secret").start().await?;
    /// assert_eq!(e.root_credential().secret_id(), "AKIDROOT");
    /// # Ok(()) }
    /// ```
    pub fn root_credential(&self) -> Credential {
        self.state.identities.root.clone()
    }

    /// The APPID.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().appid("1300000001").start().await?;
    /// assert_eq!(e.appid(), "1300000001");
    /// # Ok(()) }
    /// ```
    pub fn appid(&self) -> &str {
        &self.state.cos.appid
    }

    /// How PUT Object and Upload Part compute ETags.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert_eq!(e.etag_mode(), cos_emulator::EtagMode::Md5);
    /// # Ok(()) }
    /// ```
    pub fn etag_mode(&self) -> crate::EtagMode {
        self.state.cos.etag_mode
    }

    /// The region.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().region("ap-beijing").start().await?;
    /// assert_eq!(e.region(), "ap-beijing");
    /// # Ok(()) }
    /// ```
    pub fn region(&self) -> &str {
        &self.state.cos.region
    }

    /// The root account's UIN.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert_eq!(e.owner_uin(), "100000000001");
    /// # Ok(()) }
    /// ```
    pub fn owner_uin(&self) -> &str {
        &self.state.identities.owner_uin
    }

    /// The buckets (`name-appid`); the first is the default bucket.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().bucket("a").bucket("b").start().await?;
    /// assert_eq!(e.buckets(), ["a-1250000000", "b-1250000000"]);
    /// # Ok(()) }
    /// ```
    pub fn buckets(&self) -> &[String] {
        &self.state.cos.buckets
    }

    /// Replaces the fault-injection settings of the running emulator.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// e.set_faults(cos_emulator::Faults::none().slow_down(1.0));
    /// assert_eq!(e.faults().slow_down_share(), 1.0);
    /// # Ok(()) }
    /// ```
    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut current) = self.state.faults.write() {
            *current = faults;
        }
    }

    /// The current fault-injection settings.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert!(e.faults().is_none());
    /// # Ok(()) }
    /// ```
    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// The PEM of the certificate authority that signed the HTTPS certificate, when started
    /// with [`EmulatorBuilder::https`]; clients trust it to reach the emulator.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert!(e.ca_cert_pem().is_none());
    /// # Ok(()) }
    /// ```
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.ca_cert_pem.as_deref()
    }

    /// The bearer token of the admin API (`Authorization: Bearer <token>` on
    /// `/_emulator/…`, from loopback clients only).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert!(e.admin_token().len() >= 32);
    /// # Ok(()) }
    /// ```
    pub fn admin_token(&self) -> &str {
        self.state.admin.token()
    }

    /// Moves the emulator's clock: it runs `seconds` ahead of the host (negative: behind).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// e.set_clock_offset(3600);
    /// assert_eq!(e.clock_offset(), 3600);
    /// # Ok(()) }
    /// ```
    pub fn set_clock_offset(&self, seconds: i64) {
        self.state.clock.set_offset(seconds);
    }

    /// How many seconds the emulator's clock runs ahead of the host.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().clock_offset(-5).start().await?;
    /// assert_eq!(e.clock_offset(), -5);
    /// # Ok(()) }
    /// ```
    pub fn clock_offset(&self) -> i64 {
        self.state.clock.offset()
    }

    /// The latest COS requests (up to 10 000): caller key, authorization decisions, status.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert!(e.access_log().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn access_log(&self) -> Vec<crate::AccessRecord> {
        self.state.admin.access.snapshot()
    }

    /// The latest STS calls (up to 10 000): action, caller key, error code, issued key id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// assert!(e.sts_calls().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn sts_calls(&self) -> Vec<crate::StsCallRecord> {
        self.state.admin.sts_calls.snapshot()
    }

    /// Brings the emulator back to its start, as `POST /_emulator/reset` does: every bucket
    /// emptied, open uploads aborted, buckets created at run time deleted, the configured
    /// buckets' ACL, tags, CORS and policy as at start-up, issued temporary keys forgotten,
    /// logs cleared, faults removed, the clock back at its configured offset. The root key
    /// stays.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().clock_offset(7).start().await?;
    /// e.set_clock_offset(100);
    /// e.reset()?;
    /// assert_eq!(e.clock_offset(), 7);
    /// # Ok(()) }
    /// ```
    pub fn reset(&self) -> Result<(), EmulatorError> {
        crate::admin::reset(&self.state)
            .map(|_| ())
            .map_err(|reason| EmulatorError::CorruptState { reason })
    }

    /// Stops accepting connections, lets in-flight requests finish (up to 10 s), and waits
    /// for both listeners to close.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().start().await?;
    /// let addr = e.cos_addr();
    /// e.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_output_hides_the_root_secret() {
        let emulator = Emulator::builder()
            .root_key("AKIDVISIBLE", "ROOTSECRETVALUE")
            .start()
            .await
            .unwrap();
        let shown = format!("{emulator:?} {emulator:#?}");
        assert!(shown.contains("AKIDVISIBLE"));
        assert!(!shown.contains("ROOTSECRETVALUE"));
        emulator.shutdown().await;
    }
}

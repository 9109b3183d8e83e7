//! A loopback HTTP `CONNECT` proxy that records the targets it was asked for.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The most a request head may be before the proxy gives up on it.
const MAX_HEAD: usize = 16 * 1024;

/// A `CONNECT` proxy on a free loopback port. Each tunnel is opened to `upstream` whatever
/// host the client named (so a client can address a real-looking COS host and still reach a
/// local emulator); every target asked for is recorded. Anything but `CONNECT` is answered
/// 405. Stops when dropped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let proxy = test_servers::ConnectProxy::start(upstream.local_addr().unwrap()).await;
/// let mut client = tokio::net::TcpStream::connect(proxy.addr()).await.unwrap();
/// client.write_all(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").await.unwrap();
/// let mut answer = [0u8; 12];
/// client.read_exact(&mut answer).await.unwrap();
/// assert_eq!(&answer, b"HTTP/1.1 200");
/// assert_eq!(proxy.targets(), ["example.com:443"]);
/// # }
/// ```
#[derive(Debug)]
pub struct ConnectProxy {
    addr: SocketAddr,
    targets: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl ConnectProxy {
    /// Starts the proxy; every tunnel leads to `upstream`.
    ///
    /// # Panics
    /// When no loopback port can be bound (a test environment problem).
    pub async fn start(upstream: SocketAddr) -> Self {
        #[allow(clippy::expect_used)]
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        #[allow(clippy::expect_used)]
        let addr = listener.local_addr().expect("local address");
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = tunnel(stream, upstream, seen).await;
                });
            }
        });
        Self {
            addr,
            targets,
            task,
        }
    }

    /// The proxy's address.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let proxy = test_servers::ConnectProxy::start("127.0.0.1:9".parse().unwrap()).await;
    /// assert!(proxy.addr().ip().is_loopback());
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy as a URL (`http://127.0.0.1:port`), for `HTTPS_PROXY` and the like.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let proxy = test_servers::ConnectProxy::start("127.0.0.1:9".parse().unwrap()).await;
    /// assert!(proxy.url().starts_with("http://127.0.0.1:"));
    /// # }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `host:port` targets asked for so far, in order.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let proxy = test_servers::ConnectProxy::start("127.0.0.1:9".parse().unwrap()).await;
    /// assert!(proxy.targets().is_empty());
    /// # }
    /// ```
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().map(|t| t.clone()).unwrap_or_default()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request head (bounded in size and time), opens the tunnel and splices.
async fn tunnel(
    mut client: TcpStream,
    upstream: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), client.read(&mut buf))
            .await
            .map_err(|_| std::io::Error::other("head timeout"))??;
        if n == 0 || head.len() > MAX_HEAD {
            return Ok(());
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&head);
    let mut words = text.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    if let Ok(mut targets) = seen.lock() {
        targets.push(target.to_owned());
    }
    let mut server = TcpStream::connect(upstream).await?;
    client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}

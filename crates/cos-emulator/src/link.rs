//! Link shaping: a network link with round-trip time and bandwidth limits, emulated in the
//! server by wrapping each accepted COS connection (kernel traffic shaping is not available
//! everywhere, and a shaped server needs no privileges).
//!
//! * **Bandwidth:** a token bucket per connection and direction (`per-conn`) and one shared by
//!   all connections per direction (`total`); a read or write waits until both buckets allow
//!   it, so a connection never exceeds its own rate and all of them together never exceed the
//!   aggregate. The buckets run in debt: a chunk is taken whole and the next waits for the
//!   debt to be repaid, so timer granularity costs no throughput.
//! * **Round-trip time:** each request (the first bytes the server reads after it last wrote,
//!   or after accepting) is held back for one `rtt` from the moment it arrives, which is what
//!   one request/response exchange costs on a link with that round trip; the first request
//!   of a connection pays one more `rtt` for the TCP handshake.

use std::fmt;
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Largest chunk read or written in one go on a shaped connection.
const MAX_CHUNK: usize = 64 * 1024;

/// The shape of an emulated network link (see [`EmulatorBuilder::link`](crate::EmulatorBuilder::link)):
/// added round-trip time, bandwidth per connection and direction, aggregate bandwidth per
/// direction. Parsed from and displayed as `rtt=30ms,per-conn=40MiB/s,total=320MiB/s` (any
/// subset, in any order; rates in `B/s`, `KiB/s`, `MiB/s`, `GiB/s`, `KB/s`, `MB/s`, `GB/s`,
/// times in `us`, `ms`, `s`).
///
/// ```
/// use cos_emulator::Link;
/// use std::time::Duration;
///
/// let link: Link = "rtt=30ms,per-conn=40MiB/s,total=320MiB/s".parse()?;
/// assert_eq!(link.rtt_value(), Duration::from_millis(30));
/// assert_eq!(link.per_connection_value(), Some(40 << 20));
/// assert_eq!(link.to_string(), "rtt=30ms,per-conn=40MiB/s,total=320MiB/s");
/// assert_eq!(Link::default().rtt(Duration::from_millis(5)).to_string(), "rtt=5ms");
/// # Ok::<(), cos_emulator::LinkParseError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct Link {
    rtt: Duration,
    per_connection: Option<u64>,
    total: Option<u64>,
}

impl Link {
    /// Added round-trip time per request/response exchange (default none).
    ///
    /// ```
    /// let link = cos_emulator::Link::default().rtt(std::time::Duration::from_millis(50));
    /// # let _ = link;
    /// ```
    pub fn rtt(mut self, rtt: Duration) -> Self {
        self.rtt = rtt;
        self
    }

    /// Bandwidth of each connection in each direction, bytes per second (default unlimited;
    /// 0 means unlimited).
    ///
    /// ```
    /// let link = cos_emulator::Link::default().per_connection(20 << 20);
    /// # let _ = link;
    /// ```
    pub fn per_connection(mut self, bytes_per_second: u64) -> Self {
        self.per_connection = Some(bytes_per_second).filter(|&r| r > 0);
        self
    }

    /// Bandwidth of all connections together in each direction, bytes per second (default
    /// unlimited; 0 means unlimited).
    ///
    /// ```
    /// let link = cos_emulator::Link::default().total(320 << 20);
    /// # let _ = link;
    /// ```
    pub fn total(mut self, bytes_per_second: u64) -> Self {
        self.total = Some(bytes_per_second).filter(|&r| r > 0);
        self
    }

    /// The added round-trip time.
    ///
    /// ```
    /// assert!(cos_emulator::Link::default().rtt_value().is_zero());
    /// ```
    pub fn rtt_value(&self) -> Duration {
        self.rtt
    }

    /// The per-connection bandwidth, bytes per second, if limited.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Link::default().per_connection_value(), None);
    /// ```
    pub fn per_connection_value(&self) -> Option<u64> {
        self.per_connection
    }

    /// The aggregate bandwidth, bytes per second, if limited.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Link::default().total(1000).total_value(), Some(1000));
    /// ```
    pub fn total_value(&self) -> Option<u64> {
        self.total
    }

    /// Whether the link shapes nothing (no RTT, no limit).
    ///
    /// ```
    /// assert!(cos_emulator::Link::default().is_unshaped());
    /// ```
    pub fn is_unshaped(&self) -> bool {
        self.rtt.is_zero() && self.per_connection.is_none() && self.total.is_none()
    }
}

/// Why a link description did not parse.
///
/// ```
/// let error = "rtt=fast".parse::<cos_emulator::Link>().unwrap_err();
/// assert!(error.to_string().contains("rtt=fast"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("link `{field}`: {reason} (expected e.g. rtt=30ms,per-conn=40MiB/s,total=320MiB/s)")]
pub struct LinkParseError {
    field: String,
    reason: &'static str,
}

impl FromStr for Link {
    type Err = LinkParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut link = Link::default();
        for field in text.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let error = |reason| LinkParseError {
                field: field.to_owned(),
                reason,
            };
            let (name, value) = field
                .split_once('=')
                .ok_or_else(|| error("expected NAME=VALUE"))?;
            match name.trim() {
                "rtt" => {
                    link.rtt = parse_duration(value.trim()).ok_or_else(|| error("bad time"))?
                }
                "per-conn" => {
                    link = link
                        .per_connection(parse_rate(value.trim()).ok_or_else(|| error("bad rate"))?);
                }
                "total" => {
                    link = link.total(parse_rate(value.trim()).ok_or_else(|| error("bad rate"))?)
                }
                _ => return Err(error("unknown name: rtt, per-conn or total")),
            }
        }
        Ok(link)
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut fields = Vec::new();
        if !self.rtt.is_zero() {
            let micros = self.rtt.as_micros();
            fields.push(if micros.is_multiple_of(1000) {
                format!("rtt={}ms", micros / 1000)
            } else {
                format!("rtt={micros}us")
            });
        }
        if let Some(rate) = self.per_connection {
            fields.push(format!("per-conn={}", format_rate(rate)));
        }
        if let Some(rate) = self.total {
            fields.push(format!("total={}", format_rate(rate)));
        }
        f.write_str(&fields.join(","))
    }
}

fn parse_duration(text: &str) -> Option<Duration> {
    let (number, scale) = [("us", 1e-6), ("ms", 1e-3), ("s", 1.0)]
        .into_iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, scale)))?;
    let seconds = number.trim().parse::<f64>().ok()? * scale;
    Duration::try_from_secs_f64(seconds).ok()
}

fn parse_rate(text: &str) -> Option<u64> {
    let text = text.strip_suffix("/s")?;
    let units: [(&str, f64); 7] = [
        ("KiB", 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("KB", 1e3),
        ("MB", 1e6),
        ("GB", 1e9),
        ("B", 1.0),
    ];
    let (number, scale) = units
        .into_iter()
        .find_map(|(unit, scale)| text.strip_suffix(unit).map(|n| (n, scale)))?;
    let rate = number.trim().parse::<f64>().ok()? * scale;
    (0.0..1e18).contains(&rate).then_some(rate as u64)
}

fn format_rate(rate: u64) -> String {
    for (unit, scale) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if rate.is_multiple_of(scale) {
            return format!("{}{unit}/s", rate / scale);
        }
    }
    format!("{rate}B/s")
}

/// A token bucket that runs in debt: `take` always succeeds, and `wait` says how long until
/// the debt is repaid.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: u64) -> Self {
        let rate = rate as f64;
        Self {
            rate,
            // Enough to absorb a timer tick's oversleep without losing throughput.
            burst: (rate * 0.01).max(2.0 * MAX_CHUNK as f64),
            tokens: 0.0,
            last: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = now;
    }

    /// How long until the bucket is out of debt (`None`: now).
    fn wait(&mut self, now: Instant) -> Option<Duration> {
        self.refill(now);
        (self.tokens < 0.0).then(|| Duration::from_secs_f64(-self.tokens / self.rate))
    }

    fn take(&mut self, bytes: usize) {
        self.tokens -= bytes as f64;
    }

    /// A chunk that takes about 2 ms at this rate (at least 4 KiB).
    fn chunk(&self) -> usize {
        ((self.rate * 0.002) as usize).clamp(4096, MAX_CHUNK)
    }
}

/// The buckets of one direction of one connection: its own and the shared one.
#[derive(Debug)]
struct Direction {
    own: Option<Bucket>,
    shared: Option<Arc<Mutex<Bucket>>>,
    sleep: Pin<Box<Sleep>>,
}

impl Direction {
    fn new(link: &Link, shared: Option<Arc<Mutex<Bucket>>>) -> Self {
        Self {
            own: link.per_connection.map(Bucket::new),
            shared,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }

    /// Ready with the most bytes that may pass now, or pending until the buckets allow some.
    fn poll_allowance(&mut self, cx: &mut Context<'_>) -> Poll<usize> {
        loop {
            let now = Instant::now();
            let own = self.own.as_mut().and_then(|b| b.wait(now));
            let shared = self
                .shared
                .as_ref()
                .and_then(|b| b.lock().unwrap_or_else(PoisonError::into_inner).wait(now));
            match own.max(shared) {
                None => break,
                Some(wait) => {
                    self.sleep.as_mut().reset(now + wait);
                    ready!(self.sleep.as_mut().poll(cx));
                }
            }
        }
        let own = self.own.as_ref().map_or(MAX_CHUNK, Bucket::chunk);
        let shared = self.shared.as_ref().map_or(MAX_CHUNK, |b| {
            b.lock().unwrap_or_else(PoisonError::into_inner).chunk()
        });
        Poll::Ready(own.min(shared))
    }

    fn take(&mut self, bytes: usize) {
        if let Some(own) = &mut self.own {
            own.take(bytes);
        }
        if let Some(shared) = &self.shared {
            shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(bytes);
        }
    }
}

/// One link shared by every connection of a listener: the link's shape and its aggregate
/// buckets.
#[derive(Debug, Clone)]
pub(crate) struct Shaper {
    link: Link,
    inbound: Option<Arc<Mutex<Bucket>>>,
    outbound: Option<Arc<Mutex<Bucket>>>,
}

impl Shaper {
    /// A shaper for `link`, or `None` when the link shapes nothing.
    pub(crate) fn new(link: Link) -> Option<Self> {
        if link.is_unshaped() {
            return None;
        }
        let shared = || {
            link.total
                .map(|rate| Arc::new(Mutex::new(Bucket::new(rate))))
        };
        Some(Self {
            link,
            inbound: shared(),
            outbound: shared(),
        })
    }

    /// Wraps an accepted connection.
    pub(crate) fn wrap<S>(shaper: Option<&Self>, inner: S) -> Shaped<S> {
        Shaped {
            inner,
            shaping: shaper.map(|s| {
                Box::new(Shaping {
                    rtt: s.link.rtt,
                    read: Direction::new(&s.link, s.inbound.clone()),
                    write: Direction::new(&s.link, s.outbound.clone()),
                    turn: Turn::Waiting { extra: s.link.rtt },
                    held: Vec::new(),
                    held_from: 0,
                    release: Box::pin(tokio::time::sleep(Duration::ZERO)),
                })
            }),
        }
    }
}

/// Where a connection is in its request/response rhythm.
#[derive(Debug, Clone, Copy)]
enum Turn {
    /// The next bytes read start a request: hold them for one RTT (plus `extra`).
    Waiting { extra: Duration },
    /// A request is being received: its bytes pass without delay.
    Receiving,
}

#[derive(Debug)]
struct Shaping {
    rtt: Duration,
    read: Direction,
    write: Direction,
    turn: Turn,
    /// Bytes of a new request held until `release` fires.
    held: Vec<u8>,
    held_from: usize,
    release: Pin<Box<Sleep>>,
}

/// A connection through a [`Shaper`]'s link (or passed through untouched without one).
#[derive(Debug)]
pub(crate) struct Shaped<S> {
    inner: S,
    shaping: Option<Box<Shaping>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Shaped<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(shaping) = this.shaping.as_deref_mut() else {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        };
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let holding = shaping.held_from < shaping.held.len();
        if let Turn::Waiting { extra } = shaping.turn
            && !shaping.rtt.is_zero()
            && !holding
        {
            // The first bytes of a request: read them, then hold them for the round trip.
            // (Bytes still held from before, say of a body the server answered early, go
            // out first, or the stream would lose them.)
            let mut first = vec![0u8; MAX_CHUNK];
            let mut first_buf = ReadBuf::new(&mut first);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut first_buf))?;
            let n = first_buf.filled().len();
            if n == 0 {
                return Poll::Ready(Ok(())); // end of stream
            }
            first.truncate(n);
            shaping.held = first;
            shaping.held_from = 0;
            let release = Instant::now() + shaping.rtt + extra;
            shaping.release.as_mut().reset(release);
            shaping.turn = Turn::Receiving;
        }
        if shaping.held_from < shaping.held.len() {
            ready!(shaping.release.as_mut().poll(cx));
            let allowed = ready!(shaping.read.poll_allowance(cx));
            let held = shaping.held.get(shaping.held_from..).unwrap_or_default();
            let n = held.len().min(allowed).min(buf.remaining());
            buf.put_slice(held.get(..n).unwrap_or_default());
            shaping.held_from += n;
            shaping.read.take(n);
            if shaping.held_from >= shaping.held.len() {
                shaping.held = Vec::new();
                shaping.held_from = 0;
            }
            return Poll::Ready(Ok(()));
        }
        shaping.turn = Turn::Receiving;
        let allowed = ready!(shaping.read.poll_allowance(cx));
        let limit = allowed.min(buf.remaining());
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(limit));
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut limited))?;
        let n = limited.filled().len();
        buf.advance(n);
        shaping.read.take(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Shaped<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some(shaping) = this.shaping.as_deref_mut() else {
            return Pin::new(&mut this.inner).poll_write(cx, data);
        };
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let allowed = ready!(shaping.write.poll_allowance(cx));
        let chunk = data.get(..allowed.min(data.len())).unwrap_or(data);
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, chunk))?;
        shaping.write.take(n);
        if n > 0 {
            shaping.turn = Turn::Waiting {
                extra: Duration::ZERO,
            };
        }
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.shaping.is_none() {
            return Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        }
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        Pin::new(this).poll_write(cx, first)
    }

    fn is_write_vectored(&self) -> bool {
        self.shaping.is_none() && self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_the_documented_form() {
        let link: Link = "rtt=30ms,per-conn=40MiB/s,total=320MiB/s".parse().unwrap();
        assert_eq!(link.rtt_value(), Duration::from_millis(30));
        assert_eq!(link.per_connection_value(), Some(40 << 20));
        assert_eq!(link.total_value(), Some(320 << 20));
        assert_eq!(link.to_string(), "rtt=30ms,per-conn=40MiB/s,total=320MiB/s");
        let link: Link = " total=1.5GB/s , rtt=250us ".parse().unwrap();
        assert_eq!(link.total_value(), Some(1_500_000_000));
        assert_eq!(link.rtt_value(), Duration::from_micros(250));
        assert_eq!(link.to_string(), "rtt=250us,total=1500000000B/s");
        assert!("".parse::<Link>().unwrap().is_unshaped());
        for bad in [
            "rtt",
            "rtt=5",
            "per-conn=5MiB",
            "total=-1MiB/s",
            "speed=1B/s",
            "rtt=xms",
        ] {
            assert!(bad.parse::<Link>().is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn bytes_held_for_the_round_trip_are_never_lost() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let link = Link::default().rtt(Duration::from_millis(2));
        let shaper = Shaper::new(link).unwrap();
        let (server_side, mut peer) = tokio::io::duplex(1024);
        let mut shaped = Shaper::wrap(Some(&shaper), server_side);
        peer.write_all(b"abcdef").await.unwrap();
        let mut first = [0u8; 3];
        shaped.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"abc");
        // The server answers before it read everything; the rest must still come first.
        shaped.write_all(b"early answer").await.unwrap();
        peer.write_all(b"ghi").await.unwrap();
        let mut rest = [0u8; 6];
        tokio::time::timeout(Duration::from_secs(5), shaped.read_exact(&mut rest))
            .await
            .expect("the held bytes arrive")
            .unwrap();
        assert_eq!(&rest, b"defghi");
        let mut answer = [0u8; 12];
        peer.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"early answer");
    }

    #[test]
    fn an_unshaped_link_has_no_shaper() {
        assert!(Shaper::new(Link::default()).is_none());
        assert!(Shaper::new(Link::default().total(1)).is_some());
    }

    #[test]
    fn a_bucket_in_debt_says_how_long_to_wait() {
        let mut bucket = Bucket::new(1 << 20);
        let start = bucket.last;
        bucket.take(1 << 19);
        let wait = bucket.wait(start).unwrap();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(bucket.wait(start + Duration::from_millis(500)).is_none());
        // Idle time earns at most the burst.
        bucket.refill(start + Duration::from_secs(60));
        assert!(bucket.tokens <= bucket.burst);
    }
}

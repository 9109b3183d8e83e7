//! High-level transfers: `upload_file` and `download_file`, with progress reporting.

use std::fmt;
use std::sync::{Arc, Mutex};

use crate::options::PutOptions;

pub(crate) mod adaptive;
mod copy;
mod directory;
mod download;
pub(crate) mod part_body;
mod upload;

pub use adaptive::Parallelism;
pub use copy::CopyOptions;
pub use directory::{DirectoryFailure, DirectoryOptions, DirectorySummary};
pub use download::DownloadOutput;
pub use upload::UploadOutput;

/// A progress callback, called with `(bytes done, total bytes)`; usable to drive a progress
/// bar. `upload_file` reports about every 4 MiB of a part handed to the connection (a
/// retried part counts no byte twice) and when a part or a whole object is stored;
/// `download_file` reports about every MiB received per range; `copy` reports each copied
/// part. Calls may come from several tasks, but `bytes done` never decreases. The callback
/// runs on the transfer's own tasks (for uploads, while a connection sends): keep it quick,
/// such as storing the numbers or sending them to a channel.
///
/// ```
/// use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
/// let seen = Arc::new(AtomicU64::new(0));
/// let sink = seen.clone();
/// let progress = cos_client::Progress::new(move |done, _total| sink.store(done, Ordering::Relaxed));
/// progress.report(5, 10);
/// assert_eq!(seen.load(Ordering::Relaxed), 5);
/// ```
#[derive(Clone)]
pub struct Progress {
    callback: Arc<dyn Fn(u64, u64) + Send + Sync>,
}

impl Progress {
    /// Wraps a callback.
    ///
    /// ```
    /// let progress = cos_client::Progress::new(|done, total| println!("{done}/{total}"));
    /// # let _ = progress;
    /// ```
    pub fn new(callback: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        Self {
            callback: Arc::new(callback),
        }
    }

    /// Calls the callback.
    ///
    /// ```
    /// cos_client::Progress::new(|_, _| {}).report(1, 2);
    /// ```
    pub fn report(&self, done: u64, total: u64) {
        (self.callback)(done, total);
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// Bytes done of a transfer, shared by its tasks: adds under a lock so that the callback
/// sees `done` in increasing order whichever task reports.
pub(crate) struct Tally {
    progress: Option<Progress>,
    total: u64,
    done: Mutex<u64>,
}

impl Tally {
    /// A tally starting at `done` of `total`, reported to `progress` if any.
    pub(crate) fn new(progress: Option<Progress>, done: u64, total: u64) -> Self {
        Self {
            progress,
            total,
            done: Mutex::new(done),
        }
    }

    /// Reports the current count (the starting point of a resumed transfer, say).
    pub(crate) fn report(&self) {
        self.add(0);
    }

    /// Adds `bytes` and reports the new count.
    pub(crate) fn add(&self, bytes: u64) {
        let Some(progress) = &self.progress else {
            return;
        };
        let mut done = self
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *done = done.saturating_add(bytes).min(self.total);
        progress.report(*done, self.total);
    }
}

/// Settings of [`Client::upload_file`](crate::Client::upload_file).
///
/// ```
/// let options = cos_client::UploadOptions::default()
///     .part_size(16 << 20)
///     .concurrency(4)
///     .multipart_threshold(32 << 20);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct UploadOptions {
    pub(crate) part_size: Option<u64>,
    pub(crate) concurrency: Parallelism,
    pub(crate) threshold: u64,
    pub(crate) put: PutOptions,
    pub(crate) resume: bool,
    pub(crate) abort_on_failure: bool,
    pub(crate) progress: Option<Progress>,
    /// Whether a multipart upload opens its first round's connections during the resume
    /// lookup (off inside a directory transfer, whose files keep the pool's connections open).
    pub(crate) warm_connections: bool,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            part_size: None,
            concurrency: Parallelism::default(),
            threshold: 16 << 20,
            put: PutOptions::default(),
            resume: true,
            abort_on_failure: true,
            progress: None,
            warm_connections: true,
        }
    }
}

impl UploadOptions {
    /// Preferred part size (default: chosen from the file's size, about 256 parts of 1 to
    /// 8 MiB; raised to 1 MiB and as needed for ≤ 10000 parts).
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default().part_size(4 << 20);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// A fixed number of parts in flight (at least 1), instead of the default adaptive
    /// concurrency, which starts at 32 and grows while the aggregate rate grows (see
    /// [`UploadOptions::parallelism`]). Peak memory is about part size × concurrency,
    /// and never more than the [memory budget](Parallelism::memory_budget).
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default().concurrency(16);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency.fixed = Some(parts.max(1));
        self
    }

    /// How many parts are in flight: adaptive by default, bounded by a maximum (48) and a
    /// memory budget (256 MiB), optionally aiming at a target throughput.
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default()
    ///     .parallelism(cos_client::Parallelism::default().memory_budget(64 << 20));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn parallelism(mut self, parallelism: Parallelism) -> Self {
        self.concurrency = parallelism;
        self
    }

    /// Files up to this size go in one PUT (default 16 MiB).
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default().multipart_threshold(0); // always multipart
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// Headers of the new object.
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default()
    ///     .put_options(cos_client::PutOptions::default().content_type("video/mp4"));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn put_options(mut self, options: PutOptions) -> Self {
        self.put = options;
        self
    }

    /// Whether to continue an unfinished upload of the same key (default true): its parts
    /// are listed and each one whose size and MD5 match the local bytes is kept.
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default().resume(false);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn resume(mut self, resume: bool) -> Self {
        self.resume = resume;
        self
    }

    /// Whether to abort the multipart upload when the transfer fails (default true; set
    /// false to keep the uploaded parts for a later resume).
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default().abort_on_failure(false);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn abort_on_failure(mut self, abort: bool) -> Self {
        self.abort_on_failure = abort;
        self
    }

    /// A progress callback.
    ///
    /// ```
    /// let o = cos_client::UploadOptions::default()
    ///     .progress(cos_client::Progress::new(|done, total| println!("{done}/{total}")));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }
}

/// Settings of [`Client::download_file`](crate::Client::download_file).
///
/// ```
/// let options = cos_client::DownloadOptions::default().part_size(16 << 20).concurrency(4);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct DownloadOptions {
    pub(crate) part_size: Option<u64>,
    pub(crate) concurrency: Parallelism,
    pub(crate) require_crc: bool,
    pub(crate) sync: bool,
    pub(crate) progress: Option<Progress>,
}

impl DownloadOptions {
    /// Size of each ranged GET (default: chosen from the object's size, about 256 ranges
    /// of 1 to 8 MiB).
    ///
    /// ```
    /// let o = cos_client::DownloadOptions::default().part_size(1 << 20);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// A fixed number of ranged GETs in flight (at least 1), instead of the default
    /// adaptive concurrency, which starts at 32 and grows while the aggregate rate grows.
    ///
    /// ```
    /// let o = cos_client::DownloadOptions::default().concurrency(2);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency.fixed = Some(parts.max(1));
        self
    }

    /// How many ranged GETs are in flight: adaptive by default, bounded by a maximum (48) and a
    /// memory budget (256 MiB), optionally aiming at a target throughput.
    ///
    /// ```
    /// let o = cos_client::DownloadOptions::default()
    ///     .parallelism(cos_client::Parallelism::default().memory_budget(64 << 20));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn parallelism(mut self, parallelism: Parallelism) -> Self {
        self.concurrency = parallelism;
        self
    }

    /// Fail when COS reports no CRC-64 for the object (default false: such objects, written
    /// before COS computed CRCs, are accepted unverified).
    ///
    /// ```
    /// let o = cos_client::DownloadOptions::default().require_crc(true);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn require_crc(mut self, require: bool) -> Self {
        self.require_crc = require;
        self
    }

    /// Whether to `fsync` the file before renaming it into place (default false), so that a
    /// crash right after the download cannot leave a renamed but incomplete file.
    ///
    /// ```
    /// let o = cos_client::DownloadOptions::default().sync(true);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// A progress callback.
    ///
    /// ```
    /// let o = cos_client::DownloadOptions::default().progress(cos_client::Progress::new(|_, _| {}));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }
}

/// Part buffers reused across the parts of one transfer, so that memory stays at about part
/// size × concurrency instead of growing with allocator fragmentation.
#[derive(Debug, Clone)]
pub(crate) struct BufferPool {
    free: Arc<Mutex<Vec<Vec<u8>>>>,
    keep: usize,
}

impl BufferPool {
    pub(crate) fn new(keep: usize) -> Self {
        Self {
            free: Arc::default(),
            keep,
        }
    }

    /// An empty buffer with at least `capacity` bytes of room.
    pub(crate) fn take(&self, capacity: usize) -> Vec<u8> {
        let reused = self.free.lock().ok().and_then(|mut free| free.pop());
        let mut buffer = reused.unwrap_or_default();
        buffer.clear();
        buffer.reserve_exact(capacity);
        buffer
    }

    /// Returns a buffer for reuse (dropped when enough are kept).
    pub(crate) fn give(&self, buffer: Vec<u8>) {
        if let Ok(mut free) = self.free.lock()
            && free.len() < self.keep
        {
            free.push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_reuses_and_bounds_buffers() {
        let pool = BufferPool::new(1);
        let mut a = pool.take(100);
        a.extend_from_slice(b"xyz");
        let ptr = a.as_ptr();
        pool.give(a);
        pool.give(vec![1, 2, 3]);
        let b = pool.take(50);
        assert!(b.is_empty() && b.capacity() >= 100);
        assert_eq!(b.as_ptr(), ptr, "the first buffer came back");
        assert!(pool.take(10).capacity() >= 10);
    }
}

//! `download_file`: parallel ranged GETs into a temporary file, renamed into place only after
//! the combined CRC-64 matches the object's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use tokio::task::JoinSet;

use super::adaptive::Concurrency;
use super::{DownloadOptions, Tally};
use crate::client::Client;
use crate::crc64::{self, Crc64};
use crate::options::{ByteRange, GetOptions};
use crate::plan::{MultipartPlan, PartRange};
use crate::{Error, key};

/// Memory a range in flight holds at most: a batch being gathered, and its share of the
/// writer's queue (which holds at most one batch per range that may run; the writer holds
/// one more while it writes it).
const RANGE_MEMORY: u64 = 2 * RangeSink::FLUSH_AT as u64;

/// Attempts per ranged GET when the body breaks after the headers arrived.
const BODY_ATTEMPTS: u32 = 4;

/// What [`Client::download_file`] did.
///
/// ```
/// # fn f(out: cos_client::DownloadOutput) {
/// println!("{} bytes, crc {} verified: {}", out.size, out.crc64, out.crc_verified);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutput {
    /// Bytes written.
    pub size: u64,
    /// The CRC-64 of the downloaded bytes.
    pub crc64: u64,
    /// Whether it matched the object's `x-cos-hash-crc64ecma` (false only when COS sent none).
    pub crc_verified: bool,
    /// The ETag every range was pinned to with `If-Match`.
    pub etag: Option<String>,
}

impl Client {
    /// Downloads an object into `path` with parallel ranged GETs (pinned to the object's
    /// ETag with `If-Match`), writing into a temporary file next to `path` that is renamed
    /// into place only after the combined CRC-64 matches the one COS reports. On failure
    /// the temporary file is removed and `path` is left untouched.
    ///
    /// # Errors
    /// [`Error::ChecksumMismatch`], [`Error::Io`], or a COS/transport error that outlived the
    /// retries.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("isos/big.iso", vec![7u8; 3 << 20].into(), &Default::default()).await?;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("big.iso");
    /// let options = cos_client::DownloadOptions::default().part_size(1 << 20);
    /// let out = client.download_file("isos/big.iso", &path, &options).await?;
    /// assert!(out.crc_verified);
    /// assert_eq!(out.size, 3 << 20);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn download_file(
        &self,
        key: &str,
        path: &Path,
        options: &DownloadOptions,
    ) -> Result<DownloadOutput, Error> {
        key::validate(key)?;
        let head = self.head_object(key).await?;
        if options.require_crc && head.crc64.is_none() {
            return Err(Error::malformed(
                "HeadObject",
                "COS reported no CRC-64 for the object",
            ));
        }
        let temp = TempFile::new(temp_path(path)?);
        let local = self
            .download_into(
                key,
                temp.path(),
                head.content_length,
                head.etag.as_deref(),
                options,
            )
            .await?;
        if let Some(server) = head.crc64
            && server != local
        {
            return Err(Error::ChecksumMismatch {
                what: "download".into(),
                local,
                server,
            });
        }
        tokio::fs::rename(temp.path(), path)
            .await
            .map_err(|e| Error::io(format!("renaming into {}", path.display()), e))?;
        temp.renamed();
        Ok(DownloadOutput {
            size: head.content_length,
            crc64: local,
            crc_verified: head.crc64.is_some(),
            etag: head.etag,
        })
    }

    /// Downloads a small object with one whole-object GET (no HEAD, no ranges) into a
    /// temporary file renamed into place once the GET's own CRC-64 matched: one round trip
    /// where [`Client::download_file`] needs two, for directories of small objects.
    pub(crate) async fn download_whole(
        &self,
        key: &str,
        path: &Path,
        options: &DownloadOptions,
    ) -> Result<(), Error> {
        let temp = TempFile::new(temp_path(path)?);
        let object = self.get_object(key, &GetOptions::default()).await?;
        if options.require_crc && object.metadata().crc64.is_none() {
            return Err(Error::malformed(
                "GetObject",
                "COS reported no CRC-64 for the object",
            ));
        }
        let io = |what: &str, e| Error::io(format!("{what} {}", temp.path().display()), e);
        let mut file = tokio::fs::File::create(temp.path())
            .await
            .map_err(|e| io("creating", e))?;
        // Checks the CRC-64 of the whole body against the GET's header.
        object.write_to(&mut file).await?;
        tokio::io::AsyncWriteExt::flush(&mut file)
            .await
            .map_err(|e| io("writing", e))?;
        if options.sync {
            file.sync_all().await.map_err(|e| io("syncing", e))?;
        }
        drop(file);
        tokio::fs::rename(temp.path(), path)
            .await
            .map_err(|e| Error::io(format!("renaming into {}", path.display()), e))?;
        temp.renamed();
        Ok(())
    }

    async fn download_into(
        &self,
        key: &str,
        temp: &Path,
        size: u64,
        etag: Option<&str>,
        options: &DownloadOptions,
    ) -> Result<u64, Error> {
        let file = tokio::fs::File::create(temp)
            .await
            .map_err(|e| Error::io(format!("creating {}", temp.display()), e))?;
        file.set_len(size)
            .await
            .map_err(|e| Error::io(format!("sizing {}", temp.display()), e))?;
        drop(file);
        let part_size = options
            .part_size
            .unwrap_or_else(|| super::adaptive::auto_part_size(size));
        let plan = MultipartPlan::new(size, part_size)?;
        let mut concurrency = Concurrency::new(
            &options.concurrency,
            u64::from(plan.part_count()),
            RANGE_MEMORY,
            self.retry_count(),
        );
        let mut crcs = vec![0u64; plan.part_count() as usize];
        let mut tasks = JoinSet::new();
        let mut queue = plan.parts().filter(|p| p.len > 0);
        let tally = Arc::new(Tally::new(options.progress.clone(), 0, size));
        tally.report();
        let writer = FileWriter::open(temp, WRITER_QUEUE.min(concurrency.max())).await?;
        loop {
            while tasks.len() < concurrency.limit() {
                let Some(range) = queue.next() else { break };
                let client = self.clone();
                let key = key.to_owned();
                let etag = etag.map(str::to_owned);
                let sink = RangeSink::new(writer.sender(), range.offset, Arc::clone(&tally));
                tasks.spawn(async move {
                    let crc = client
                        .fetch_range(&key, etag.as_deref(), range, sink)
                        .await?;
                    Ok::<_, Error>((range, crc))
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let outcome = joined
                .map_err(|e| Error::io("download task", std::io::Error::other(e.to_string())))?;
            let (range, crc) = match outcome {
                Ok(ok) => ok,
                Err(error) => {
                    // A range that could not queue its bytes failed because the writer
                    // did: its error is the one to report.
                    tasks.shutdown().await;
                    writer.finish().await?;
                    return Err(error);
                }
            };
            concurrency.part_done(range.len, self.retry_count());
            if let Some(slot) = crcs.get_mut(range.number as usize - 1) {
                *slot = crc;
            }
        }
        writer.finish().await?;
        if options.sync {
            let file = tokio::fs::OpenOptions::new()
                .write(true)
                .open(temp)
                .await
                .map_err(|e| Error::io(format!("opening {}", temp.display()), e))?;
            file.sync_all()
                .await
                .map_err(|e| Error::io(format!("syncing {}", temp.display()), e))?;
        }
        Ok(plan.parts().zip(crcs).fold(0u64, |acc, (range, crc)| {
            crc64::combine(acc, crc, range.len)
        }))
    }

    /// GETs one range and streams it into `sink` (the file at the range's offset); a body that breaks is
    /// continued from the first missing byte (the range is pinned to the ETag). Returns the
    /// range's CRC-64.
    async fn fetch_range(
        &self,
        key: &str,
        etag: Option<&str>,
        range: PartRange,
        mut sink: RangeSink,
    ) -> Result<u64, Error> {
        let last = range.offset + range.len - 1;
        let mut attempt = 0;
        while sink.written < range.len {
            attempt += 1;
            let start = range.offset + sink.written;
            let mut options = GetOptions::default().range(ByteRange::new(start, Some(last)));
            if let Some(etag) = etag {
                options = options.if_match(etag);
            }
            let remaining = range.len - sink.written;
            let outcome = self
                .stream_range(key, &options, start, remaining, &mut sink)
                .await;
            match outcome {
                Ok(()) => {}
                Err(e) if e.is_retryable() && attempt < BODY_ATTEMPTS => {
                    tracing::debug!(part = range.number, written = sink.written, %e, "continuing ranged GET");
                }
                Err(e) => return Err(e),
            }
        }
        sink.flush().await?;
        Ok(sink.crc.finish())
    }

    /// One ranged GET from `start`, at most `remaining` bytes, appended to `file` and `crc`.
    async fn stream_range(
        &self,
        key: &str,
        options: &GetOptions,
        start: u64,
        remaining: u64,
        sink: &mut RangeSink,
    ) -> Result<(), Error> {
        let response = self.get_object_raw(key, options).await?;
        let content_range = crate::client::header_string(response.headers(), "content-range");
        let expected = format!("bytes {start}-");
        if !content_range.is_some_and(|v| v.starts_with(&expected)) {
            return Err(Error::malformed(
                "GetObject",
                "the answer is not the requested range",
            ));
        }
        let mut body = response.into_body();
        let mut received = 0u64;
        while let Some(frame) =
            crate::ops::next_frame(&mut body, self.inner.request_timeout).await?
        {
            let frame = frame.map_err(|e| Error::Transport {
                operation: "GetObject",
                message: format!("reading the body: {e}"),
                not_sent: false,
            })?;
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            if received + chunk.len() as u64 > remaining {
                return Err(Error::malformed("GetObject", "range longer than requested"));
            }
            received += chunk.len() as u64;
            sink.write(chunk).await?;
        }
        if received != remaining {
            return Err(Error::Transport {
                operation: "GetObject",
                message: format!("body ended after {received} of {remaining} bytes"),
                not_sent: false,
            });
        }
        Ok(())
    }
}

/// Batches of received bytes (file offset, chunks) on their way to the [`FileWriter`].
type Batch = (u64, Vec<Bytes>);

/// Batches queued for the writer at most (each about [`RangeSink::FLUSH_AT`]), fewer when
/// fewer ranges may run at once.
const WRITER_QUEUE: usize = 4;

/// The one thread that writes a download's file: every range hands its batches to it, so
/// that writes never contend for the file (concurrent writers of one file queue on its
/// inode lock, and the kernel spins while they wait, which cost more CPU than the writes).
struct FileWriter {
    queue: tokio::sync::mpsc::Sender<Batch>,
    thread: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl FileWriter {
    /// Opens `temp` (never creating it: once a dropped download removed its temporary file,
    /// nothing may bring it back) and starts the writing thread, with room for `queue` batches.
    async fn open(temp: &Path, queue: usize) -> Result<Self, Error> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(temp)
            .await
            .map_err(|e| Error::io("opening the temporary file", e))?
            .into_std()
            .await;
        let (queue, mut batches) = tokio::sync::mpsc::channel::<Batch>(queue.max(1));
        let thread = tokio::task::spawn_blocking(move || {
            while let Some((mut at, chunks)) = batches.blocking_recv() {
                for chunk in chunks {
                    write_all_at(&file, &chunk, at)?;
                    at += chunk.len() as u64;
                }
            }
            Ok(())
        });
        Ok(Self { queue, thread })
    }

    /// Where ranges send their batches.
    fn sender(&self) -> tokio::sync::mpsc::Sender<Batch> {
        self.queue.clone()
    }

    /// Waits until every batch sent is written (all senders must be gone).
    async fn finish(self) -> Result<(), Error> {
        drop(self.queue);
        self.thread
            .await
            .map_err(|e| Error::io(WRITE_CONTEXT, std::io::Error::other(e.to_string())))?
            .map_err(|e| Error::io(WRITE_CONTEXT, e))
    }
}

const WRITE_CONTEXT: &str = "writing the temporary file";

/// Where one range's bytes go: received chunks are gathered (without copying) until about
/// 1 MiB and handed to the download's [`FileWriter`] while the next batch is received; the
/// CRC of everything received is kept, and progress is told per batch.
struct RangeSink {
    writer: tokio::sync::mpsc::Sender<Batch>,
    batch: Vec<Bytes>,
    batch_len: usize,
    /// File offset of the first byte of `batch`.
    position: u64,
    crc: Crc64,
    /// Bytes received for the range (written, queued or batched).
    written: u64,
    tally: Arc<Tally>,
}

impl RangeSink {
    const FLUSH_AT: usize = 1 << 20;

    fn new(writer: tokio::sync::mpsc::Sender<Batch>, offset: u64, tally: Arc<Tally>) -> Self {
        Self {
            writer,
            batch: Vec::new(),
            batch_len: 0,
            position: offset,
            crc: Crc64::new(),
            written: 0,
            tally,
        }
    }

    async fn write(&mut self, chunk: Bytes) -> Result<(), Error> {
        self.crc.update(&chunk);
        self.written += chunk.len() as u64;
        self.batch_len += chunk.len();
        self.batch.push(chunk);
        if self.batch_len >= Self::FLUSH_AT {
            self.flush().await?;
        }
        Ok(())
    }

    /// Hands the batch to the writer (waiting while its queue is full) and counts it as
    /// done for progress.
    async fn flush(&mut self) -> Result<(), Error> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let len = std::mem::take(&mut self.batch_len) as u64;
        let position = self.position;
        self.position += len;
        self.writer.send((position, batch)).await.map_err(|_| {
            Error::io(
                WRITE_CONTEXT,
                std::io::Error::other("the file writer stopped"),
            )
        })?;
        self.tally.add(len);
        Ok(())
    }
}

/// Writes all of `data` at `offset` without moving a shared cursor.
#[cfg(unix)]
fn write_all_at(file: &std::fs::File, data: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}

/// Writes all of `data` at `offset` without moving a shared cursor.
#[cfg(windows)]
fn write_all_at(file: &std::fs::File, mut data: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !data.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, data, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        data = data.get(n..).unwrap_or_default();
        offset += n as u64;
    }
    Ok(())
}

/// The temporary file of a download: removed when dropped (on failure, or when the
/// download future itself is dropped) unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    renamed: bool,
}

impl TempFile {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            renamed: false,
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// The file now lives at its final name: nothing to remove.
    fn renamed(mut self) {
        self.renamed = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.renamed {
            // Blocking, but one unlink; a missing file (never created) is fine.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `.<name>.<random>.cos-download` next to `path`.
fn temp_path(path: &Path) -> Result<PathBuf, Error> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid("path", "has no file name"))?
        .to_string_lossy();
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let temp = format!(".{name}.{}-{nonce:x}.cos-download", std::process::id());
    Ok(path.with_file_name(temp))
}

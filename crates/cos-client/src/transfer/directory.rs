//! Directories of objects: recursive upload and download, and sync (the same, skipping
//! files whose size and CRC-64 already match), with many files in flight, a shared memory
//! budget, one progress count and a summary.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{DownloadOptions, Progress, Tally, UploadOptions};
use crate::client::Client;
use crate::options::ListOptions;
use crate::{Error, crc64};

/// Settings of [`Client::upload_directory`] and [`Client::download_directory`].
///
/// ```
/// let options = cos_client::DirectoryOptions::default()
///     .files_in_flight(32)
///     .skip_unchanged(true);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct DirectoryOptions {
    files_in_flight: usize,
    memory_budget: u64,
    skip_unchanged: bool,
    upload: UploadOptions,
    download: DownloadOptions,
    progress: Option<Progress>,
}

impl Default for DirectoryOptions {
    fn default() -> Self {
        Self {
            files_in_flight: 64,
            memory_budget: super::adaptive::DEFAULT_MEMORY_BUDGET,
            skip_unchanged: false,
            upload: UploadOptions::default(),
            download: DownloadOptions::default(),
            progress: None,
        }
    }
}

impl DirectoryOptions {
    /// Files transferred at once (default 64, at least 1): small objects cost a round trip
    /// each, so many in flight keep a far link busy.
    ///
    /// ```
    /// let o = cos_client::DirectoryOptions::default().files_in_flight(8);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn files_in_flight(mut self, files: usize) -> Self {
        self.files_in_flight = files.max(1);
        self
    }

    /// Memory all files in flight may hold together (default 256 MiB): a small file holds
    /// its size, a large one the whole budget (it then runs alone, with its own parallel
    /// parts kept inside the same budget).
    ///
    /// ```
    /// let o = cos_client::DirectoryOptions::default().memory_budget(64 << 20);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn memory_budget(mut self, bytes: u64) -> Self {
        self.memory_budget = bytes.max(1 << 20);
        self
    }

    /// Sync: skip a file whose object already has the same size and CRC-64 (default false:
    /// transfer everything).
    ///
    /// ```
    /// let o = cos_client::DirectoryOptions::default().skip_unchanged(true);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn skip_unchanged(mut self, skip: bool) -> Self {
        self.skip_unchanged = skip;
        self
    }

    /// Settings of each file's upload (part size, threshold, headers…; its progress
    /// callback is replaced by the directory's).
    ///
    /// ```
    /// let o = cos_client::DirectoryOptions::default()
    ///     .upload_options(cos_client::UploadOptions::default().multipart_threshold(64 << 20));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn upload_options(mut self, options: UploadOptions) -> Self {
        self.upload = options;
        self
    }

    /// Settings of each file's download (its progress callback is replaced by the
    /// directory's).
    ///
    /// ```
    /// let o = cos_client::DirectoryOptions::default()
    ///     .download_options(cos_client::DownloadOptions::default().require_crc(true));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn download_options(mut self, options: DownloadOptions) -> Self {
        self.download = options;
        self
    }

    /// A progress callback over the bytes of all files (skipped files count as done).
    ///
    /// ```
    /// let o = cos_client::DirectoryOptions::default()
    ///     .progress(cos_client::Progress::new(|done, total| eprintln!("{done}/{total}")));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }
}

/// A file that could not be transferred.
///
/// ```
/// # fn f(failure: &cos_client::DirectoryFailure) {
/// eprintln!("{} ({}): {}", failure.key, failure.path.display(), failure.error);
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct DirectoryFailure {
    /// The object key.
    pub key: String,
    /// The local file.
    pub path: PathBuf,
    /// Why.
    pub error: Error,
}

/// What a directory transfer did.
///
/// ```
/// let summary = cos_client::DirectorySummary::default();
/// assert_eq!(summary.files, 0);
/// assert!(summary.failures.is_empty());
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct DirectorySummary {
    /// Files (or objects) found.
    pub files: u64,
    /// Files transferred.
    pub transferred: u64,
    /// Files skipped because they were unchanged (sync).
    pub skipped: u64,
    /// Bytes transferred.
    pub bytes: u64,
    /// Files that failed; the others were transferred all the same.
    pub failures: Vec<DirectoryFailure>,
}

/// Objects up to this size are downloaded with one whole-object GET.
const SMALL_OBJECT: u64 = 1 << 20;

/// One file to transfer.
#[derive(Debug, Clone)]
struct Item {
    path: PathBuf,
    key: String,
    size: u64,
    /// The size of the other side's copy, when it has one (sync).
    other_size: Option<u64>,
}

/// What became of one file.
enum Done {
    Transferred,
    Skipped,
}

#[derive(Clone, Copy)]
enum Direction {
    Up,
    Down,
}

impl Client {
    /// Uploads every file under `dir` (recursively; symbolic links to directories are not
    /// followed) to `prefix` + its relative path with `/` separators, many files at once
    /// (`prefix` is a folder: `site` means `site/`; empty means the bucket's root).
    /// With [`DirectoryOptions::skip_unchanged`] (sync), a file whose object has the same
    /// size and CRC-64 is skipped. A file that fails is listed in the summary and the others
    /// go on.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory cannot be walked, or a COS error listing the
    /// prefix (sync).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let dir = tempfile::tempdir()?;
    /// std::fs::create_dir(dir.path().join("css"))?;
    /// std::fs::write(dir.path().join("index.html"), "<h1>hi</h1>")?;
    /// std::fs::write(dir.path().join("css/site.css"), "h1 {}")?;
    /// let options = cos_client::DirectoryOptions::default().skip_unchanged(true);
    /// let first = client.upload_directory(dir.path(), "site/", &options).await?;
    /// assert_eq!((first.transferred, first.skipped), (2, 0));
    /// let again = client.upload_directory(dir.path(), "site/", &options).await?;
    /// assert_eq!((again.transferred, again.skipped), (0, 2));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn upload_directory(
        &self,
        dir: &Path,
        prefix: &str,
        options: &DirectoryOptions,
    ) -> Result<DirectorySummary, Error> {
        let prefix = &folder(prefix);
        let root = dir.to_path_buf();
        let mut failures = Vec::new();
        let walked = tokio::task::spawn_blocking(move || walk(&root))
            .await
            .map_err(|e| {
                Error::io(
                    "walking the directory",
                    std::io::Error::other(e.to_string()),
                )
            })?
            .map_err(|e| Error::io(format!("walking {}", dir.display()), e))?;
        let remote = if options.skip_unchanged {
            self.sizes_under(prefix).await?
        } else {
            HashMap::new()
        };
        let mut items = Vec::with_capacity(walked.len());
        for (path, size) in walked {
            match key_of(dir, &path, prefix) {
                Ok(key) => items.push(Item {
                    other_size: remote.get(&key).copied(),
                    path,
                    key,
                    size,
                }),
                Err(error) => failures.push(DirectoryFailure {
                    key: String::new(),
                    path,
                    error,
                }),
            }
        }
        self.run_items(items, failures, options, Direction::Up)
            .await
    }

    /// Downloads every object under the folder `prefix` (`logs` means `logs/`; empty: the
    /// whole bucket) into `dir`, at the key's path after the prefix
    /// (`/` separators become directories, created as needed), many objects at once, each
    /// one checked by CRC-64 and renamed into place only when it matches. With
    /// [`DirectoryOptions::skip_unchanged`] (sync), a file with the object's size and CRC-64
    /// is left alone. Keys that would leave `dir` (`..`, empty segments, backslashes) and
    /// folder markers (keys ending in `/`) are not written; the former are reported as
    /// failures.
    ///
    /// # Errors
    /// A COS error listing the prefix; per-object errors are in the summary.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # for key in ["logs/a.txt", "logs/2026/b.txt"] { client.put_object(key, "x".into(), &Default::default()).await?; }
    /// let dir = tempfile::tempdir()?;
    /// let summary = client
    ///     .download_directory("logs/", dir.path(), &cos_client::DirectoryOptions::default())
    ///     .await?;
    /// assert_eq!(summary.transferred, 2);
    /// assert!(dir.path().join("2026/b.txt").is_file());
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn download_directory(
        &self,
        prefix: &str,
        dir: &Path,
        options: &DirectoryOptions,
    ) -> Result<DirectorySummary, Error> {
        let prefix = &folder(prefix);
        let mut items = Vec::new();
        let mut failures = Vec::new();
        let mut pages = self.list_objects_pages(ListOptions::default().prefix(prefix));
        while let Some(page) = pages.next_page().await {
            for object in page?.objects {
                let relative = object.key.get(prefix.len()..).unwrap_or_default();
                if relative.is_empty() || relative.ends_with('/') {
                    continue; // the prefix itself, or a folder marker
                }
                let Some(path) = safe_join(dir, relative) else {
                    failures.push(DirectoryFailure {
                        error: Error::invalid("key", "would be written outside the directory"),
                        path: dir.to_path_buf(),
                        key: object.key,
                    });
                    continue;
                };
                let other_size = if options.skip_unchanged {
                    tokio::fs::metadata(&path)
                        .await
                        .ok()
                        .filter(std::fs::Metadata::is_file)
                        .map(|m| m.len())
                } else {
                    None
                };
                items.push(Item {
                    path,
                    key: object.key,
                    size: object.size,
                    other_size,
                });
            }
        }
        self.run_items(items, failures, options, Direction::Down)
            .await
    }

    /// Sizes of the objects under `prefix`, by key.
    async fn sizes_under(&self, prefix: &str) -> Result<HashMap<String, u64>, Error> {
        let mut sizes = HashMap::new();
        let mut pages = self.list_objects_pages(ListOptions::default().prefix(prefix));
        while let Some(page) = pages.next_page().await {
            sizes.extend(page?.objects.into_iter().map(|o| (o.key, o.size)));
        }
        Ok(sizes)
    }

    async fn run_items(
        &self,
        items: Vec<Item>,
        mut failures: Vec<DirectoryFailure>,
        options: &DirectoryOptions,
        direction: Direction,
    ) -> Result<DirectorySummary, Error> {
        let total: u64 = items.iter().map(|i| i.size).sum();
        let tally = Arc::new(Tally::new(options.progress.clone(), 0, total));
        tally.report();
        let mut summary = DirectorySummary {
            files: items.len() as u64 + failures.len() as u64,
            ..DirectorySummary::default()
        };
        // Memory permits in KiB, so that a 256 MiB budget fits in a semaphore.
        let budget_kib = u32::try_from(options.memory_budget / 1024).unwrap_or(u32::MAX);
        let memory = Arc::new(Semaphore::new(budget_kib as usize));
        let mut tasks = JoinSet::new();
        let mut queue = items.into_iter();
        loop {
            while tasks.len() < options.files_in_flight {
                let Some(item) = queue.next() else { break };
                let need = memory_need(&item, options, direction);
                let need_kib = u32::try_from(need.div_ceil(1024))
                    .unwrap_or(u32::MAX)
                    .clamp(1, budget_kib.max(1));
                let permit = Arc::clone(&memory)
                    .acquire_many_owned(need_kib)
                    .await
                    .map_err(|_| Error::io("memory budget", std::io::Error::other("closed")))?;
                let client = self.clone();
                let options = options.clone();
                let tally = Arc::clone(&tally);
                tasks.spawn(async move {
                    let outcome = client
                        .transfer_item(&item, &options, direction, &tally)
                        .await;
                    drop(permit);
                    (item, outcome)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (item, outcome) = joined
                .map_err(|e| Error::io("directory task", std::io::Error::other(e.to_string())))?;
            match outcome {
                Ok(Done::Transferred) => {
                    summary.transferred += 1;
                    summary.bytes += item.size;
                }
                Ok(Done::Skipped) => summary.skipped += 1,
                Err(error) => failures.push(DirectoryFailure {
                    key: item.key,
                    path: item.path,
                    error,
                }),
            }
        }
        summary.failures = failures;
        Ok(summary)
    }

    /// Transfers one file (or skips it when unchanged), counting its bytes as done.
    async fn transfer_item(
        &self,
        item: &Item,
        options: &DirectoryOptions,
        direction: Direction,
        tally: &Arc<Tally>,
    ) -> Result<Done, Error> {
        let counted = Arc::new(AtomicU64::new(0));
        let result = self
            .transfer_item_counted(item, options, direction, tally, &counted)
            .await;
        if result.is_ok() {
            // Whatever the file's own progress did not report yet (a skip: all of it).
            tally.add(item.size.saturating_sub(counted.load(Ordering::Relaxed)));
        }
        result
    }

    async fn transfer_item_counted(
        &self,
        item: &Item,
        options: &DirectoryOptions,
        direction: Direction,
        tally: &Arc<Tally>,
        counted: &Arc<AtomicU64>,
    ) -> Result<Done, Error> {
        if options.skip_unchanged
            && item.other_size == Some(item.size)
            && self.unchanged(item).await?
        {
            return Ok(Done::Skipped);
        }
        let progress = {
            let (tally, counted) = (Arc::clone(tally), Arc::clone(counted));
            Progress::new(move |done, _| {
                let before = counted.fetch_max(done, Ordering::Relaxed);
                tally.add(done.saturating_sub(before));
            })
        };
        match direction {
            Direction::Up => {
                let mut upload = options.upload.clone().progress(progress);
                // A large file runs on the directory's budget, not more.
                upload.concurrency.memory_budget =
                    upload.concurrency.memory_budget.min(options.memory_budget);
                // The files in flight keep the pool's connections open: opening more ahead
                // of each file would only add requests.
                upload.warm_connections = false;
                self.upload_file(&item.path, &item.key, &upload).await?;
            }
            Direction::Down => {
                if let Some(parent) = item.path.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
                }
                if item.size <= SMALL_OBJECT {
                    self.download_whole(&item.key, &item.path, &options.download)
                        .await?;
                    return Ok(Done::Transferred);
                }
                let mut download = options.download.clone().progress(progress);
                download.concurrency.memory_budget = download
                    .concurrency
                    .memory_budget
                    .min(options.memory_budget);
                self.download_file(&item.key, &item.path, &download).await?;
            }
        }
        Ok(Done::Transferred)
    }

    /// Whether the local file and the object (already known to be of the same size) have
    /// the same CRC-64.
    async fn unchanged(&self, item: &Item) -> Result<bool, Error> {
        let Some(remote) = self.head_object(&item.key).await?.crc64 else {
            return Ok(false);
        };
        let path = item.path.clone();
        let local = tokio::task::spawn_blocking(move || file_crc64(&path))
            .await
            .map_err(|e| Error::io("hashing", std::io::Error::other(e.to_string())))?
            .map_err(|e| Error::io(format!("reading {}", item.path.display()), e))?;
        Ok(local == remote)
    }
}

/// Memory one file's transfer may hold.
fn memory_need(item: &Item, options: &DirectoryOptions, direction: Direction) -> u64 {
    match direction {
        // A single PUT holds the file; a multipart upload up to its own budget.
        Direction::Up if item.size <= options.upload.threshold => item.size,
        Direction::Up => options.memory_budget,
        // A range in flight holds up to 2 MiB; a small object at most its size.
        Direction::Down if item.size <= 2 << 20 => item.size,
        Direction::Down => options.memory_budget,
    }
}

/// The CRC-64 of a whole file, read in 1 MiB pieces.
fn file_crc64(path: &Path) -> std::io::Result<u64> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut crc = crc64::Crc64::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        let Some(read) = buffer.get(..n).filter(|r| !r.is_empty()) else {
            return Ok(crc.finish());
        };
        crc.update(read);
    }
}

/// Every regular file under `root` with its size, in path order; symbolic links to files
/// are followed, to directories not.
fn walk(root: &Path) -> std::io::Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                files.push((path, entry.metadata()?.len()));
            } else if kind.is_symlink()
                && let Ok(target) = std::fs::metadata(&path)
                && target.is_file()
            {
                files.push((path, target.len()));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A key prefix as a folder: `site` and `site/` both mean `site/`; empty means the bucket.
fn folder(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_owned()
    } else {
        format!("{prefix}/")
    }
}

/// `prefix` + the path of `path` relative to `root`, `/`-separated.
fn key_of(root: &Path, path: &Path, prefix: &str) -> Result<String, Error> {
    let relative = path
        .strip_prefix(root)
        .map_err(|_| Error::invalid("path", "outside the directory"))?;
    let mut key = prefix.to_owned();
    for (i, component) in relative.components().enumerate() {
        let Component::Normal(name) = component else {
            return Err(Error::invalid("path", "not a plain relative path"));
        };
        let name = name
            .to_str()
            .ok_or_else(|| Error::invalid("path", "file name is not UTF-8"))?;
        if i > 0 {
            key.push('/');
        }
        key.push_str(name);
    }
    Ok(key)
}

/// `dir` joined with the `/`-separated `relative` key, or `None` when a segment would
/// escape `dir` or is not a plain name.
fn safe_join(dir: &Path, relative: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    for segment in relative.split('/') {
        let plain = !segment.is_empty()
            && segment != "."
            && segment != ".."
            && !segment.contains(['\\', '\0'])
            && !(cfg!(windows) && segment.contains(':'));
        if !plain {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_that_would_escape_the_directory_are_refused() {
        let dir = Path::new("/data/out");
        assert_eq!(
            safe_join(dir, "a/b.txt"),
            Some(PathBuf::from("/data/out/a/b.txt"))
        );
        for bad in [
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\..\\x",
            "/etc/passwd",
            "a/",
        ] {
            assert_eq!(safe_join(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn prefixes_are_folders() {
        assert_eq!(folder("site"), "site/");
        assert_eq!(folder("site/"), "site/");
        assert_eq!(folder(""), "");
    }

    #[test]
    fn keys_use_slashes_under_the_prefix() {
        let root = Path::new("/data/site");
        let key = key_of(root, &root.join("css").join("a.css"), "web/").unwrap();
        assert_eq!(key, "web/css/a.css");
        assert_eq!(key_of(root, &root.join("i.html"), "").unwrap(), "i.html");
    }

    #[test]
    fn walking_finds_nested_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("b/c/d.txt"), "dd").unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        let files = walk(dir.path()).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|(p, s)| (key_of(dir.path(), p, "").unwrap(), *s))
            .collect();
        assert_eq!(
            names,
            [("a.txt".to_owned(), 1), ("b/c/d.txt".to_owned(), 2)]
        );
        assert_eq!(
            file_crc64(&dir.path().join("b/c/d.txt")).unwrap(),
            crc64::checksum(b"dd")
        );
    }
}

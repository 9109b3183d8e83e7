//! `copy`: PUT Object - Copy below a threshold, otherwise a multipart copy (Upload Part -
//! Copy of each range, in parallel) whose combined CRC-64 is checked against the source's.

use std::collections::BTreeMap;

use tokio::task::JoinSet;

use super::Tally;
use crate::client::Client;
use crate::crc64;
use crate::model::{CopyOutput, ObjectMetadata};
use crate::ops::CopySource;
use crate::options::PutOptions;
use crate::plan::MultipartPlan;
use crate::{Error, key};

/// Settings of [`Client::copy`].
///
/// ```
/// let options = cos_client::CopyOptions::default()
///     .part_size(64 << 20)
///     .concurrency(4)
///     .multipart_threshold(1 << 30);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct CopyOptions {
    pub(crate) part_size: u64,
    pub(crate) concurrency: usize,
    pub(crate) threshold: u64,
    pub(crate) source_size: Option<u64>,
    pub(crate) put: PutOptions,
    pub(crate) progress: Option<super::Progress>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self {
            part_size: 64 << 20,
            concurrency: 8,
            threshold: 5 << 30,
            source_size: None,
            put: PutOptions::default(),
            progress: None,
        }
    }
}

impl CopyOptions {
    /// Preferred part size of a multipart copy (default 64 MiB; raised as needed for at
    /// most 10000 parts).
    ///
    /// ```
    /// let o = cos_client::CopyOptions::default().part_size(16 << 20);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// Part copies in flight at once (default 8, at least 1).
    ///
    /// ```
    /// let o = cos_client::CopyOptions::default().concurrency(2);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts.max(1);
        self
    }

    /// Sources larger than this are copied part by part (default 5 GiB, the largest object
    /// PUT Object - Copy accepts).
    ///
    /// ```
    /// let o = cos_client::CopyOptions::default().multipart_threshold(256 << 20);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// The source's size, when the source is in another bucket than the client's (the
    /// client can only HEAD its own bucket; take it from `head_object` on a client for the
    /// source bucket). Without it, a source in the client's bucket is sent a HEAD.
    ///
    /// ```
    /// let o = cos_client::CopyOptions::default().source_size(12 << 30);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn source_size(mut self, bytes: u64) -> Self {
        self.source_size = Some(bytes);
        self
    }

    /// Headers of the new object. Left at the default, the copy keeps the source's
    /// `Content-Type` and `x-cos-meta-*` (both for a simple and, when the source is in the
    /// client's bucket, a multipart copy); anything set here replaces them.
    ///
    /// ```
    /// let o = cos_client::CopyOptions::default()
    ///     .put(cos_client::PutOptions::default().content_type("video/mp4"));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn put(mut self, put: PutOptions) -> Self {
        self.put = put;
        self
    }

    /// A progress callback, told the bytes copied as each part finishes.
    ///
    /// ```
    /// let o = cos_client::CopyOptions::default()
    ///     .progress(cos_client::Progress::new(|done, total| println!("{done}/{total}")));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn progress(mut self, progress: super::Progress) -> Self {
        self.progress = Some(progress);
        self
    }
}

impl Client {
    /// Copies `source` to `key` of the client's bucket inside COS (no bytes travel through
    /// the client): one PUT Object - Copy up to the threshold, otherwise Initiate, Upload
    /// Part - Copy of every range with bounded concurrency, and Complete, checking the
    /// combined CRC-64 against the source's and aborting the upload on failure, as the
    /// official SDKs' `copy` does.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the source is in another bucket and its size was not
    /// given, [`Error::ChecksumMismatch`], or a COS or transport error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// client.put_object("big.bin", vec![7u8; 3 << 20].into(), &Default::default()).await?;
    /// let source = cos_client::CopySource::new(client.location(), "big.bin");
    /// let options = cos_client::CopyOptions::default().part_size(1 << 20).multipart_threshold(1 << 20);
    /// let out = client.copy(&source, "copy.bin", &options).await?;
    /// assert!(out.etag.ends_with("-3\""));
    /// assert_eq!(client.get_object_bytes("copy.bin").await?, vec![7u8; 3 << 20]);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn copy(
        &self,
        source: &CopySource,
        key: &str,
        options: &CopyOptions,
    ) -> Result<CopyOutput, Error> {
        key::validate(key)?;
        source.validate()?;
        let same_bucket = source.bucket() == self.bucket();
        let head = match (options.source_size, same_bucket) {
            (_, true) => Some(self.head_object(source.key()).await?),
            (Some(_), false) => None,
            (None, false) => {
                return Err(Error::invalid(
                    "copy source",
                    "is in another bucket: give its size with CopyOptions::source_size",
                ));
            }
        };
        let size = options
            .source_size
            .or(head.as_ref().map(|h| h.content_length))
            .unwrap_or(0);
        if size <= options.threshold {
            return self.copy_object(source, key, &options.put).await;
        }
        let put = match &head {
            Some(head) if options.put == PutOptions::default() => source_headers(head),
            _ => options.put.clone(),
        };
        let plan = MultipartPlan::new(size, options.part_size)?;
        let upload_id = self.initiate_multipart_upload(key, &put).await?;
        let result = self
            .copy_parts(source, key, &upload_id, &plan, options)
            .await;
        let result = match result {
            Ok(parts) => {
                self.complete_copy(key, &upload_id, &plan, parts, head.as_ref())
                    .await
            }
            Err(e) => Err(e),
        };
        if result.is_err()
            && let Err(abort_error) = self.abort_multipart_upload(key, &upload_id).await
        {
            tracing::warn!(%abort_error, "could not abort the failed multipart copy");
        }
        result
    }

    /// Copies every part; returns `part number → (ETag, CRC-64 if COS sent it)`.
    async fn copy_parts(
        &self,
        source: &CopySource,
        key: &str,
        upload_id: &str,
        plan: &MultipartPlan,
        options: &CopyOptions,
    ) -> Result<BTreeMap<u32, (String, Option<u64>)>, Error> {
        let tally = Tally::new(options.progress.clone(), 0, plan.object_size());
        tally.report();
        let mut finished = BTreeMap::new();
        let mut tasks = JoinSet::new();
        let mut queue = plan.parts();
        loop {
            while tasks.len() < options.concurrency {
                let Some(range) = queue.next() else { break };
                let (client, source) = (self.clone(), source.clone());
                let (key, upload_id) = (key.to_owned(), upload_id.to_owned());
                tasks.spawn(async move {
                    let last = range.offset + range.len.saturating_sub(1);
                    let part = client
                        .upload_part_copy(
                            &key,
                            &upload_id,
                            range.number,
                            &source,
                            Some(range.offset..=last),
                        )
                        .await;
                    (range, part)
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (range, part) =
                joined.map_err(|e| Error::io("copy task", std::io::Error::other(e.to_string())))?;
            match part {
                Ok(part) => {
                    tally.add(range.len);
                    finished.insert(range.number, (part.etag, part.crc64));
                }
                Err(error) => {
                    tasks.abort_all();
                    return Err(error);
                }
            }
        }
        Ok(finished)
    }

    async fn complete_copy(
        &self,
        key: &str,
        upload_id: &str,
        plan: &MultipartPlan,
        parts: BTreeMap<u32, (String, Option<u64>)>,
        head: Option<&ObjectMetadata>,
    ) -> Result<CopyOutput, Error> {
        // The parts' CRCs combine into the object's, when COS sent every one.
        let combined = plan.parts().try_fold(0u64, |acc, range| {
            let crc = parts.get(&range.number).and_then(|(_, crc)| *crc)?;
            Some(crc64::combine(acc, crc, range.len))
        });
        let source = head.and_then(|h| h.crc64);
        let mismatch = |local: u64, server: u64| Error::ChecksumMismatch {
            what: "copy".into(),
            local,
            server,
        };
        // Checked before Complete: a wrong copy is never assembled (the caller aborts it).
        if let (Some(source), Some(parts)) = (source, combined)
            && parts != source
        {
            return Err(mismatch(source, parts));
        }
        let list: Vec<(u32, String)> = parts.into_iter().map(|(n, (etag, _))| (n, etag)).collect();
        let done = self.complete_multipart_upload(key, upload_id, list).await?;
        if let (Some(expected), Some(server)) = (source.or(combined), done.crc64)
            && server != expected
        {
            return Err(mismatch(expected, server));
        }
        Ok(CopyOutput {
            etag: done.etag,
            last_modified: String::new(),
            crc64: done.crc64.or(combined),
        })
    }
}

/// The source's `Content-Type` and `x-cos-meta-*`, for the new object of a multipart copy.
fn source_headers(head: &ObjectMetadata) -> PutOptions {
    let mut put = PutOptions::default();
    if let Some(content_type) = &head.content_type {
        put = put.content_type(content_type);
    }
    for (name, value) in &head.metadata {
        put = put.metadata(name, value);
    }
    put
}

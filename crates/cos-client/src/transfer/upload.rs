//! `upload_file`: one PUT below the threshold, else a parallel multipart upload with CRC-64
//! checks per part and for the whole object, resume and abort.

use std::collections::BTreeMap;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::task::JoinSet;

use super::adaptive::Concurrency;
use super::part_body::PartProgress;
use super::{BufferPool, Tally, UploadOptions};
use crate::client::Client;
use crate::crc64;
use crate::ops::multipart::list_uploads_op;
use crate::plan::{MultipartPlan, PartRange};
use crate::{Error, key};

/// What [`Client::upload_file`] did.
///
/// ```
/// # fn f(out: cos_client::UploadOutput) {
/// println!("crc {} verified by COS: {}", out.crc64, out.server_crc_verified);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadOutput {
    /// The quoted ETag of the object.
    pub etag: Option<String>,
    /// The CRC-64 of the local file.
    pub crc64: u64,
    /// Whether COS reported the same CRC-64 for the object (false only when COS sent none).
    pub server_crc_verified: bool,
    /// The multipart upload id (`None` for a single PUT).
    pub upload_id: Option<String>,
    /// Parts sent in this call.
    pub parts_uploaded: u32,
    /// Parts kept from an earlier, interrupted upload.
    pub parts_reused: u32,
}

impl Client {
    /// Uploads a file: a single PUT up to the threshold, otherwise a multipart upload with
    /// bounded concurrency that reads the file part by part, checks every part's CRC-64 and
    /// the combined CRC-64 of the object, resumes an unfinished upload of the same key
    /// (verifying each reused part by size and MD5), and aborts the upload if it fails.
    ///
    /// # Errors
    /// [`Error::Io`] for the file, [`Error::ChecksumMismatch`], or the first COS/transport
    /// error that outlived the retries.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("big.iso");
    /// # std::fs::write(&path, vec![7u8; 3 << 20])?;
    /// let options = cos_client::UploadOptions::default().part_size(1 << 20).multipart_threshold(1 << 20);
    /// let out = client.upload_file(&path, "isos/big.iso", &options).await?;
    /// assert!(out.server_crc_verified);
    /// assert_eq!(out.parts_uploaded, 3);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn upload_file(
        &self,
        path: &Path,
        key: &str,
        options: &UploadOptions,
    ) -> Result<UploadOutput, Error> {
        key::validate(key)?;
        let size = tokio::fs::metadata(path)
            .await
            .map_err(|e| Error::io(format!("reading metadata of {}", path.display()), e))?
            .len();
        if size <= options.threshold {
            return self.upload_single(path, key, size, options).await;
        }
        let part_size = options
            .part_size
            .unwrap_or_else(|| super::adaptive::auto_part_size(size));
        let plan = MultipartPlan::new(size, part_size)?;
        // Kept until the upload ends: dropping it would cut a connection still opening.
        let _warming = self.warm_connections(key, &plan, options);
        // Listed even without resume: the ids tell a lost Initiate answer from others' uploads.
        let known = match self.uploads_of(key).await {
            Ok(ids) => Some(ids),
            Err(error) if options.resume => return Err(error),
            Err(_) => None,
        };
        let latest = known
            .as_ref()
            .and_then(|ids| ids.last())
            .filter(|_| options.resume);
        let (upload_id, reused) = match latest {
            Some(id) => self.verified_parts(path, key, id, &plan).await?,
            None => (None, BTreeMap::new()),
        };
        let upload_id = match upload_id {
            Some(id) => id,
            None => self.initiate_once(key, options, known).await?,
        };
        let result = self
            .upload_parts(path, key, &upload_id, &plan, reused, options)
            .await;
        if result.is_err()
            && options.abort_on_failure
            && let Err(abort_error) = self.abort_multipart_upload(key, &upload_id).await
        {
            tracing::warn!(%abort_error, "could not abort the failed multipart upload");
        }
        result
    }

    async fn upload_single(
        &self,
        path: &Path,
        key: &str,
        size: u64,
        options: &UploadOptions,
    ) -> Result<UploadOutput, Error> {
        let data = tokio::fs::read(path)
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let local = crc64::checksum(&data);
        let out = self
            .put_object(key, Bytes::from(data), &options.put)
            .await?;
        if let Some(progress) = &options.progress {
            progress.report(size, size);
        }
        Ok(UploadOutput {
            etag: out.etag,
            crc64: local,
            server_crc_verified: out.crc64.is_some(),
            upload_id: None,
            parts_uploaded: 1,
            parts_reused: 0,
        })
    }

    /// Opens the connections of the first round of parts while the upload is looked up
    /// and initiated, instead of after: on a far link each new connection costs a round
    /// trip before its first part can be sent. Each of them sends, once and without
    /// retrying (a failure only leaves that connection unopened, and counts as no retry
    /// for the adaptive concurrency), the ListMultipartUploads request the resume lookup
    /// sends, which needs no permission the upload does not use; the answers are dropped.
    /// The lookup's own request opens one connection, so one fewer is warmed.
    fn warm_connections(
        &self,
        key: &str,
        plan: &MultipartPlan,
        options: &UploadOptions,
    ) -> JoinSet<()> {
        let first_round = Concurrency::new(
            &options.concurrency,
            u64::from(plan.part_count()),
            plan.part_size(),
            0,
        )
        .limit();
        let mut warming = JoinSet::new();
        if !options.warm_connections {
            return warming;
        }
        for _ in 1..first_round {
            let client = self.clone();
            let op = list_uploads_op(key, None, None);
            warming.spawn(async move {
                if let Err(error) = client.send_once(&op).await {
                    tracing::debug!(%error, "could not open a connection ahead of the parts");
                }
            });
        }
        warming
    }

    /// The ids of the unfinished uploads of exactly `key`, oldest first.
    async fn uploads_of(&self, key: &str) -> Result<Vec<String>, Error> {
        let mut ids = Vec::new();
        let (mut key_marker, mut id_marker): (Option<String>, Option<String>) = (None, None);
        loop {
            let page = self
                .list_multipart_uploads(key, key_marker.as_deref(), id_marker.as_deref())
                .await?;
            ids.extend(
                page.uploads
                    .into_iter()
                    .filter(|u| u.key == key)
                    .map(|u| u.upload_id),
            );
            if !page.is_truncated || page.next_key_marker.is_none() {
                break;
            }
            key_marker = page.next_key_marker;
            id_marker = page.next_upload_id_marker;
        }
        Ok(ids)
    }

    /// Initiates an upload exactly once: when the answer is lost (cut connection, time-out),
    /// an upload that appeared meanwhile is adopted instead of starting another one, so no
    /// orphan is left behind.
    async fn initiate_once(
        &self,
        key: &str,
        options: &UploadOptions,
        known: Option<Vec<String>>,
    ) -> Result<String, Error> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match self.initiate_multipart_upload(key, &options.put).await {
                Ok(id) => return Ok(id),
                Err(error @ (Error::Transport { .. } | Error::Timeout { .. })) => error,
                Err(error) => return Err(error),
            };
            let Some(known) = &known else {
                return Err(error);
            };
            let Ok(now) = self.uploads_of(key).await else {
                return Err(error);
            };
            if let Some(adopted) = now.into_iter().rev().find(|id| !known.contains(id)) {
                tracing::debug!(upload_id = %adopted, "adopting the upload whose Initiate answer was lost");
                return Ok(adopted);
            }
            if attempts >= 3 {
                return Err(error);
            }
        }
    }

    /// The parts of upload `upload_id` that match the local file (size and MD5 = ETag).
    async fn verified_parts(
        &self,
        path: &Path,
        key: &str,
        upload_id: &str,
        plan: &MultipartPlan,
    ) -> Result<(Option<String>, BTreeMap<u32, (String, u64)>), Error> {
        let upload_id = upload_id.to_owned();
        let mut reused = BTreeMap::new();
        let mut marker = None;
        loop {
            let page = match self.list_parts(key, &upload_id, marker).await {
                Ok(page) => page,
                // The upload vanished (completed or aborted meanwhile): start afresh.
                Err(Error::Service(e)) if e.code() == "NoSuchUpload" => {
                    return Ok((None, BTreeMap::new()));
                }
                Err(e) => return Err(e),
            };
            for listed in &page.parts {
                let Some(range) = plan.part(listed.number) else {
                    continue;
                };
                if range.len != listed.size {
                    continue;
                }
                let (data, crc) = read_part(path, range, &BufferPool::new(0)).await?;
                let md5 = hex_lower(&Md5::digest(&data));
                if listed.etag.trim_matches('"').eq_ignore_ascii_case(&md5) {
                    reused.insert(listed.number, (listed.etag.clone(), crc));
                }
            }
            match (page.is_truncated, page.next_part_number_marker) {
                (true, Some(next)) if Some(next) != marker => marker = Some(next),
                _ => break,
            }
        }
        tracing::debug!(%upload_id, reused = reused.len(), "resuming multipart upload");
        Ok((Some(upload_id), reused))
    }

    async fn upload_parts(
        &self,
        path: &Path,
        key: &str,
        upload_id: &str,
        plan: &MultipartPlan,
        reused: BTreeMap<u32, (String, u64)>,
        options: &UploadOptions,
    ) -> Result<UploadOutput, Error> {
        let total = plan.object_size();
        let reused_bytes: u64 = reused
            .keys()
            .filter_map(|n| plan.part(*n))
            .map(|p| p.len)
            .sum();
        let tally = Arc::new(Tally::new(options.progress.clone(), reused_bytes, total));
        tally.report();
        let parts_reused = u32::try_from(reused.len()).unwrap_or(u32::MAX);
        let mut finished: BTreeMap<u32, (String, u64)> = reused;
        let pending: Vec<PartRange> = plan
            .parts()
            .filter(|p| !finished.contains_key(&p.number))
            .collect();
        let parts_uploaded = u32::try_from(pending.len()).unwrap_or(u32::MAX);
        let mut tasks = JoinSet::new();
        let mut concurrency = Concurrency::new(
            &options.concurrency,
            u64::from(parts_uploaded),
            plan.part_size(),
            self.retry_count(),
        );
        let mut queue = pending.into_iter();
        let pool = BufferPool::new(concurrency.max());
        loop {
            while tasks.len() < concurrency.limit() {
                let Some(range) = queue.next() else { break };
                let client = self.clone();
                let path: PathBuf = path.to_path_buf();
                let key = key.to_owned();
                let upload_id = upload_id.to_owned();
                let pool = pool.clone();
                let progress = PartProgress::new(Arc::clone(&tally));
                tasks.spawn(async move {
                    let (data, crc) = read_part(&path, range, &pool).await?;
                    let data = Bytes::from(data);
                    let part = client
                        .upload_part_with_progress(
                            &key,
                            &upload_id,
                            range.number,
                            data.clone(),
                            Some(crc),
                            Some(Arc::clone(&progress)),
                        )
                        .await;
                    if part.is_ok() {
                        progress.sent(range.len);
                    }
                    if let Ok(unique) = data.try_into_mut() {
                        pool.give(unique.into());
                    }
                    part
                });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let outcome = joined
                .map_err(|e| Error::io("upload task", std::io::Error::other(e.to_string())))?;
            let part = match outcome {
                Ok(ok) => ok,
                Err(error) => {
                    tasks.abort_all();
                    return Err(error);
                }
            };
            if let Some(range) = plan.part(part.number) {
                concurrency.part_done(range.len, self.retry_count());
            }
            finished.insert(part.number, (part.etag, part.crc64));
        }
        let local = plan.parts().try_fold(0u64, |acc, range| {
            finished
                .get(&range.number)
                .map(|(_, crc)| crc64::combine(acc, *crc, range.len))
                .ok_or_else(|| {
                    Error::malformed("UploadPart", format!("part {} missing", range.number))
                })
        })?;
        let list: Vec<(u32, String)> = finished
            .into_iter()
            .map(|(n, (etag, _))| (n, etag))
            .collect();
        let (etag, server) = match self.complete_multipart_upload(key, upload_id, list).await {
            Ok(out) => (Some(out.etag), out.crc64),
            // A retried Complete whose first attempt succeeded: check the object itself.
            Err(Error::Service(e)) if e.code() == "NoSuchUpload" => {
                let head = self.head_object(key).await?;
                if head.crc64 != Some(local) {
                    return Err(Error::Service(e));
                }
                (head.etag, head.crc64)
            }
            Err(e) => return Err(e),
        };
        let server = match server {
            Some(crc) => Some(crc),
            None => self.head_object(key).await?.crc64,
        };
        if let Some(server) = server
            && server != local
        {
            return Err(Error::ChecksumMismatch {
                what: "object".into(),
                local,
                server,
            });
        }
        Ok(UploadOutput {
            etag,
            crc64: local,
            server_crc_verified: server.is_some(),
            upload_id: Some(upload_id.to_owned()),
            parts_uploaded,
            parts_reused,
        })
    }
}

/// Slices a part is read in: small enough to still be in the CPU cache when their CRC-64
/// is taken right after, so that the part's memory is passed over once, not twice.
const READ_SLICE: u64 = 256 << 10;

/// Reads one part of the file into a pooled buffer (one blocking task), returning it with
/// its CRC-64.
pub(crate) async fn read_part(
    path: &Path,
    range: PartRange,
    pool: &BufferPool,
) -> Result<(Vec<u8>, u64), Error> {
    let context = format!("reading part {} of {}", range.number, path.display());
    let len = usize::try_from(range.len)
        .map_err(|_| Error::invalid("part size", "too large for memory"))?;
    let mut data = pool.take(len);
    let path = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || -> std::io::Result<(Vec<u8>, u64)> {
        use std::io::{Read, Seek};
        let mut file = std::fs::File::open(&path)?;
        file.seek(SeekFrom::Start(range.offset))?;
        let mut crc = crc64::Crc64::new();
        while data.len() < len {
            let start = data.len();
            let slice = READ_SLICE.min((len - start) as u64);
            // Into the buffer's spare room: no zero-filling first.
            if (&mut file).take(slice).read_to_end(&mut data)? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file is shorter than when the upload was planned",
                ));
            }
            crc.update(data.get(start..).unwrap_or_default());
        }
        Ok((data, crc.finish()))
    })
    .await
    .map_err(|e| Error::io(context.clone(), std::io::Error::other(e.to_string())))?;
    read.map_err(|e| Error::io(context, e))
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

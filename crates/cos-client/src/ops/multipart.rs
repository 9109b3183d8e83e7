//! Multipart upload operations: initiate, upload part, complete, abort, list parts, list
//! uploads.

use std::ops::RangeInclusive;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http::header::HeaderName;

use super::{checked_key, verify_crc, xml_op};
use crate::client::{Client, Op, OpBody};
use crate::crc64;
use crate::model::{CompleteOutput, CopyOutput, ListPartsPage, ListUploadsPage};
use crate::ops::object::CopySource;
use crate::options::{FORBID_OVERWRITE, PutOptions};
use crate::transfer::part_body::{PartProgress, part_body};
use crate::{Error, xml};

/// A part accepted by Upload Part.
///
/// ```
/// fn etags(parts: &[cos_client::UploadedPart]) -> Vec<(u32, String)> {
///     parts.iter().map(|p| (p.number, p.etag.clone())).collect()
/// }
/// assert!(etags(&[]).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedPart {
    /// Part number.
    pub number: u32,
    /// The quoted ETag to list in Complete.
    pub etag: String,
    /// The part's CRC-64 (local, and equal to the server's when it sent one).
    pub crc64: u64,
}

/// Part numbers run from 1 to 10000.
fn check_part_number(number: u32) -> Result<(), Error> {
    if (1..=10_000).contains(&number) {
        Ok(())
    } else {
        Err(Error::invalid("part number", "must be 1 to 10000"))
    }
}

impl Client {
    /// Initiate Multipart Upload; returns the upload id.
    ///
    /// # Errors
    /// A COS or transport error, or a malformed answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let upload_id = client.initiate_multipart_upload("big.bin", &Default::default()).await?;
    /// assert!(!upload_id.is_empty());
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn initiate_multipart_upload(
        &self,
        key: &str,
        options: &PutOptions,
    ) -> Result<String, Error> {
        let op = options.apply(
            Op::new("InitiateMultipartUpload", Method::POST, checked_key(key)?)
                .query("uploads", ""),
        )?;
        let answer = self.send(&op).await?;
        xml::parse_initiate(&answer.body)
    }

    /// Upload Part `number` (1–10000), checking the part's CRC-64.
    ///
    /// # Errors
    /// A COS or transport error, or [`Error::ChecksumMismatch`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let id = client.initiate_multipart_upload("big.bin", &Default::default()).await?;
    /// let part = client.upload_part("big.bin", &id, 1, vec![0u8; 1 << 20].into()).await?;
    /// assert_eq!(part.number, 1);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        body: Bytes,
    ) -> Result<UploadedPart, Error> {
        self.upload_part_with_progress(key, upload_id, number, body, None, None)
            .await
    }

    /// [`Client::upload_part`], telling `progress` (when given) as the bytes go out; `crc`
    /// is the body's CRC-64 when the caller already took it.
    pub(crate) async fn upload_part_with_progress(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        body: Bytes,
        crc: Option<u64>,
        progress: Option<Arc<PartProgress>>,
    ) -> Result<UploadedPart, Error> {
        check_part_number(number)?;
        let local = crc.unwrap_or_else(|| crc64::checksum(&body));
        let len = body.len() as u64;
        let mut op = Op::new("UploadPart", Method::PUT, checked_key(key)?)
            .query("partNumber", number.to_string())
            .query("uploadId", upload_id);
        op.body = match progress {
            Some(progress) => OpBody::Factory(
                Box::new(move || part_body(body.clone(), Arc::clone(&progress))),
                len,
            ),
            None => OpBody::Bytes(body),
        };
        let answer = self.send(&op).await?;
        verify_crc(format!("part {number}"), local, &answer)?;
        let etag = answer
            .header("etag")
            .ok_or_else(|| Error::malformed("UploadPart", "no ETag"))?;
        Ok(UploadedPart {
            number,
            etag,
            crc64: local,
        })
    }

    /// Upload Part - Copy: part `number` of the upload is taken from `source` (the bytes
    /// `range`, first to last inclusive, or the whole object), copied inside COS. Needs
    /// `PutObject` on the destination and `GetObject` on the source. A 200 answer carrying
    /// `<Error>` is retried like a 5xx.
    ///
    /// # Errors
    /// A COS or transport error, or a malformed answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// client.put_object("source.txt", "hello world".into(), &Default::default()).await?;
    /// let source = cos_client::CopySource::new(client.location(), "source.txt");
    /// let id = client.initiate_multipart_upload("copy.txt", &Default::default()).await?;
    /// let part = client.upload_part_copy("copy.txt", &id, 1, &source, Some(6..=10)).await?;
    /// client.complete_multipart_upload("copy.txt", &id, vec![(1, part.etag)]).await?;
    /// assert_eq!(client.get_object_bytes("copy.txt").await?, b"world");
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn upload_part_copy(
        &self,
        key: &str,
        upload_id: &str,
        number: u32,
        source: &CopySource,
        range: Option<RangeInclusive<u64>>,
    ) -> Result<CopyOutput, Error> {
        check_part_number(number)?;
        source.validate()?;
        let mut op = Op::new("UploadPartCopy", Method::PUT, checked_key(key)?)
            .query("partNumber", number.to_string())
            .query("uploadId", upload_id)
            .header(
                HeaderName::from_static("x-cos-copy-source"),
                &source.header_value(),
            )?;
        if let Some(range) = range {
            if range.is_empty() {
                return Err(Error::invalid("copy range", "last byte before first byte"));
            }
            op = op.header(
                HeaderName::from_static("x-cos-copy-source-range"),
                &format!("bytes={}-{}", range.start(), range.end()),
            )?;
        }
        op.error_in_200 = true;
        let answer = self.send(&op).await?;
        let out = xml::parse_copy_part(&answer.body, &answer.headers)?;
        if out.etag.is_empty() {
            return Err(Error::malformed("UploadPartCopy", "no ETag"));
        }
        Ok(out)
    }

    /// Complete Multipart Upload with `(part number, ETag)` pairs (sorted here). A 200
    /// answer carrying `<Error>` is retried like a 5xx.
    ///
    /// # Errors
    /// A COS or transport error, or a malformed answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let id = client.initiate_multipart_upload("big.bin", &Default::default()).await?;
    /// let first = client.upload_part("big.bin", &id, 1, vec![1u8; 1 << 20].into()).await?;
    /// let last = client.upload_part("big.bin", &id, 2, vec![2u8; 10].into()).await?;
    /// let whole = cos_client::crc64::combine(first.crc64, last.crc64, 10);
    /// let parts = vec![(1, first.etag), (2, last.etag)];
    /// let done = client.complete_multipart_upload("big.bin", &id, parts).await?;
    /// assert_eq!(done.crc64, Some(whole));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn complete_multipart_upload(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(u32, String)>,
    ) -> Result<CompleteOutput, Error> {
        self.complete(key, upload_id, parts, false).await
    }

    /// [`Client::complete_multipart_upload`] that only creates: with
    /// `x-cos-forbid-overwrite: true`, COS answers 409 `FileAlreadyExists` (and keeps the
    /// upload open) when the key already holds an object. The check and the commit are one
    /// step on COS's side, so two racing creators cannot both succeed.
    ///
    /// # Errors
    /// As [`Client::complete_multipart_upload`]; `FileAlreadyExists` as an [`Error::Service`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// client.put_object("taken.bin", "old".into(), &Default::default()).await?;
    /// let id = client.initiate_multipart_upload("taken.bin", &Default::default()).await?;
    /// let part = client.upload_part("taken.bin", &id, 1, "new".into()).await?;
    /// let refused = client
    ///     .complete_multipart_upload_create_only("taken.bin", &id, vec![(1, part.etag)])
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(refused.service().map(|e| e.code()), Some("FileAlreadyExists"));
    /// assert_eq!(client.get_object_bytes("taken.bin").await?, b"old");
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn complete_multipart_upload_create_only(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(u32, String)>,
    ) -> Result<CompleteOutput, Error> {
        self.complete(key, upload_id, parts, true).await
    }

    async fn complete(
        &self,
        key: &str,
        upload_id: &str,
        mut parts: Vec<(u32, String)>,
        create_only: bool,
    ) -> Result<CompleteOutput, Error> {
        if parts.is_empty() {
            return Err(Error::invalid("parts", "at least one part"));
        }
        parts.sort_by_key(|(n, _)| *n);
        let mut op = Op::new("CompleteMultipartUpload", Method::POST, checked_key(key)?)
            .query("uploadId", upload_id);
        if create_only {
            op = op.header(HeaderName::from_static(FORBID_OVERWRITE), "true")?;
        }
        let mut op = xml_op(op, xml::complete_body(&parts))?;
        op.idempotent = true;
        op.error_in_200 = true;
        let answer = self.send(&op).await?;
        let mut out = xml::parse_complete(&answer.body)?;
        out.crc64 = crc64::parse_header(&answer.headers);
        out.version_id = answer.header("x-cos-version-id");
        Ok(out)
    }

    /// Abort Multipart Upload.
    ///
    /// # Errors
    /// A COS error (`NoSuchUpload`) or a transport error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let id = client.initiate_multipart_upload("big.bin", &Default::default()).await?;
    /// client.abort_multipart_upload("big.bin", &id).await?;
    /// assert!(client.list_parts("big.bin", &id, None).await.is_err());
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn abort_multipart_upload(&self, key: &str, upload_id: &str) -> Result<(), Error> {
        let op = Op::new("AbortMultipartUpload", Method::DELETE, checked_key(key)?)
            .query("uploadId", upload_id);
        self.send(&op).await.map(|_| ())
    }

    /// One page of List Parts, starting after `part_number_marker`.
    ///
    /// # Errors
    /// A COS or transport error, or a malformed answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let id = client.initiate_multipart_upload("big.bin", &Default::default()).await?;
    /// client.upload_part("big.bin", &id, 1, vec![0u8; 1 << 20].into()).await?;
    /// let page = client.list_parts("big.bin", &id, None).await?;
    /// assert_eq!(page.parts[0].size, 1 << 20);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
        part_number_marker: Option<u32>,
    ) -> Result<ListPartsPage, Error> {
        let mut op =
            Op::new("ListParts", Method::GET, checked_key(key)?).query("uploadId", upload_id);
        if let Some(marker) = part_number_marker {
            op = op.query("part-number-marker", marker.to_string());
        }
        let answer = self.send(&op).await?;
        xml::parse_list_parts(&answer.body)
    }

    /// One page of List Multipart Uploads under `prefix`.
    ///
    /// # Errors
    /// A COS or transport error, or a malformed answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let id = client.initiate_multipart_upload("big.bin", &Default::default()).await?;
    /// let page = client.list_multipart_uploads("big", None, None).await?;
    /// assert!(page.uploads.iter().any(|u| u.upload_id == id));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn list_multipart_uploads(
        &self,
        prefix: &str,
        key_marker: Option<&str>,
        upload_id_marker: Option<&str>,
    ) -> Result<ListUploadsPage, Error> {
        let op = list_uploads_op(prefix, key_marker, upload_id_marker);
        let answer = self.send(&op).await?;
        xml::parse_list_uploads(&answer.body)
    }
}

/// The ListMultipartUploads request of one page of the uploads under `prefix`.
pub(crate) fn list_uploads_op(
    prefix: &str,
    key_marker: Option<&str>,
    upload_id_marker: Option<&str>,
) -> Op {
    let mut op = Op::new("ListMultipartUploads", Method::GET, None)
        .query("uploads", "")
        .query("encoding-type", "url");
    if !prefix.is_empty() {
        op = op.query("prefix", prefix);
    }
    if let Some(marker) = key_marker {
        op = op.query("key-marker", marker);
    }
    if let Some(marker) = upload_id_marker {
        op = op.query("upload-id-marker", marker);
    }
    op
}

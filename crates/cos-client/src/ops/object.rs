//! Single-object operations: PUT (bytes, file, stream), GET (streamed), HEAD, DELETE,
//! DELETE Multiple, PUT Object – Copy.

use std::path::Path;

use bytes::Bytes;
use http::Method;
use http::header::{HeaderName, RANGE};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::body::{stream_file, stream_reader};
use super::{checked_key, next_frame, object_metadata, own_earlier_create, put_output, xml_op};
use crate::client::{Client, Op, OpBody};
use crate::crc64::{self, Crc64};
use crate::model::{CopyOutput, DeleteObjectsOutput, ObjectMetadata, PutObjectOutput};
use crate::options::{GetOptions, PutOptions};
use crate::{Bucket, Error, key, xml};

/// The object a copy reads from.
///
/// ```
/// let source = cos_client::CopySource::new(&cos_client::Bucket::new("src-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap()), "a/b.txt");
/// assert_eq!(source.header_value(), "src-1250000000.cos.ap-beijing.myqcloud.com/a/b.txt");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    bucket: String,
    region: String,
    key: String,
}

impl CopySource {
    /// An object of any bucket.
    ///
    /// ```
    /// let bucket = cos_client::Bucket::new("b-1".parse()?, "ap-guangzhou".parse()?);
    /// let s = cos_client::CopySource::new(&bucket, "k");
    /// # let _ = s;
    /// # Ok::<(), cos_client::NameError>(())
    /// ```
    pub fn new(bucket: &Bucket, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.name().as_str().to_owned(),
            region: bucket.region().as_str().to_owned(),
            key: key.into(),
        }
    }

    /// The source bucket.
    ///
    /// ```
    /// assert_eq!(cos_client::CopySource::new(&cos_client::Bucket::new("b-1".parse().unwrap(), "ap-guangzhou".parse().unwrap()), "k").bucket(), "b-1");
    /// ```
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The source key.
    ///
    /// ```
    /// assert_eq!(cos_client::CopySource::new(&cos_client::Bucket::new("b-1".parse().unwrap(), "ap-guangzhou".parse().unwrap()), "k").key(), "k");
    /// ```
    pub fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        key::validate(&self.key)
    }

    /// The `x-cos-copy-source` value.
    ///
    /// ```
    /// let s = cos_client::CopySource::new(&cos_client::Bucket::new("b-1".parse().unwrap(), "ap-guangzhou".parse().unwrap()), "a b");
    /// assert_eq!(s.header_value(), "b-1.cos.ap-guangzhou.myqcloud.com/a%20b");
    /// ```
    pub fn header_value(&self) -> String {
        format!(
            "{}.cos.{}.myqcloud.com{}",
            self.bucket,
            self.region,
            key::encode_path(&self.key)
        )
    }
}

/// A GET Object answer whose body has not been read yet.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
/// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
/// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
/// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
/// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
/// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
/// let object = client.get_object("a.txt", &Default::default()).await?;
/// let mut out = Vec::new();
/// let written = object.write_to(&mut out).await?;
/// assert_eq!((written, out.as_slice()), (5, &b"hello"[..]));
/// # emulator.shutdown().await; Ok(()) }
/// ```
#[derive(Debug)]
pub struct GetObjectResponse {
    metadata: ObjectMetadata,
    body: hyper::body::Incoming,
    whole: bool,
    idle_timeout: std::time::Duration,
}

/// What [`GetObjectResponse::into_stream`] carries from one chunk to the next.
struct StreamState {
    body: hyper::body::Incoming,
    crc: Crc64,
    received: u64,
    expected: u64,
    server_crc: Option<u64>,
    idle_timeout: std::time::Duration,
    done: bool,
}

impl StreamState {
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, Error> {
        while let Some(frame) = next_frame(&mut self.body, self.idle_timeout).await? {
            let frame = frame.map_err(|e| Error::Transport {
                operation: "GetObject",
                message: format!("reading the body: {e}"),
                not_sent: false,
            })?;
            if let Ok(data) = frame.into_data() {
                if data.is_empty() {
                    continue;
                }
                self.crc.update(&data);
                self.received += data.len() as u64;
                return Ok(Some(data));
            }
        }
        if self.received != self.expected {
            return Err(Error::Transport {
                operation: "GetObject",
                message: format!(
                    "body ended after {} of {} bytes",
                    self.received, self.expected
                ),
                not_sent: false,
            });
        }
        if let Some(server) = self.server_crc {
            let local = self.crc.finish();
            if local != server {
                return Err(Error::ChecksumMismatch {
                    what: "object".into(),
                    local,
                    server,
                });
            }
        }
        Ok(None)
    }
}

impl GetObjectResponse {
    /// The body as a stream of [`Bytes`] chunks, as they arrive (never the whole object in
    /// memory). A body that ends short fails the last item; for a whole-object GET the
    /// CRC-64 is checked against `x-cos-hash-crc64ecma` before the stream ends, so a stream
    /// that ends without an error delivered exactly the object.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// use futures_util::TryStreamExt;
    /// let object = client.get_object("a.txt", &Default::default()).await?;
    /// let chunks: Vec<bytes::Bytes> = object.into_stream().try_collect().await?;
    /// assert_eq!(chunks.concat(), b"hello");
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub fn into_stream(
        self,
    ) -> impl futures_util::Stream<Item = Result<Bytes, Error>> + Send + 'static {
        let state = self.into_state();
        // Fused: `object_store` (among others) polls once more after the end.
        futures_util::StreamExt::fuse(futures_util::stream::unfold(
            state,
            |mut state| async move {
                if state.done {
                    return None;
                }
                match state.next_chunk().await {
                    Ok(Some(chunk)) => Some((Ok(chunk), state)),
                    Ok(None) => None,
                    Err(e) => {
                        state.done = true;
                        Some((Err(e), state))
                    }
                }
            },
        ))
    }

    /// The object's headers.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// let object = client.get_object("a.txt", &Default::default()).await?;
    /// assert_eq!(object.metadata().content_length, 5);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub fn metadata(&self) -> &ObjectMetadata {
        &self.metadata
    }

    /// Streams the body into `writer` frame by frame (never holding the whole object) and
    /// returns the number of bytes written. For a whole-object GET, the CRC-64 is checked
    /// against `x-cos-hash-crc64ecma` when COS sent it.
    ///
    /// # Errors
    /// [`Error::Transport`] when the connection breaks, [`Error::Io`] when writing fails,
    /// [`Error::ChecksumMismatch`] or a short body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.txt");
    /// let mut file = tokio::fs::File::create(&path).await?;
    /// client.get_object("a.txt", &Default::default()).await?.write_to(&mut file).await?;
    /// assert_eq!(std::fs::read(&path)?, b"hello");
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn write_to<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64, Error> {
        let mut state = self.into_state();
        while let Some(data) = state.next_chunk().await? {
            writer
                .write_all(&data)
                .await
                .map_err(|e| Error::io("writing the object", e))?;
        }
        writer
            .flush()
            .await
            .map_err(|e| Error::io("flushing the object", e))?;
        Ok(state.received)
    }

    /// The body reader shared by [`GetObjectResponse::write_to`] and
    /// [`GetObjectResponse::into_stream`].
    fn into_state(self) -> StreamState {
        StreamState {
            server_crc: if self.whole {
                self.metadata.crc64
            } else {
                None
            },
            expected: self.metadata.content_length,
            body: self.body,
            crc: Crc64::new(),
            received: 0,
            idle_timeout: self.idle_timeout,
            done: false,
        }
    }
}

impl Client {
    /// PUT Object from bytes in memory (retried safely: the bytes are re-sent), checking
    /// the CRC-64 COS reports.
    ///
    /// # Errors
    /// A COS error, a transport error after the retries, or [`Error::ChecksumMismatch`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// let out = client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// assert_eq!(out.crc64, Some(cos_client::crc64::checksum(b"hello")));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn put_object(
        &self,
        key: &str,
        body: Bytes,
        options: &PutOptions,
    ) -> Result<PutObjectOutput, Error> {
        let local = crc64::checksum(&body);
        let op = options
            .apply(Op::new("PutObject", Method::PUT, checked_key(key)?))?
            .body(body);
        match self.send(&op).await {
            Ok(answer) => put_output(&answer, local),
            Err(e) => own_earlier_create(self, &op, e, key, Some(local)).await,
        }
    }

    /// PUT Object streamed from a file (read again for each attempt, never held whole).
    ///
    /// # Errors
    /// As [`Client::put_object`], plus [`Error::Io`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("a.bin");
    /// # std::fs::write(&path, b"bytes")?;
    /// let out = client.put_object_from_file("a.bin", &path, &Default::default()).await?;
    /// assert!(out.crc64.is_some());
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn put_object_from_file(
        &self,
        key: &str,
        path: &Path,
        options: &PutOptions,
    ) -> Result<PutObjectOutput, Error> {
        let len = tokio::fs::metadata(path)
            .await
            .map_err(|e| Error::io(format!("reading metadata of {}", path.display()), e))?
            .len();
        let owned = path.to_path_buf();
        let crc = std::sync::Arc::new(std::sync::Mutex::new(None));
        let recorded = crc.clone();
        let factory = move || stream_file(owned.clone(), len, recorded.clone());
        let mut op = options.apply(Op::new("PutObject", Method::PUT, checked_key(key)?))?;
        op.body = OpBody::Factory(Box::new(factory), len);
        let answer = match self.send(&op).await {
            Ok(answer) => answer,
            Err(e) => {
                let local = crc.lock().ok().and_then(|c| *c);
                return own_earlier_create(self, &op, e, key, local).await;
            }
        };
        let local = crc.lock().ok().and_then(|c| *c).ok_or_else(|| {
            Error::malformed("PutObject", "answered before the whole body was sent")
        })?;
        put_output(&answer, local)
    }

    /// PUT Object from a stream of known length. The stream can be read only once, so this
    /// request is never retried; prefer [`Client::put_object_from_file`] or
    /// [`Client::put_object`] when the data can be read again. The CRC-64 of the bytes read
    /// is checked against COS's.
    ///
    /// # Errors
    /// As [`Client::put_object`]; a stream that ends before `len` bytes fails the request.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// use tokio::io::AsyncReadExt;
    /// let reader = tokio::io::repeat(b'x').take(1000);
    /// client.put_object_stream("x.bin", reader, 1000, &Default::default()).await?;
    /// assert_eq!(client.head_object("x.bin").await?.content_length, 1000);
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn put_object_stream<R>(
        &self,
        key: &str,
        reader: R,
        len: u64,
        options: &PutOptions,
    ) -> Result<PutObjectOutput, Error>
    where
        R: tokio::io::AsyncRead + Send + Unpin + 'static,
    {
        let crc = std::sync::Arc::new(std::sync::Mutex::new(None));
        let body = stream_reader(reader, len, crc.clone());
        let mut op = options.apply(Op::new("PutObject", Method::PUT, checked_key(key)?))?;
        op.body = OpBody::Once(std::sync::Mutex::new(Some(body)), len);
        let answer = self.send(&op).await?;
        let local = crc.lock().ok().and_then(|c| *c).ok_or_else(|| {
            Error::malformed("PutObject", "answered before the whole body was sent")
        })?;
        put_output(&answer, local)
    }

    /// GET Object; the body is streamed by [`GetObjectResponse::write_to`].
    ///
    /// # Errors
    /// A COS error (`NoSuchKey`, `InvalidRange`, `PreconditionFailed`, …) or a transport
    /// error after the retries.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "0123456789abcdef".into(), &Default::default()).await?;
    /// use cos_client::{ByteRange, GetOptions};
    /// let range = GetOptions::default().range(ByteRange::new(0, Some(9)));
    /// let part = client.get_object("a.txt", &range).await?;
    /// assert_eq!((part.metadata().content_length, part.metadata().object_size), (10, 16));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn get_object(
        &self,
        key: &str,
        options: &GetOptions,
    ) -> Result<GetObjectResponse, Error> {
        let response = self.get_object_raw(key, options).await?;
        let metadata = object_metadata(response.headers());
        let whole = response.status() == http::StatusCode::OK;
        Ok(GetObjectResponse {
            metadata,
            body: response.into_body(),
            whole,
            idle_timeout: self.inner.request_timeout,
        })
    }

    pub(crate) async fn get_object_raw(
        &self,
        key: &str,
        options: &GetOptions,
    ) -> Result<http::Response<hyper::body::Incoming>, Error> {
        let mut op = Op::new("GetObject", Method::GET, checked_key(key)?);
        if let Some(range) = &options.range {
            range.validate()?;
            op = op.header(RANGE, &range.header_value())?;
        }
        op = options.apply_conditions(op)?;
        if let Some(version) = &options.version_id {
            op = op.query("versionId", version.clone());
        }
        self.send_streaming(&op).await
    }

    /// GET Object into memory (small objects only).
    ///
    /// # Errors
    /// As [`Client::get_object`] and [`GetObjectResponse::write_to`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// assert_eq!(client.get_object_bytes("a.txt").await?, b"hello");
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn get_object_bytes(&self, key: &str) -> Result<Vec<u8>, Error> {
        let response = self.get_object(key, &GetOptions::default()).await?;
        let mut out = Vec::with_capacity(
            usize::try_from(response.metadata.content_length)
                .unwrap_or(0)
                .min(1 << 26),
        );
        response.write_to(&mut out).await?;
        Ok(out)
    }

    /// HEAD Object.
    ///
    /// # Errors
    /// A COS error (404 `NoSuchKey` without a body), or a transport error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// let head = client.head_object("a.txt").await?;
    /// assert_eq!(head.content_length, 5);
    /// assert_eq!(head.crc64, Some(cos_client::crc64::checksum(b"hello")));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn head_object(&self, key: &str) -> Result<ObjectMetadata, Error> {
        self.head_object_with(key, &GetOptions::default()).await
    }

    /// HEAD Object with the conditions and version of `options` (its range is ignored: HEAD
    /// describes the whole object).
    ///
    /// # Errors
    /// As [`Client::head_object`]; a failed condition is a 412 or 304 [`Error::Service`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// let etag = client.head_object("a.txt").await?.etag.unwrap_or_default();
    /// let same = cos_client::GetOptions::default().if_none_match(etag);
    /// let unchanged = client.head_object_with("a.txt", &same).await.unwrap_err();
    /// assert_eq!(unchanged.service().map(|e| e.status()), Some(304));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn head_object_with(
        &self,
        key: &str,
        options: &GetOptions,
    ) -> Result<ObjectMetadata, Error> {
        let mut op =
            options.apply_conditions(Op::new("HeadObject", Method::HEAD, checked_key(key)?))?;
        if let Some(version) = &options.version_id {
            op = op.query("versionId", version.clone());
        }
        let answer = self.send(&op).await?;
        Ok(object_metadata(&answer.headers))
    }

    /// DELETE Object (succeeds for a missing key, as COS does).
    ///
    /// # Errors
    /// A COS error or a transport error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// client.delete_object("a.txt").await?;
    /// client.delete_object("a.txt").await?; // a missing key is fine
    /// let gone = client.head_object("a.txt").await.unwrap_err();
    /// assert_eq!(gone.service().map(|e| e.status()), Some(404));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn delete_object(&self, key: &str) -> Result<(), Error> {
        let op = Op::new("DeleteObject", Method::DELETE, checked_key(key)?);
        self.send(&op).await.map(|_| ())
    }

    /// DELETE Multiple Objects (1–1000 keys), with `Content-MD5`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for 0 or more than 1000 keys, a COS or transport error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # for key in ["a.txt", "b.txt"] { client.put_object(key, "x".into(), &Default::default()).await?; }
    /// let out = client.delete_objects(&["a.txt", "b.txt"], false).await?;
    /// assert_eq!(out.deleted.len(), 2);
    /// assert!(out.failed.is_empty());
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn delete_objects(
        &self,
        keys: &[&str],
        quiet: bool,
    ) -> Result<DeleteObjectsOutput, Error> {
        if keys.is_empty() || keys.len() > 1000 {
            return Err(Error::invalid(
                "keys",
                "between 1 and 1000 keys per request",
            ));
        }
        for key in keys {
            key::validate(key)?;
        }
        let mut op = xml_op(
            Op::new("DeleteMultipleObjects", Method::POST, None).query("delete", ""),
            xml::delete_body(keys, quiet),
        )?;
        op.idempotent = true;
        let answer = self.send(&op).await?;
        xml::parse_delete_result(&answer.body)
    }

    /// PUT Object – Copy from `source` to `key`; with metadata in `options` the metadata is
    /// replaced, otherwise copied.
    ///
    /// # Errors
    /// A COS or transport error (including an `<Error>` inside a 200 answer).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// # client.put_object("a.txt", "hello".into(), &Default::default()).await?;
    /// let source = cos_client::CopySource::new(client.location(), "a.txt");
    /// let copied = client.copy_object(&source, "b.txt", &Default::default()).await?;
    /// assert_eq!(client.get_object_bytes("b.txt").await?, b"hello");
    /// assert!(copied.etag.starts_with('"'));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn copy_object(
        &self,
        source: &CopySource,
        key: &str,
        options: &PutOptions,
    ) -> Result<CopyOutput, Error> {
        source.validate()?;
        if options.get_forbid_overwrite() {
            return Err(Error::invalid(
                "forbid_overwrite",
                "COS documents x-cos-forbid-overwrite for PUT Object and multipart uploads, not for PUT Object - Copy",
            ));
        }
        let mut op = options
            .apply(Op::new("CopyObject", Method::PUT, checked_key(key)?))?
            .header(
                HeaderName::from_static("x-cos-copy-source"),
                &source.header_value(),
            )?;
        if options.has_metadata() {
            op = op.header(
                HeaderName::from_static("x-cos-metadata-directive"),
                "Replaced",
            )?;
        }
        op.error_in_200 = true;
        let answer = self.send(&op).await?;
        xml::parse_copy(&answer.body, &answer.headers)
    }
}

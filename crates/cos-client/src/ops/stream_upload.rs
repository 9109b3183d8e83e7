//! Upload from a stream of unknown length: one PUT when it fits in a part, multipart
//! otherwise, with bounded memory.

use bytes::{Bytes, BytesMut};
use futures_util::stream::FuturesUnordered;
use futures_util::{Stream, StreamExt as _};

use crate::client::Client;
use crate::model::PutObjectOutput;
use crate::ops::UploadedPart;
use crate::options::PutOptions;
use crate::plan::{MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE};
use crate::{Error, crc64};

/// How [`Client::upload_stream`] cuts and sends a stream.
///
/// ```
/// let options = cos_client::StreamUploadOptions::default().part_size(16 << 20).concurrency(2);
/// assert_eq!(options.get_part_size(), 16 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamUploadOptions {
    part_size: u64,
    concurrency: usize,
}

impl Default for StreamUploadOptions {
    /// 8 MiB parts, 4 in flight.
    fn default() -> Self {
        Self {
            part_size: 8 * 1024 * 1024,
            concurrency: 4,
        }
    }
}

impl StreamUploadOptions {
    /// Part size (1 MiB to 5 GiB); a stream shorter than one part is sent with one PUT.
    ///
    /// ```
    /// let o = cos_client::StreamUploadOptions::default().part_size(5 << 20);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn part_size(mut self, part_size: u64) -> Self {
        self.part_size = part_size;
        self
    }

    /// The part size.
    ///
    /// ```
    /// assert_eq!(cos_client::StreamUploadOptions::default().get_part_size(), 8 << 20);
    /// ```
    pub fn get_part_size(&self) -> u64 {
        self.part_size
    }

    /// Parts sent at the same time (at least 1). Memory stays below part size ×
    /// (concurrency + 1).
    ///
    /// ```
    /// let o = cos_client::StreamUploadOptions::default().concurrency(8);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    fn validate(&self) -> Result<usize, Error> {
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&self.part_size) {
            return Err(Error::invalid("part size", "must be 1 MiB to 5 GiB"));
        }
        usize::try_from(self.part_size)
            .map_err(|_| Error::invalid("part size", "larger than this platform's memory"))
    }
}

impl Client {
    /// Uploads a stream of unknown length to `key`. The first part's worth is buffered: a
    /// stream that ends before it fills is sent with one PUT Object (retried safely); a
    /// longer one becomes a multipart upload whose parts (each retried on its own) are sent
    /// up to [`StreamUploadOptions::concurrency`] at a time while the stream is read. The
    /// parts' combined CRC-64 is checked against COS's for the whole object, and the upload
    /// is aborted when anything fails, so no parts are left behind.
    ///
    /// With [`PutOptions::forbid_overwrite`], both paths only create: COS refuses with 409
    /// `FileAlreadyExists` when the key exists.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a bad part size or more than 10000 parts, [`Error::Io`]
    /// when the stream yields an error, a COS or transport error, or
    /// [`Error::ChecksumMismatch`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
    /// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(emulator.root_credential()))
    /// #     .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr())).build()?;
    /// use cos_client::StreamUploadOptions;
    /// let chunks = (0..5).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![7u8; 512 * 1024])));
    /// let stream = futures_util::stream::iter(chunks);
    /// let options = StreamUploadOptions::default().part_size(1 << 20);
    /// let out = client.upload_stream("logs.bin", stream, &Default::default(), options).await?;
    /// assert_eq!(client.head_object("logs.bin").await?.content_length, 5 * 512 * 1024);
    /// assert!(out.etag.is_some_and(|e| e.ends_with("-3\"")));
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub async fn upload_stream<S, E>(
        &self,
        key: &str,
        stream: S,
        options: &PutOptions,
        upload: StreamUploadOptions,
    ) -> Result<PutObjectOutput, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let part_size = upload.validate()?;
        let mut stream = std::pin::pin!(stream);
        let mut buffer = BytesMut::new();
        let first = fill(&mut stream, &mut buffer, part_size).await?;
        let Some(first) = first else {
            return self.put_object(key, buffer.freeze(), options).await;
        };
        let upload_id = self.initiate_multipart_upload(key, options).await?;
        let sent = self
            .send_parts(
                key,
                &upload_id,
                first,
                &mut stream,
                &mut buffer,
                part_size,
                upload,
            )
            .await;
        let result = match sent {
            Ok(parts) => self.finish_parts(key, &upload_id, parts, options).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            // Best effort: the original error is what the caller needs.
            let _ = self.abort_multipart_upload(key, &upload_id).await;
        }
        result
    }

    /// Reads the stream part by part, keeping at most `concurrency` parts in flight.
    #[allow(clippy::too_many_arguments)]
    async fn send_parts<S, E>(
        &self,
        key: &str,
        upload_id: &str,
        first: Bytes,
        stream: &mut std::pin::Pin<&mut S>,
        buffer: &mut BytesMut,
        part_size: usize,
        upload: StreamUploadOptions,
    ) -> Result<Vec<(UploadedPart, u64)>, Error>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let concurrency = upload.concurrency.max(1);
        let mut in_flight = FuturesUnordered::new();
        let mut done = Vec::new();
        let mut next = Some(first);
        let mut number = 0u32;
        loop {
            while in_flight.len() >= concurrency {
                if let Some(part) = in_flight.next().await {
                    done.push(part?);
                }
            }
            let Some(body) = next.take() else { break };
            number += 1;
            if u64::from(number) > MAX_PARTS {
                return Err(Error::invalid(
                    "stream",
                    "longer than 10000 parts of this size",
                ));
            }
            let len = body.len() as u64;
            in_flight.push(async move {
                let part = self.upload_part(key, upload_id, number, body).await?;
                Ok::<_, Error>((part, len))
            });
            next = match fill(stream, buffer, part_size).await? {
                Some(full) => Some(full),
                None if buffer.is_empty() => None,
                None => Some(std::mem::take(buffer).freeze()),
            };
        }
        while let Some(part) = in_flight.next().await {
            done.push(part?);
        }
        done.sort_by_key(|(part, _)| part.number);
        Ok(done)
    }

    async fn finish_parts(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(UploadedPart, u64)>,
        options: &PutOptions,
    ) -> Result<PutObjectOutput, Error> {
        let local = parts.iter().fold(0u64, |crc, (part, len)| {
            crc64::combine(crc, part.crc64, *len)
        });
        let etags = parts
            .into_iter()
            .map(|(part, _)| (part.number, part.etag))
            .collect();
        let out = if options.get_forbid_overwrite() {
            self.complete_multipart_upload_create_only(key, upload_id, etags)
                .await?
        } else {
            self.complete_multipart_upload(key, upload_id, etags)
                .await?
        };
        if let Some(server) = out.crc64
            && server != local
        {
            return Err(Error::ChecksumMismatch {
                what: "object".into(),
                local,
                server,
            });
        }
        Ok(PutObjectOutput {
            etag: Some(out.etag),
            crc64: out.crc64,
            version_id: out.version_id,
            request_id: None,
        })
    }
}

/// Reads until `buffer` holds `part_size` bytes (then splits them off and returns them) or
/// the stream ends (then returns `None`, the rest left in `buffer`).
async fn fill<S, E>(
    stream: &mut std::pin::Pin<&mut S>,
    buffer: &mut BytesMut,
    part_size: usize,
) -> Result<Option<Bytes>, Error>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    while buffer.len() < part_size {
        match stream.next().await {
            Some(Ok(chunk)) => buffer.extend_from_slice(&chunk),
            Some(Err(e)) => {
                return Err(Error::io(
                    "reading the upload stream",
                    std::io::Error::other(e.into()),
                ));
            }
            None => return Ok(None),
        }
    }
    Ok(Some(buffer.split_to(part_size).freeze()))
}

//! `ObjectStore` for one COS bucket: reads, writes, deletes, listings and copies.

use std::fmt;

use async_trait::async_trait;
use cos_client::{Client, CopySource, ListOptions, MAX_PART_SIZE};
use futures_util::stream::{self, BoxStream, StreamExt as _, TryStreamExt as _};
use object_store::path::Path;
use object_store::{
    CopyMode, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult,
    Result,
};

use crate::convert::{self, error};
use crate::multipart::Upload;

/// The listing delimiter of `object_store` paths.
const DELIMITER: &str = "/";

/// Keys per DELETE Multiple Objects request (COS's maximum).
const DELETE_BATCH: usize = 1000;

/// Range size of a multipart copy of an object above 5 GiB (one Upload Part - Copy each).
const COPY_PART: u64 = 1024 * 1024 * 1024;

/// One COS bucket as an [`ObjectStore`] (plus [`object_store::multipart::MultipartStore`]
/// and [`object_store::list::PaginatedListStore`]), on a [`cos_client::Client`].
///
/// Every request goes through the client, so it is signed afresh with the provider's
/// current key: temporary keys from STS or a vending endpoint refresh underneath a
/// long-running query. Cheap to clone (clones share the client's connection pool).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
/// #     .bucket("examplebucket-1250000000").in_memory().start().await?;
/// use cos_object_store::CosObjectStore;
/// use object_store::{ObjectStore, ObjectStoreExt, path::Path};
///
/// let client = cos_client::Client::builder()
///     .bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
///     .credentials(sts_client::provider::StaticProvider::new(emulator.root_credential()))
/// #   .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr()))
///     .build()?;
/// let store = CosObjectStore::new(client);
/// let path = Path::from("tables/t1/part-0.parquet");
/// store.put(&path, "bytes".into()).await?;
/// assert_eq!(store.get(&path).await?.bytes().await?, "bytes");
/// # emulator.shutdown().await; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CosObjectStore {
    client: Client,
}

impl CosObjectStore {
    /// A store over `client`'s bucket.
    ///
    /// ```
    /// let bucket = cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
    /// let client = cos_client::Client::builder()
    ///     .bucket(&bucket)
    ///     .credential(cos_client::Credential::new("id", "key"))
    ///     .build()?;
    /// let store = cos_object_store::CosObjectStore::new(client);
    /// assert_eq!(store.to_string(), "COS(examplebucket-1250000000, ap-guangzhou)");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The client requests go through.
    ///
    /// ```
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?))
    /// #     .credentials(sts_client::provider::StaticProvider::new(tc3_signer::Credential::new("i", "k")))
    /// #     .build()?;
    /// let store = cos_object_store::CosObjectStore::new(client);
    /// assert_eq!(store.client().bucket(), "b-1250000000");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Every object under `prefix` (after `offset`, exclusive) as a stream of pages fetched
    /// one at a time.
    fn list_from(
        &self,
        prefix: Option<&Path>,
        offset: Option<&Path>,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        let mut options = ListOptions::default();
        if let Some(prefix) = convert::list_prefix(prefix) {
            options = options.prefix(prefix);
        }
        if let Some(offset) = offset.map(Path::as_ref).filter(|o| !o.is_empty()) {
            options = options.marker(offset);
        }
        let path = prefix.map(ToString::to_string).unwrap_or_default();
        self.client
            .list_objects_stream(options)
            .filter_map(move |item| {
                let item = match item {
                    Ok(summary) => convert::summary_meta(summary),
                    Err(e) => Some(Err(error(e, &path))),
                };
                std::future::ready(item)
            })
            .boxed()
    }

    /// Create-only copy: COS documents `x-cos-forbid-overwrite` for multipart uploads but
    /// not for PUT Object - Copy, so the copy is assembled as a multipart upload of
    /// Upload Part - Copy parts and completed create-only (one atomic check on COS's side).
    /// The source's headers and metadata are carried over, as PUT Object - Copy does.
    async fn copy_create_only(&self, from: &Path, to: &Path) -> Result<()> {
        let client = &self.client;
        let source_head = client
            .head_object(from.as_ref())
            .await
            .map_err(|e| error(e, from.as_ref()))?;
        let options = convert::put_options_of(&source_head).forbid_overwrite(true);
        let upload_id = client
            .initiate_multipart_upload(to.as_ref(), &options)
            .await
            .map_err(|e| error(e, to.as_ref()))?;
        let source = CopySource::new(client.location(), from.as_ref());
        let size = source_head.object_size;
        let copied = async {
            let mut parts = Vec::new();
            let ranges = if size <= MAX_PART_SIZE {
                vec![None]
            } else {
                (0..size.div_ceil(COPY_PART))
                    .map(|i| Some(i * COPY_PART..=((i + 1) * COPY_PART).min(size) - 1))
                    .collect()
            };
            for (number, range) in (1u32..).zip(ranges) {
                let part = client
                    .upload_part_copy(to.as_ref(), &upload_id, number, &source, range)
                    .await?;
                parts.push((number, part.etag));
            }
            client
                .complete_multipart_upload_create_only(to.as_ref(), &upload_id, parts)
                .await
        }
        .await;
        match copied {
            Ok(_) => Ok(()),
            Err(e) => {
                // Best effort: the copy's own error is what the caller needs.
                let _ = client.abort_multipart_upload(to.as_ref(), &upload_id).await;
                Err(error(e, to.as_ref()))
            }
        }
    }
}

impl fmt::Display for CosObjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "COS({}, {})", self.client.bucket(), self.client.region())
    }
}

#[async_trait]
impl ObjectStore for CosObjectStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let options = convert::put_options(&opts.attributes)?;
        let options = match opts.mode {
            PutMode::Overwrite => options,
            PutMode::Create => options.forbid_overwrite(true),
            PutMode::Update(_) => {
                return Err(convert::not_implemented(
                    "put_opts with PutMode::Update: COS has no conditional PUT on an ETag or version",
                ));
            }
        };
        let out = self
            .client
            .put_object(location.as_ref(), convert::payload_bytes(payload), &options)
            .await
            .map_err(|e| error(e, location.as_ref()))?;
        Ok(PutResult {
            e_tag: out.etag,
            version: out.version_id,
            #[cfg(feature = "object-store-0-14")]
            extensions: Default::default(),
        })
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let options = convert::put_options(&opts.attributes)?;
        let upload_id = self
            .client
            .initiate_multipart_upload(location.as_ref(), &options)
            .await
            .map_err(|e| error(e, location.as_ref()))?;
        Ok(Box::new(Upload::new(
            self.client.clone(),
            location.to_string(),
            upload_id,
        )))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let key = location.as_ref();
        let request = convert::get_options(&options)?;
        if options.head {
            let metadata = self
                .client
                .head_object_with(key, &request)
                .await
                .map_err(|e| error(e, key))?;
            let meta = convert::object_meta(location, &metadata)?;
            return Ok(GetResult {
                payload: GetResultPayload::Stream(stream::empty().boxed()),
                range: 0..meta.size,
                attributes: convert::attributes(&metadata),
                meta,
                #[cfg(feature = "object-store-0-14")]
                extensions: Default::default(),
            });
        }
        let response = self
            .client
            .get_object(key, &request)
            .await
            .map_err(|e| error(e, key))?;
        let metadata = response.metadata().clone();
        let meta = convert::object_meta(location, &metadata)?;
        let range = match &metadata.content_range {
            Some(bytes) => *bytes.start()..bytes.end().saturating_add(1),
            None => 0..metadata.content_length,
        };
        let path = key.to_owned();
        let body = response
            .into_stream()
            .map_err(move |e| error(e, &path))
            .boxed();
        Ok(GetResult {
            payload: GetResultPayload::Stream(body),
            meta,
            range,
            attributes: convert::attributes(&metadata),
            #[cfg(feature = "object-store-0-14")]
            extensions: Default::default(),
        })
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let client = self.client.clone();
        locations
            .ready_chunks(DELETE_BATCH)
            .then(move |batch| {
                let client = client.clone();
                async move { delete_batch(&client, batch).await }
            })
            .flat_map(stream::iter)
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.list_from(prefix, None)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        // COS's marker is exclusive and in the same (UTF-8 byte) order as `Path`.
        self.list_from(prefix, Some(offset))
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let mut options = ListOptions::default().delimiter(DELIMITER);
        if let Some(prefix) = convert::list_prefix(prefix) {
            options = options.prefix(prefix);
        }
        let path = prefix.map(ToString::to_string).unwrap_or_default();
        let mut pages = self.client.list_objects_pages(options);
        let mut result = convert::empty_list();
        while let Some(page) = pages.next_page().await {
            let page = page.map_err(|e| error(e, &path))?;
            convert::extend_list(&mut result, page, DELIMITER)?;
        }
        Ok(result)
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        match options.mode {
            CopyMode::Overwrite => {
                let source = CopySource::new(self.client.location(), from.as_ref());
                self.client
                    .copy_object(&source, to.as_ref(), &Default::default())
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        // A missing source is COS's 404 on the copy; the path that matters is
                        // the source's.
                        let missing_source = e.service().is_some_and(|s| s.status() == 404);
                        error(
                            e,
                            if missing_source {
                                from.as_ref()
                            } else {
                                to.as_ref()
                            },
                        )
                    })
            }
            CopyMode::Create => self.copy_create_only(from, to).await,
        }
    }
}

/// Deletes up to 1000 paths with one DELETE Multiple Objects request (quiet: COS lists
/// only failures); answers per input path, in input order. A missing key is a success, as
/// DELETE Object is on COS.
async fn delete_batch(client: &Client, batch: Vec<Result<Path>>) -> Vec<Result<Path>> {
    let keys: Vec<&str> = batch
        .iter()
        .filter_map(|p| p.as_ref().ok().map(Path::as_ref))
        .collect();
    if keys.is_empty() {
        return batch;
    }
    let answer = client.delete_objects(&keys, true).await;
    let answer = match answer {
        Ok(out) => Ok(out.failed),
        Err(e) => Err(e.to_string()),
    };
    batch
        .into_iter()
        .map(|item| {
            let path = item?;
            match &answer {
                Err(message) => Err(convert::generic(format!("deleting {path}: {message}"))),
                Ok(failed) => match failed.iter().find(|f| f.key == path.as_ref()) {
                    Some(f) => Err(convert::generic(format!(
                        "deleting {path}: {} {}",
                        f.code, f.message
                    ))),
                    None => Ok(path),
                },
            }
        })
        .collect()
}

//! Multipart writes: the [`MultipartUpload`] behind `put_multipart` and the lower-level
//! [`MultipartStore`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use cos_client::Client;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{
    MultipartId, MultipartUpload, PutMultipartOptions, PutPayload, PutResult, Result, UploadPart,
};

use crate::CosObjectStore;
use crate::convert::{self, error};

/// One multipart upload in progress: parts are numbered in the order `put_part` is called
/// (and may finish in any order); `complete` lists them in that order.
#[derive(Debug)]
pub(crate) struct Upload {
    client: Client,
    key: String,
    upload_id: String,
    next_number: u32,
    parts: Arc<Mutex<BTreeMap<u32, String>>>,
}

impl Upload {
    pub(crate) fn new(client: Client, key: String, upload_id: String) -> Self {
        Self {
            client,
            key,
            upload_id,
            next_number: 1,
            parts: Arc::default(),
        }
    }
}

#[async_trait]
impl MultipartUpload for Upload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let number = self.next_number;
        self.next_number = self.next_number.saturating_add(1);
        let (client, key, upload_id) = (
            self.client.clone(),
            self.key.clone(),
            self.upload_id.clone(),
        );
        let parts = Arc::clone(&self.parts);
        Box::pin(async move {
            let part = client
                .upload_part(&key, &upload_id, number, convert::payload_bytes(data))
                .await
                .map_err(|e| error(e, &key))?;
            parts
                .lock()
                .map_err(|_| convert::generic("a part upload panicked"))?
                .insert(number, part.etag);
            Ok(())
        })
    }

    async fn complete(&mut self) -> Result<PutResult> {
        let parts: Vec<(u32, String)> = self
            .parts
            .lock()
            .map_err(|_| convert::generic("a part upload panicked"))?
            .iter()
            .map(|(number, etag)| (*number, etag.clone()))
            .collect();
        complete(&self.client, &self.key, &self.upload_id, parts).await
    }

    async fn abort(&mut self) -> Result<()> {
        self.client
            .abort_multipart_upload(&self.key, &self.upload_id)
            .await
            .map_err(|e| error(e, &self.key))
    }
}

/// Completes with `parts`; with none, one empty part is uploaded first, since COS (like S3)
/// refuses a Complete without parts while `object_store` allows an empty upload.
async fn complete(
    client: &Client,
    key: &str,
    upload_id: &str,
    mut parts: Vec<(u32, String)>,
) -> Result<PutResult> {
    if parts.is_empty() {
        let empty = client
            .upload_part(key, upload_id, 1, Bytes::new())
            .await
            .map_err(|e| error(e, key))?;
        parts.push((1, empty.etag));
    }
    let out = client
        .complete_multipart_upload(key, upload_id, parts)
        .await
        .map_err(|e| error(e, key))?;
    Ok(PutResult {
        e_tag: Some(out.etag),
        version: out.version_id,
        #[cfg(feature = "object-store-0-14")]
        extensions: Default::default(),
    })
}

/// Initiate Multipart Upload with the headers of `opts.attributes`.
async fn initiate(
    store: &CosObjectStore,
    path: &Path,
    opts: PutMultipartOptions,
) -> Result<MultipartId> {
    let options = convert::put_options(&opts.attributes)?;
    store
        .client()
        .initiate_multipart_upload(path.as_ref(), &options)
        .await
        .map_err(|e| error(e, path.as_ref()))
}

/// Part `index` (from 0) is COS part number `index + 1`.
fn part_number(index: usize) -> Result<u32> {
    index
        .checked_add(1)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| convert::generic(format!("part index {index} is beyond COS's 10000 parts")))
}

#[async_trait]
impl MultipartStore for CosObjectStore {
    async fn create_multipart(&self, path: &Path) -> Result<MultipartId> {
        initiate(self, path, PutMultipartOptions::default()).await
    }

    #[cfg(feature = "object-store-0-14")]
    async fn create_multipart_opts(
        &self,
        path: &Path,
        opts: PutMultipartOptions,
    ) -> Result<MultipartId> {
        initiate(self, path, opts).await
    }

    async fn put_part(
        &self,
        path: &Path,
        id: &MultipartId,
        part_idx: usize,
        data: PutPayload,
    ) -> Result<PartId> {
        let part = self
            .client()
            .upload_part(
                path.as_ref(),
                id,
                part_number(part_idx)?,
                convert::payload_bytes(data),
            )
            .await
            .map_err(|e| error(e, path.as_ref()))?;
        Ok(PartId {
            content_id: part.etag,
        })
    }

    async fn complete_multipart(
        &self,
        path: &Path,
        id: &MultipartId,
        parts: Vec<PartId>,
    ) -> Result<PutResult> {
        let parts = parts
            .into_iter()
            .enumerate()
            .map(|(index, part)| Ok((part_number(index)?, part.content_id)))
            .collect::<Result<Vec<_>>>()?;
        complete(self.client(), path.as_ref(), id, parts).await
    }

    async fn abort_multipart(&self, path: &Path, id: &MultipartId) -> Result<()> {
        self.client()
            .abort_multipart_upload(path.as_ref(), id)
            .await
            .map_err(|e| error(e, path.as_ref()))
    }
}

//! Emptying the storage and forgetting issued keys (`POST /_emulator/reset`).

use crate::state::State;
use serde::Serialize;

/// What a reset removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Counts {
    pub(crate) objects: usize,
    pub(crate) uploads: usize,
    /// Buckets created at run time, deleted.
    pub(crate) buckets: usize,
}

/// Deletes every object and aborts every open upload of every bucket, deletes the buckets
/// created at run time, restores the configured buckets' records (ACL, tags, CORS, policy) as
/// they were at start-up, and forgets every issued temporary key.
pub(crate) fn storage(state: &State) -> Result<Counts, String> {
    let mut counts = Counts::default();
    let io = |e: std::io::Error| format!("reset: {e}");
    for bucket in &state.store.bucket_names() {
        for upload in state.store.list_uploads(bucket, "").map_err(io)? {
            let meta = upload.meta;
            if state
                .store
                .abort_upload(bucket, &meta.key, &meta.upload_id)
                .map_err(io)?
            {
                counts.uploads += 1;
            }
        }
        loop {
            let page = state
                .store
                .list_objects(bucket, "", None, "", 1000)
                .map_err(io)?;
            if page.contents.is_empty() {
                break;
            }
            for object in &page.contents {
                if state.store.delete_object(bucket, &object.key).map_err(io)? {
                    counts.objects += 1;
                }
            }
        }
    }
    for bucket in state.store.bucket_names() {
        if state.cos.buckets.contains(&bucket) {
            continue;
        }
        if matches!(
            state.store.delete_bucket(&bucket).map_err(io)?,
            crate::storage::BucketDeletion::Deleted
        ) {
            counts.buckets += 1;
        }
    }
    for record in state.admin.start_buckets() {
        let restored = record.clone();
        state
            .store
            .update_bucket(&record.name, |meta| *meta = restored)
            .map_err(io)?;
    }
    state.identities.temporary.clear(&state.store)?;
    Ok(counts)
}

//! [`PaginatedListStore`]: one COS listing page per call, the page token being COS's marker.

use async_trait::async_trait;
use cos_client::ListOptions;
use object_store::Result;
use object_store::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};

use crate::CosObjectStore;
use crate::convert::{self, error};

/// COS's largest page.
const MAX_KEYS: usize = 1000;

#[async_trait]
impl PaginatedListStore for CosObjectStore {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> Result<PaginatedListResult> {
        let mut options = ListOptions::default();
        if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
            options = options.prefix(prefix);
        }
        if let Some(delimiter) = &opts.delimiter {
            options = options.delimiter(delimiter.as_ref());
        }
        if let Some(max) = opts.max_keys {
            // In range, so the conversion cannot fail.
            options = options.max_keys(u32::try_from(max.clamp(1, MAX_KEYS)).unwrap_or(1000));
        }
        if let Some(marker) = opts.page_token.as_ref().or(opts.offset.as_ref()) {
            options = options.marker(marker.clone());
        }
        let page = self
            .client()
            .list_objects(&options)
            .await
            .map_err(|e| error(e, prefix.unwrap_or_default()))?;
        let page_token = page.next_marker.clone().filter(|_| page.is_truncated);
        let mut result = convert::empty_list();
        convert::extend_list(&mut result, page, opts.delimiter.as_deref().unwrap_or("/"))?;
        Ok(PaginatedListResult { result, page_token })
    }
}

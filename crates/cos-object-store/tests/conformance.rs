//! `object_store`'s own conformance suite (its `integration` module) against the local
//! emulator, one fresh emulator per test; plus the attribute round trip COS supports and
//! the suite under temporary keys that change between requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use cos_client::{Client, Endpoint};
use cos_emulator::Emulator;
use cos_object_store::CosObjectStore;
use object_store::integration;
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions};
use sts_client::provider::{
    BoxFuture, CredentialsError, FederationTokenProvider, ProvideCredentials, ProvidedCredential,
    StaticProvider,
};
use sts_client::{CredentialRequest, Endpoint as StsEndpoint, StsClient};

const BUCKET: &str = "examplebucket-1250000000";
const REGION: &str = "ap-guangzhou";

async fn emulator() -> Emulator {
    Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .start()
        .await
        .unwrap()
}

fn store_with(emulator: &Emulator, provider: impl ProvideCredentials + 'static) -> CosObjectStore {
    let client = Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(provider)
        .endpoint(Endpoint::default().http().connect_to(emulator.cos_addr()))
        .build()
        .unwrap();
    CosObjectStore::new(client)
}

async fn setup() -> (Emulator, CosObjectStore) {
    let emulator = emulator().await;
    let store = store_with(&emulator, StaticProvider::new(emulator.root_credential()));
    (emulator, store)
}

macro_rules! conformance {
    ($($name:ident => |$store:ident| $body:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (emulator, $store) = setup().await;
            $body.await;
            emulator.shutdown().await;
        }
    )*};
}

conformance! {
    put_get_delete_list => |store| integration::put_get_delete_list(&store);
    put_get_attributes => |store| integration::put_get_attributes(&store);
    get_opts => |store| integration::get_opts(&store);
    put_opts_create_only => |store| integration::put_opts(&store, false);
    stream_get => |store| integration::stream_get(&store);
    list_uses_directories_correctly => |store| integration::list_uses_directories_correctly(&store);
    list_with_delimiter => |store| integration::list_with_delimiter(&store);
    list_with_offset_exclusivity => |store| integration::list_with_offset_exclusivity(&store);
    list_paginated => |store| integration::list_paginated(&store, &store);
    rename_and_copy => |store| integration::rename_and_copy(&store);
    copy_if_not_exists => |store| integration::copy_if_not_exists(&store);
    copy_rename_nonexistent_object => |store| integration::copy_rename_nonexistent_object(&store);
    multipart => |store| integration::multipart(&store, &store);
    multipart_put_part_out_of_order => |store| integration::multipart_put_part_out_of_order(&store, &store);
    multipart_out_of_order => |store| integration::multipart_out_of_order(&store);
    multipart_race_condition_last_writer_wins => |store| integration::multipart_race_condition(&store, true);
}

#[tokio::test]
async fn get_nonexistent_object() {
    let (emulator, store) = setup().await;
    let err = integration::get_nonexistent_object(&store, None)
        .await
        .unwrap_err();
    assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
    emulator.shutdown().await;
}

/// The attributes COS stores survive a PUT and a multipart upload and come back from GET;
/// the suite's own attribute test cannot show it (see the crate docs).
#[tokio::test]
async fn cos_attributes_round_trip() {
    let (emulator, store) = setup().await;
    let attributes = Attributes::from_iter([
        (Attribute::CacheControl, "max-age=604800"),
        (
            Attribute::ContentDisposition,
            r#"attachment; filename="test.html""#,
        ),
        (Attribute::ContentEncoding, "gzip"),
        (Attribute::ContentType, "text/html; charset=utf-8"),
        (Attribute::Metadata("test-key".into()), "test_value"),
        (
            Attribute::Metadata("key-with-spaces".into()),
            "hello   world",
        ),
    ]);
    let path = Path::from("attributes");
    let options = PutOptions::from(attributes.clone());
    store.put_opts(&path, "foo".into(), options).await.unwrap();
    assert_eq!(store.get(&path).await.unwrap().attributes, attributes);

    let mut upload = store
        .put_multipart_opts(&path, attributes.clone().into())
        .await
        .unwrap();
    upload.put_part("bar".into()).await.unwrap();
    upload.complete().await.unwrap();
    let got = store.get(&path).await.unwrap();
    assert_eq!(got.attributes, attributes);
    assert_eq!(got.bytes().await.unwrap(), "bar");

    // A create-only copy keeps the source's attributes, as PUT Object - Copy does.
    let copy = Path::from("attributes-copy");
    store.copy_if_not_exists(&path, &copy).await.unwrap();
    assert_eq!(store.get(&copy).await.unwrap().attributes, attributes);
    emulator.shutdown().await;
}

/// A provider that fetches a brand-new temporary key from STS for every request, and
/// records which secret ids it handed out.
#[derive(Debug)]
struct Rotating {
    inner: FederationTokenProvider,
    seen: Arc<Mutex<HashSet<String>>>,
}

impl ProvideCredentials for Rotating {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(async move {
            let provided = self.inner.provide_credentials().await?;
            self.seen
                .lock()
                .unwrap()
                .insert(provided.credential().secret_id().to_owned());
            Ok(provided)
        })
    }
}

/// The suite's listing, multipart and streaming sections under temporary keys that change
/// with every request: nothing holds on to a key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotating_underneath_a_long_run() {
    let emulator = emulator().await;
    let sts = StsClient::builder()
        .endpoint(StsEndpoint::custom(&emulator.sts_endpoint()).unwrap())
        .region(REGION)
        .credential(emulator.root_credential())
        .build()
        .unwrap();
    // Everything the store needs, and only that: copies are PutObject on the destination
    // and GetObject on the source. The suite writes all over the bucket, hence the lint
    // opt-out for a whole-bucket write grant.
    let request = CredentialRequest::new(&cos_client::Bucket::new(
        BUCKET.parse().unwrap(),
        REGION.parse().unwrap(),
    ))
    .allow_prefix("*")
    .allow_actions([
        "PutObject",
        "GetObject",
        "HeadObject",
        "DeleteObject",
        "DeleteMultipleObjects",
        "GetBucket",
        "InitiateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
    ])
    .allow_lints()
    .duration_seconds(1800);
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let provider = Rotating {
        inner: FederationTokenProvider::new(sts, request).unwrap(),
        seen: Arc::clone(&seen),
    };
    let store = store_with(&emulator, provider);
    integration::list_with_delimiter(&store).await;
    integration::stream_get(&store).await;
    integration::copy_if_not_exists(&store).await;
    let keys = seen.lock().unwrap().len();
    assert!(keys > 20, "only {keys} distinct temporary keys were used");
    emulator.shutdown().await;
}

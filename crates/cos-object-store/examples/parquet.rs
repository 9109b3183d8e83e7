//! Writes a Parquet file to COS through `CosObjectStore` with arrow-rs's async Parquet
//! writer, then queries it back through the store: only the needed column chunks are
//! fetched (ranged GETs), and a filter and an aggregate run over the decoded batches.
//!
//! Runs against an in-process emulator with temporary keys from its STS:
//!
//! ```text
//! cargo run -p cos-object-store --example parquet --features parquet-example
//! ```
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use std::ops::Range;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use bytes::Bytes;
use cos_client::{Client, Endpoint};
use cos_object_store::CosObjectStore;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, TryStreamExt};
use object_store::buffered::BufWriter;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::{
    AsyncFileReader, MetadataSuffixFetch, ParquetRecordBatchStreamBuilder,
};
use parquet::arrow::{AsyncArrowWriter, ProjectionMask};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use sts_client::provider::{CredentialsCache, FederationTokenProvider};
use sts_client::{CredentialRequest, Endpoint as StsEndpoint, StsClient};

const BUCKET: &str = "examplebucket-1250000000";
const REGION: &str = "ap-guangzhou";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = cos_emulator::Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .start()
        .await?;

    // Temporary keys limited to the `tables/` prefix, refreshed by the cache before expiry.
    let sts = StsClient::builder()
        .endpoint(StsEndpoint::custom(&emulator.sts_endpoint())?)
        .region(REGION)
        .credential(emulator.root_credential())
        .build()?;
    let request =
        CredentialRequest::new(&cos_client::Bucket::new(BUCKET.parse()?, REGION.parse()?))
            .allow_prefix("tables/*")
            .allow_actions([
                "PutObject",
                "GetObject",
                "HeadObject",
                "InitiateMultipartUpload",
                "UploadPart",
                "CompleteMultipartUpload",
                "AbortMultipartUpload",
            ])
            .duration_seconds(1800);
    let client = Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(CredentialsCache::new(FederationTokenProvider::new(
            sts, request,
        )?))
        .endpoint(Endpoint::default().http().connect_to(emulator.cos_addr()))
        .build()?;
    let store: Arc<dyn ObjectStore> = Arc::new(CosObjectStore::new(client));

    // Write: 100 000 trips in batches, streamed to COS as a multipart upload.
    let path = Path::from("tables/trips/part-0.parquet");
    let cities = ["beijing", "shanghai", "guangzhou", "shenzhen"];
    let batch = |start: i64| -> Result<RecordBatch, Box<dyn std::error::Error>> {
        let ids: Vec<i64> = (start..start + 10_000).collect();
        let city: Vec<&str> = ids
            .iter()
            .zip(cities.iter().cycle())
            .map(|(_, c)| *c)
            .collect();
        let fare: Vec<f64> = ids.iter().map(|i| (*i % 97) as f64 + 0.5).collect();
        Ok(RecordBatch::try_from_iter([
            ("id", Arc::new(Int64Array::from(ids)) as Arc<dyn Array>),
            ("city", Arc::new(StringArray::from(city)) as Arc<dyn Array>),
            ("fare", Arc::new(Float64Array::from(fare)) as Arc<dyn Array>),
        ])?)
    };
    let first = batch(0)?;
    let writer = BufWriter::new(Arc::clone(&store), path.clone());
    let mut parquet = AsyncArrowWriter::try_new(writer, first.schema(), None)?;
    parquet.write(&first).await?;
    for start in (10_000..100_000).step_by(10_000) {
        parquet.write(&batch(start)?).await?;
    }
    parquet.close().await?;
    println!("wrote {} bytes", store.head(&path).await?.size);

    // Query: SELECT sum(fare) FROM trips WHERE city = 'shenzhen', reading only the `city`
    // and `fare` columns.
    let reader = StoreReader {
        store: Arc::clone(&store),
        path,
    };
    let builder = ParquetRecordBatchStreamBuilder::new(reader).await?;
    let mask = ProjectionMask::columns(builder.parquet_schema(), ["city", "fare"]);
    let batches: Vec<RecordBatch> = builder.with_projection(mask).build()?.try_collect().await?;
    let (mut rows, mut total) = (0usize, 0f64);
    for batch in &batches {
        let city = batch
            .column_by_name("city")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            .ok_or("no city column")?;
        let fare = batch
            .column_by_name("fare")
            .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
            .ok_or("no fare column")?;
        for i in 0..batch.num_rows() {
            if city.value(i) == "shenzhen" {
                rows += 1;
                total += fare.value(i);
            }
        }
    }
    println!("shenzhen: {rows} trips, fares {total:.1}");
    assert_eq!(rows, 25_000);
    emulator.shutdown().await;
    Ok(())
}

/// Parquet's reader over one object of a store: ranged GETs for column chunks, a suffix
/// GET for the footer.
#[derive(Debug)]
struct StoreReader {
    store: Arc<dyn ObjectStore>,
    path: Path,
}

fn parquet_error(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

impl AsyncFileReader for StoreReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            self.store
                .get_range(&self.path, range)
                .await
                .map_err(parquet_error)
        }
        .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            self.store
                .get_ranges(&self.path, &ranges)
                .await
                .map_err(parquet_error)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let footer = ParquetMetaDataReader::new()
                .with_arrow_reader_options(options)
                .load_via_suffix_and_finish(self)
                .await?;
            Ok(Arc::new(footer))
        }
        .boxed()
    }
}

impl MetadataSuffixFetch for &mut StoreReader {
    fn fetch_suffix(&mut self, suffix: usize) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            let options = GetOptions {
                range: Some(GetRange::Suffix(suffix as u64)),
                ..Default::default()
            };
            let tail = self
                .store
                .get_opts(&self.path, options)
                .await
                .map_err(parquet_error)?;
            tail.bytes().await.map_err(parquet_error)
        }
        .boxed()
    }
}

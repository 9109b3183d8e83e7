//! Registers `CosObjectStore` in DataFusion, writes a Parquet file to COS with SQL
//! (`COPY … TO 'cos://…'`), and queries it with SQL, against an in-process emulator with
//! temporary keys from its STS.
//!
//! DataFusion 55 is built on `object_store` 0.13, so the store is built for that release:
//!
//! ```text
//! cargo run -p cos-object-store --example datafusion --no-default-features --features datafusion-example
//! ```
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use cos_client::{Client, Endpoint};
use cos_object_store::CosObjectStore;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
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

    // Temporary keys limited to `tables/`, refreshed by the cache before they expire.
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
                "GetBucket",
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

    let ctx = SessionContext::new();
    let url = ObjectStoreUrl::parse(format!("cos://{BUCKET}"))?;
    ctx.register_object_store(url.as_ref(), Arc::new(CosObjectStore::new(client)));

    // Write 100 000 trips to COS as Parquet, through the store.
    ctx.sql(&format!(
        "COPY (SELECT value AS id, \
                      CASE value % 4 WHEN 0 THEN 'beijing' WHEN 1 THEN 'shanghai' \
                                     WHEN 2 THEN 'guangzhou' ELSE 'shenzhen' END AS city, \
                      CAST(value % 97 AS DOUBLE) + 0.5 AS fare \
               FROM generate_series(0, 99999)) \
         TO 'cos://{BUCKET}/tables/trips/part-0.parquet' STORED AS PARQUET"
    ))
    .await?
    .collect()
    .await?;

    // Query it back.
    ctx.register_parquet(
        "trips",
        &format!("cos://{BUCKET}/tables/trips/"),
        ParquetReadOptions::default(),
    )
    .await?;
    let batches = ctx
        .sql("SELECT city, count(*) AS trips, sum(fare) AS fares FROM trips GROUP BY city ORDER BY city")
        .await?
        .collect()
        .await?;
    println!("{}", pretty_format_batches(&batches)?);
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 4);
    emulator.shutdown().await;
    Ok(())
}

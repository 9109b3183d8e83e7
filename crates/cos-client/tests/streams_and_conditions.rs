//! Streams (listing, GET body, upload of unknown length) and conditional requests
//! (create-only writes, conditional GET/HEAD) of `cos-client` against the local emulator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use bytes::Bytes;
use cos_client::{
    ByteRange, Client, Endpoint, Error, GetOptions, ListOptions, PutOptions, StreamUploadOptions,
};
use cos_emulator::Emulator;
use futures_util::{StreamExt, TryStreamExt};
use sts_client::provider::StaticProvider;

const BUCKET: &str = "examplebucket-1250000000";
const REGION: &str = "ap-guangzhou";

async fn setup() -> (Emulator, Client) {
    let emulator = Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(StaticProvider::new(emulator.root_credential()))
        .endpoint(Endpoint::default().http().connect_to(emulator.cos_addr()))
        .build()
        .unwrap();
    (emulator, client)
}

fn service(error: &Error) -> (u16, &str) {
    let service = error.service().unwrap_or_else(|| panic!("{error}"));
    (service.status(), service.code())
}

fn create_only() -> PutOptions {
    PutOptions::default().forbid_overwrite(true)
}

async fn open_uploads(client: &Client) -> usize {
    client
        .list_multipart_uploads("", None, None)
        .await
        .unwrap()
        .uploads
        .len()
}

#[tokio::test]
async fn create_only_put_refuses_an_existing_key_and_keeps_it() {
    let (emulator, client) = setup().await;
    client
        .put_object("k", "first".into(), &create_only())
        .await
        .unwrap();
    let refused = client
        .put_object("k", "second".into(), &create_only())
        .await
        .unwrap_err();
    assert_eq!(service(&refused), (409, "FileAlreadyExists"));
    assert_eq!(client.get_object_bytes("k").await.unwrap(), b"first");
    // Without the option the same write replaces the object.
    client
        .put_object("k", "third".into(), &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(client.get_object_bytes("k").await.unwrap(), b"third");
    // Initiate with the header is refused early, too.
    let early = client
        .initiate_multipart_upload("k", &create_only())
        .await
        .unwrap_err();
    assert_eq!(service(&early), (409, "FileAlreadyExists"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn racing_create_only_writers_produce_exactly_one_winner() {
    let (emulator, client) = setup().await;
    let writers = (0..6u8).map(|i| {
        let client = client.clone();
        async move {
            client
                .put_object("race", Bytes::from(vec![i; 3]), &create_only())
                .await
                .map(|_| i)
        }
    });
    let results = futures_util::future::join_all(writers).await;
    let winners: Vec<u8> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for error in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(service(error), (409, "FileAlreadyExists"));
    }
    assert_eq!(
        client.get_object_bytes("race").await.unwrap(),
        vec![winners[0]; 3]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn conditional_get_and_head_answer_304_and_412() {
    let (emulator, client) = setup().await;
    client
        .put_object("c", "body".into(), &PutOptions::default())
        .await
        .unwrap();
    let head = client.head_object("c").await.unwrap();
    let etag = head.etag.clone().unwrap();
    let modified = httpdate::parse_http_date(head.last_modified.as_deref().unwrap()).unwrap();
    let hour = Duration::from_secs(3600);
    let cases: Vec<(GetOptions, Option<u16>)> = vec![
        (GetOptions::default().if_match(etag.clone()), None),
        (GetOptions::default().if_match("\"nope\""), Some(412)),
        (GetOptions::default().if_none_match(etag.clone()), Some(304)),
        (GetOptions::default().if_none_match("\"nope\""), None),
        (GetOptions::default().if_modified_since(modified), Some(304)),
        (
            GetOptions::default().if_modified_since(modified - hour),
            None,
        ),
        (GetOptions::default().if_unmodified_since(modified), None),
        (
            GetOptions::default().if_unmodified_since(modified - hour),
            Some(412),
        ),
        (
            GetOptions::default().if_unmodified_since(modified + hour),
            None,
        ),
    ];
    for (options, expected) in cases {
        let got = client.get_object("c", &options).await;
        let headed = client.head_object_with("c", &options).await;
        match expected {
            None => {
                let body: Vec<Bytes> = got.unwrap().into_stream().try_collect().await.unwrap();
                assert_eq!(body.concat(), b"body", "{options:?}");
                assert_eq!(headed.unwrap().content_length, 4, "{options:?}");
            }
            Some(status) => {
                assert_eq!(got.unwrap_err().service().map(|e| e.status()), Some(status));
                assert_eq!(
                    headed.unwrap_err().service().map(|e| e.status()),
                    Some(status)
                );
            }
        }
    }
    let code = client
        .get_object("c", &GetOptions::default().if_none_match(etag))
        .await
        .unwrap_err();
    assert_eq!(service(&code), (304, "NotModified"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn get_as_a_stream_delivers_whole_and_ranged_bodies() {
    let (emulator, client) = setup().await;
    let data: Vec<u8> = (0..3 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect();
    client
        .put_object("big", data.clone().into(), &PutOptions::default())
        .await
        .unwrap();
    let whole = client
        .get_object("big", &GetOptions::default())
        .await
        .unwrap();
    let chunks: Vec<Bytes> = whole.into_stream().try_collect().await.unwrap();
    assert!(chunks.len() > 1, "streamed in several chunks");
    assert_eq!(chunks.concat(), data);
    let range = GetOptions::default().range(ByteRange::new(100, Some(199)));
    let part = client.get_object("big", &range).await.unwrap();
    let chunks: Vec<Bytes> = part.into_stream().try_collect().await.unwrap();
    assert_eq!(chunks.concat(), &data[100..200]);
    let tail = client
        .get_object("big", &GetOptions::default().range(ByteRange::suffix(5)))
        .await
        .unwrap();
    let size = data.len() as u64;
    assert_eq!(tail.metadata().content_range, Some(size - 5..=size - 1));
    let mut tail = Box::pin(tail.into_stream());
    assert_eq!(tail.next().await.unwrap().unwrap(), &data[data.len() - 5..]);
    assert!(tail.next().await.is_none());
    assert!(tail.next().await.is_none(), "polling after the end is fine");
    // An empty object: the stream ends at once, and stays ended.
    client
        .put_object("empty", Bytes::new(), &PutOptions::default())
        .await
        .unwrap();
    let mut empty = Box::pin(
        client
            .get_object("empty", &GetOptions::default())
            .await
            .unwrap()
            .into_stream(),
    );
    assert!(empty.next().await.is_none());
    assert!(empty.next().await.is_none());
    emulator.shutdown().await;
}

#[tokio::test]
async fn listing_as_a_stream_walks_every_page() {
    let (emulator, client) = setup().await;
    for i in 0..7 {
        client
            .put_object(&format!("p/{i}"), "x".into(), &PutOptions::default())
            .await
            .unwrap();
    }
    client
        .put_object("q", "x".into(), &PutOptions::default())
        .await
        .unwrap();
    let options = ListOptions::default().prefix("p/").max_keys(3);
    let keys: Vec<String> = client
        .list_objects_stream(options.clone())
        .map_ok(|o| o.key)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(keys, (0..7).map(|i| format!("p/{i}")).collect::<Vec<_>>());
    let pages: Vec<_> = client
        .list_objects_pages(options)
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.objects.len()).collect::<Vec<_>>(),
        [3, 3, 1]
    );
    emulator.shutdown().await;
}

/// A loopback proxy in front of the emulator that forwards everything, but closes the
/// connection instead of answering the first create-only request (after the emulator has
/// carried it out): an answer lost on the way back.
async fn answer_losing_proxy(target: std::net::SocketAddr) -> std::net::SocketAddr {
    use http_body_util::BodyExt as _;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    type Reply = Result<http::Response<http_body_util::Full<Bytes>>, std::io::Error>;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let lost = Arc::new(AtomicBool::new(false));
    let upstream = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<hyper::body::Incoming>();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (upstream, lost) = (upstream.clone(), Arc::clone(&lost));
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |mut req: http::Request<_>| {
                    let (upstream, lost) = (upstream.clone(), Arc::clone(&lost));
                    async move {
                        let path = req.uri().path_and_query().map(|p| p.to_string());
                        *req.uri_mut() = format!("http://{target}{}", path.unwrap_or_default())
                            .parse()
                            .unwrap();
                        let create_only = req.headers().contains_key("x-cos-forbid-overwrite");
                        let forwarded = async {
                            let (parts, body) = upstream.request(req).await.ok()?.into_parts();
                            Some((parts, body.collect().await.ok()?.to_bytes()))
                        };
                        let reply: Reply = match forwarded.await {
                            Some(_) if create_only && !lost.swap(true, Ordering::SeqCst) => {
                                Err(std::io::Error::other("answer lost"))
                            }
                            Some((parts, body)) => Ok(http::Response::from_parts(
                                parts,
                                http_body_util::Full::new(body),
                            )),
                            None => Err(std::io::Error::other("upstream failed")),
                        };
                        reply
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_create_only_put_whose_answer_was_lost_is_not_reported_as_refused() {
    let (emulator, _) = setup().await;
    let proxy = answer_losing_proxy(emulator.cos_addr()).await;
    let client = Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(StaticProvider::new(emulator.root_credential()))
        .endpoint(Endpoint::default().http().connect_to(proxy))
        .retry(
            cos_client::RetryConfig::transfers()
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    // The first attempt creates the object and its answer is lost; the retry is refused
    // because the object exists, and it is our own.
    let out = client
        .put_object("commit/0001.json", "mine".into(), &create_only())
        .await
        .unwrap();
    assert_eq!(out.crc64, Some(cos_client::crc64::checksum(b"mine")));
    assert_eq!(
        client.get_object_bytes("commit/0001.json").await.unwrap(),
        b"mine"
    );
    // Someone else's object under the key is still a refusal.
    let refused = client
        .put_object("commit/0001.json", "theirs".into(), &create_only())
        .await
        .unwrap_err();
    assert_eq!(service(&refused), (409, "FileAlreadyExists"));
    emulator.shutdown().await;
}

fn chunks(
    total: usize,
    chunk: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let data: Vec<u8> = (0..total).map(|i| (i % 253) as u8).collect();
    let pieces: Vec<Bytes> = data.chunks(chunk).map(Bytes::copy_from_slice).collect();
    futures_util::stream::iter(pieces.into_iter().map(Ok))
}

#[tokio::test]
async fn upload_stream_picks_put_or_multipart_and_checks_the_crc() {
    let (emulator, client) = setup().await;
    let options = StreamUploadOptions::default()
        .part_size(1 << 20)
        .concurrency(2);
    let expected: Vec<u8> = (0..(3 << 20) + 5).map(|i| (i % 253) as u8).collect();
    let out = client
        .upload_stream(
            "multi",
            chunks(expected.len(), 300_000),
            &PutOptions::default(),
            options,
        )
        .await
        .unwrap();
    assert!(out.etag.as_deref().unwrap().ends_with("-4\""), "{out:?}");
    assert_eq!(out.crc64, Some(cos_client::crc64::checksum(&expected)));
    assert_eq!(client.get_object_bytes("multi").await.unwrap(), expected);
    let out = client
        .upload_stream("small", chunks(1000, 7), &PutOptions::default(), options)
        .await
        .unwrap();
    assert!(!out.etag.unwrap().contains('-'), "one PUT");
    let empty = futures_util::stream::empty::<Result<Bytes, std::io::Error>>();
    client
        .upload_stream("empty", empty, &PutOptions::default(), options)
        .await
        .unwrap();
    assert_eq!(client.head_object("empty").await.unwrap().content_length, 0);
    assert_eq!(open_uploads(&client).await, 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn upload_stream_aborts_on_a_stream_error_and_respects_create_only() {
    let (emulator, client) = setup().await;
    let options = StreamUploadOptions::default().part_size(1 << 20);
    let broken = chunks(3 << 20, 1 << 19)
        .take(5)
        .chain(futures_util::stream::once(async {
            Err(std::io::Error::other("disk gone"))
        }));
    let error = client
        .upload_stream("broken", broken, &PutOptions::default(), options)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    assert_eq!(open_uploads(&client).await, 0, "the upload was aborted");
    assert!(client.head_object("broken").await.is_err());

    client
        .put_object("taken", "old".into(), &PutOptions::default())
        .await
        .unwrap();
    for size in [10, 3 << 20] {
        let refused = client
            .upload_stream("taken", chunks(size, 1 << 19), &create_only(), options)
            .await
            .unwrap_err();
        assert_eq!(service(&refused), (409, "FileAlreadyExists"), "{size}");
    }
    assert_eq!(client.get_object_bytes("taken").await.unwrap(), b"old");
    assert_eq!(open_uploads(&client).await, 0);
    let bad = StreamUploadOptions::default().part_size(1000);
    let error = client
        .upload_stream("x", chunks(10, 10), &PutOptions::default(), bad)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    emulator.shutdown().await;
}

//! The tower signing layer: every request reaching the inner service verifies with the
//! crate's own verifier, at the time of the user's clock, with the source's current key.
#![cfg(feature = "tower")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tc3_signer::Credential;
use tc3_signer::cos::{self, Authorization, IncomingRequest};
use tc3_signer::layer::{BoxError, CosSigningLayer};
use tower::{ServiceBuilder, ServiceExt, service_fn};

const NOW: u64 = 1_700_000_000;
const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

/// The server side: the secret id the request was signed with, after verifying it with
/// `secret_key` at `now`.
fn verified(request: &http::Request<String>, secret_key: &str, now: u64) -> Result<String, String> {
    let incoming = IncomingRequest::from_http(request);
    let auth = Authorization::from_request(&incoming).map_err(|e| e.to_string())?;
    cos::verify(&auth, secret_key, &incoming, now, Duration::ZERO).map_err(|e| e.to_string())?;
    Ok(auth.secret_id().to_owned())
}

fn request() -> http::Request<String> {
    http::Request::put(format!(
        "https://{HOST}/photos/a%20b.jpg?x-cos-meta-k=v&acl"
    ))
    .header("Content-Type", "image/jpeg")
    .header("x-cos-meta-owner", "user-42")
    .body("hello".to_owned())
    .unwrap()
}

#[tokio::test]
async fn signed_request_verifies_and_carries_token_and_host() {
    let credential = Credential::new("AKIDLAYER", "layer-secret").with_token("layer-token");
    let server = service_fn(|request: http::Request<String>| async move {
        assert_eq!(request.headers()["x-cos-security-token"], "layer-token");
        assert_eq!(request.headers()["host"], HOST);
        assert_eq!(request.body(), "hello");
        let secret_id = verified(&request, "layer-secret", NOW + 10)?;
        Ok::<_, String>(secret_id)
    });
    let client = ServiceBuilder::new()
        .layer(CosSigningLayer::fixed(credential, clock))
        .service(server);
    assert_eq!(client.oneshot(request()).await.unwrap(), "AKIDLAYER");
}

#[tokio::test]
async fn tampered_request_or_wrong_key_is_rejected_by_the_verifier() {
    let server = service_fn(|mut request: http::Request<String>| async move {
        assert!(verified(&request, "wrong-secret", NOW).is_err());
        request
            .headers_mut()
            .insert("x-cos-meta-owner", "user-43".parse().unwrap());
        assert!(verified(&request, "secret", NOW).is_err());
        Ok::<_, Infallible>(())
    });
    let client = CosSigningLayer::fixed(Credential::new("AKID", "secret"), clock);
    tower::Layer::layer(&client, server)
        .oneshot(request())
        .await
        .unwrap();
}

#[tokio::test]
async fn time_comes_from_the_given_clock_and_validity() {
    let server = service_fn(|request: http::Request<String>| async move {
        let incoming = IncomingRequest::from_http(&request);
        let auth = Authorization::from_request(&incoming).unwrap();
        Ok::<_, Infallible>((auth.key_time().start(), auth.key_time().end()))
    });
    let client = ServiceBuilder::new()
        .layer(
            CosSigningLayer::fixed(Credential::new("AKID", "secret"), clock)
                .validity(Duration::from_secs(120)),
        )
        .service(server);
    let window = client.oneshot(request()).await.unwrap();
    assert_eq!(window, (NOW - 60, NOW + 120));
}

#[tokio::test]
async fn each_call_uses_the_source_current_key_and_replaces_old_signatures() {
    let current = Arc::new(Mutex::new(Arc::new(
        Credential::new("AKIDOLD", "old-secret").with_token("old-token"),
    )));
    let source = {
        let current = Arc::clone(&current);
        move || Ok::<_, BoxError>(Arc::clone(&current.lock().unwrap()))
    };
    let server = service_fn(|request: http::Request<String>| async move {
        assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
        assert_eq!(
            request
                .headers()
                .get_all("x-cos-security-token")
                .iter()
                .count(),
            1
        );
        let token = request.headers()["x-cos-security-token"]
            .to_str()
            .unwrap()
            .to_owned();
        let secret = if token == "new-token" {
            "new-secret"
        } else {
            "old-secret"
        };
        Ok::<_, String>((verified(&request, secret, NOW)?, token))
    });
    let client = CosSigningLayer::new(source, clock);
    let service = tower::Layer::layer(&client, server);

    let first = service.clone().oneshot(request()).await.unwrap();
    assert_eq!(first, ("AKIDOLD".to_owned(), "old-token".to_owned()));

    *current.lock().unwrap() =
        Arc::new(Credential::new("AKIDNEW", "new-secret").with_token("new-token"));
    // A retried request still holding the old signature and token is signed afresh.
    let mut retried = request();
    retried.headers_mut().insert(
        "authorization",
        "q-sign-algorithm=sha1&old".parse().unwrap(),
    );
    retried
        .headers_mut()
        .insert("x-cos-security-token", "old-token".parse().unwrap());
    let second = service.oneshot(retried).await.unwrap();
    assert_eq!(second, ("AKIDNEW".to_owned(), "new-token".to_owned()));
}

#[tokio::test]
async fn a_source_or_signing_failure_never_reaches_the_inner_service() {
    let server = service_fn(|_: http::Request<String>| async move {
        panic!("an unsigned request was sent");
        #[allow(unreachable_code)]
        Ok::<(), Infallible>(())
    });
    let failing = || Err::<Arc<Credential>, BoxError>("no credential yet".into());
    let error = tower::Layer::layer(&CosSigningLayer::new(failing, clock), server)
        .oneshot(request())
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "no credential yet");

    let duplicate = http::Request::get(format!("https://{HOST}/a"))
        .header("x-cos-meta-a", "1")
        .header("x-cos-meta-a", "2")
        .body(String::new())
        .unwrap();
    let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), clock);
    let error = tower::Layer::layer(&layer, server)
        .oneshot(duplicate)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("x-cos-meta-a"), "{error}");

    let before_1970 = || UNIX_EPOCH - Duration::from_secs(1);
    let layer = CosSigningLayer::fixed(Credential::new("AKID", "secret"), before_1970);
    assert!(
        tower::Layer::layer(&layer, server)
            .oneshot(request())
            .await
            .is_err()
    );
}

#[test]
fn debug_shows_no_secret() {
    let layer = CosSigningLayer::fixed(
        Credential::new("AKID", "LAYERSECRET").with_token("LAYERTOKEN"),
        clock,
    );
    let shown = format!("{layer:?} {:?}", tower::Layer::layer(&layer, ()));
    assert!(
        !shown.contains("LAYERSECRET") && !shown.contains("LAYERTOKEN"),
        "{shown}"
    );
}

#[tokio::test]
async fn options_set_on_a_clone_leave_the_original_alone() {
    let server = service_fn(|request: http::Request<String>| async move {
        let incoming = IncomingRequest::from_http(&request);
        let auth = Authorization::from_request(&incoming).unwrap();
        Ok::<_, Infallible>(auth.key_time().end())
    });
    let original = CosSigningLayer::fixed(Credential::new("AKID", "secret"), clock);
    let short = original.clone().validity(Duration::from_secs(10));
    let end = |layer: &CosSigningLayer<_, _>| tower::Layer::layer(layer, server).oneshot(request());
    assert_eq!(end(&original).await.unwrap(), NOW + 900);
    assert_eq!(end(&short).await.unwrap(), NOW + 10);
}

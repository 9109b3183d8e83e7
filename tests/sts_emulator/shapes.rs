//! The three output shapes of an emulator-issued credential, and a truthful `startTime`.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use sts_client::{CredentialRequest, SignatureMethod};
use tc3_signer::Credential;

use crate::common;

/// The emulator's `Date` header (Unix seconds), read with a plain request.
async fn server_date(e: &cos_emulator::Emulator) -> u64 {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let response = client
        .get(format!("{}/", e.sts_endpoint()).parse().unwrap())
        .await
        .unwrap();
    let date = response.headers()["date"].to_str().unwrap().to_owned();
    let _ = response.into_body().collect().await;
    httpdate::parse_http_date(&date)
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `YYYY-MM-DDTHH:MM:SSZ` of Unix seconds (civil-from-days).
fn iso8601(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let rem = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[test]
fn iso8601_reference_points() {
    assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
    assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
}

/// The key names of a JSON object, sorted.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn shapes_of_an_issued_credential_and_start_time_from_the_response_date() {
    // The emulator's clock runs ahead of (then behind) the host's: `startTime` must follow the
    // server's `Date`, not the local send time nor `expiredTime - duration`.
    for offset in [120_i64, -120] {
        let e = common::emulator_with(&[], offset).await;
        let client = common::sts(&e, e.root_credential(), SignatureMethod::Tc3);
        let request = CredentialRequest::new(&common::location(&e))
            .allow_prefix("web/*")
            .allow_actions(["PutObject"])
            .duration_seconds(900);
        let before = common::now();
        let issued = client.get_credential(&request).await.unwrap();
        let after = common::now();
        let date = server_date(&e).await;

        let start = issued.start_time();
        let shifted = |t: u64| t.checked_add_signed(offset).unwrap();
        assert!(
            (shifted(before) - 1..=shifted(after) + 1).contains(&start),
            "offset {offset}: start {start}, local {before}..{after}"
        );
        assert!(date.abs_diff(start) <= 1, "Date {date}, startTime {start}");
        assert!((899..=901).contains(&issued.lifetime_secs()));
        let expired = issued.expired_time();
        assert_eq!(issued.expiration(), Some(iso8601(expired).as_str()));

        let key = issued.credential();
        let token = key.token().unwrap();
        let sdk = serde_json::to_value(issued.sdk_shape()).unwrap();
        assert_eq!(
            sdk,
            json!({
                "credentials": {
                    "tmpSecretId": key.secret_id(),
                    "tmpSecretKey": key.secret_key(),
                    "sessionToken": token,
                },
                "expiredTime": expired,
                "expiration": iso8601(expired),
                "requestId": issued.request_id(),
                "startTime": start,
            })
        );
        let api = serde_json::to_value(issued.api_shape()).unwrap();
        assert_eq!(
            keys(&api),
            [
                "Credentials",
                "Expiration",
                "ExpiredTime",
                "RequestId",
                "StartTime"
            ]
        );
        assert_eq!(
            api["Credentials"],
            json!({"Token": token, "TmpSecretId": key.secret_id(), "TmpSecretKey": key.secret_key()})
        );
        assert_eq!(api["ExpiredTime"], expired);
        assert_eq!(api["StartTime"], start);
        assert_eq!(api["RequestId"], issued.request_id());
        let js = serde_json::to_value(issued.cos_js_shape()).unwrap();
        assert_eq!(
            js,
            json!({
                "TmpSecretId": key.secret_id(),
                "TmpSecretKey": key.secret_key(),
                "SecurityToken": token,
                "StartTime": start,
                "ExpiredTime": expired,
            })
        );
        for shape in [
            format!("{:?}", issued.sdk_shape()),
            format!("{:?}", issued.api_shape()),
            format!("{:?}", issued.cos_js_shape()),
        ] {
            assert!(
                !shape.contains(key.secret_key()) && !shape.contains(token),
                "{shape}"
            );
        }

        // What `cos-js-sdk-v5`'s getAuthorization callback receives is enough to upload.
        let from_js = Credential::new(
            js["TmpSecretId"].as_str().unwrap(),
            js["TmpSecretKey"].as_str().unwrap(),
        )
        .with_token(js["SecurityToken"].as_str().unwrap());
        common::put(&e, &from_js, "web/a.txt", &[], "a")
            .await
            .assert_ok("key rebuilt from the cos-js shape");
        e.shutdown().await;
    }
}

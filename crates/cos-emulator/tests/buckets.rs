//! Buckets as COS answers them, through real HTTP on loopback: PUT/HEAD/DELETE Bucket,
//! GET Service with its filters and pages, location, ACL, tagging, CORS and bucket policy
//! (evaluated with the caller's CAM policies, anonymous callers included), and buckets
//! created at run time surviving a restart with a data directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::{Cos, Reply, send, xml_field, xml_fields};
use cos_emulator::{Emulator, SubAccount};

const REGION: &str = "ap-guangzhou";
const SUB_ID: &str = "AKIDSUBREADER";
const SUB_KEY: &str = "sub-secret";
const SUB_ARN: &str = "qcs::cam::uin/100000000001:uin/100000000011";

/// An emulator with one configured bucket and a sub-account allowed only `HeadObject`.
async fn emulator() -> Emulator {
    Emulator::builder()
        .bucket("examplebucket")
        .cam_user(SubAccount::new("100000000011", SUB_ID, SUB_KEY).policy(
            r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:HeadObject"],"resource":["*"]}]}"#,
        ))
        .start()
        .await
        .unwrap()
}

fn host_of(bucket: &str) -> String {
    format!("{bucket}.cos.{REGION}.myqcloud.com")
}

/// A request to `bucket` addressed by its virtual host (signed for that host).
async fn on(
    cos: &Cos,
    bucket: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Reply {
    let host = host_of(bucket);
    let mut all = headers.to_vec();
    all.push(("host", &host));
    cos.request(method, path, query, &all, body).await
}

async fn service(cos: &Cos, host: &str, query: &[(&str, &str)]) -> Reply {
    cos.request("GET", "/", query, &[("host", host)], Bytes::new())
        .await
}

fn names(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 200, "{}", reply.text());
    xml_fields(&reply.text(), "Name")
}

fn sub(e: &Emulator) -> Cos {
    Cos::with(e, Some(tc3_signer::Credential::new(SUB_ID, SUB_KEY)))
}

#[tokio::test]
async fn create_head_delete_with_cos_errors() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let b = "photos-1250000000";
    assert_eq!(on(&cos, b, "HEAD", "/", &[], &[], "").await.status, 404);
    let created = on(&cos, b, "PUT", "/", &[], &[], "").await;
    assert_eq!(created.status, 200, "{}", created.text());
    let again = on(&cos, b, "PUT", "/", &[], &[], "").await;
    assert_eq!(
        (again.status, again.code()),
        (409, "BucketAlreadyOwnedByYou".into())
    );
    let head = on(&cos, b, "HEAD", "/", &[], &[], "").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("x-cos-bucket-region"), Some(REGION));
    assert_eq!(on(&cos, b, "PUT", "/k", &[], &[], "data").await.status, 200);
    let busy = on(&cos, b, "DELETE", "/", &[], &[], "").await;
    assert_eq!((busy.status, busy.code()), (409, "BucketNotEmpty".into()));
    assert_eq!(on(&cos, b, "DELETE", "/k", &[], &[], "").await.status, 204);
    assert_eq!(on(&cos, b, "DELETE", "/", &[], &[], "").await.status, 204);
    assert_eq!(on(&cos, b, "HEAD", "/", &[], &[], "").await.status, 404);
    let gone = on(&cos, b, "DELETE", "/", &[], &[], "").await;
    assert_eq!((gone.status, gone.code()), (404, "NoSuchBucket".into()));
    // An open multipart upload keeps a bucket from being deleted too.
    assert_eq!(on(&cos, b, "PUT", "/", &[], &[], "").await.status, 200);
    let init = on(&cos, b, "POST", "/mp", &[("uploads", "")], &[], "").await;
    assert_eq!(init.status, 200, "{}", init.text());
    assert_eq!(
        on(&cos, b, "DELETE", "/", &[], &[], "").await.code(),
        "BucketNotEmpty"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn bucket_names_follow_cos_core() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    // COS accepts a 50-character name part (a 61-character bucket, beyond the old 60 limit).
    let longest = format!("{}-1250000000", "a".repeat(50));
    assert_eq!(
        on(&cos, &longest, "PUT", "/", &[], &[], "").await.status,
        200
    );
    let too_long = format!("{}-1250000000", "a".repeat(51));
    let r = on(&cos, &too_long, "PUT", "/", &[], &[], "").await;
    assert_eq!((r.status, r.code()), (400, "InvalidBucketName".into()));
    let r = on(&cos, "no-appid", "PUT", "/", &[], &[], "").await;
    assert_eq!(r.code(), "InvalidBucketName");
    let foreign = on(&cos, "theirs-1250000001", "PUT", "/", &[], &[], "").await;
    assert_eq!(
        (foreign.status, foreign.code()),
        (409, "BucketAlreadyExists".into())
    );
    // Multi-AZ creation is not emulated: 501, never a bucket without the option.
    let maz = "<CreateBucketConfiguration><BucketAZConfig>MAZ</BucketAZConfig></CreateBucketConfiguration>";
    let r = on(&cos, "maz-1250000000", "PUT", "/", &[], &[], maz).await;
    assert_eq!((r.status, r.code()), (501, "NotImplemented".into()));
    assert_eq!(
        on(&cos, "maz-1250000000", "HEAD", "/", &[], &[], "")
            .await
            .status,
        404
    );
    e.shutdown().await;
}

#[tokio::test]
async fn get_service_lists_filters_and_pages() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    for (b, tags) in [
        ("alpha-1250000000", "team=red"),
        ("beta-1250000000", "team=blue&env=prod"),
        ("gamma-1250000000", "team=red"),
    ] {
        let r = on(&cos, b, "PUT", "/", &[], &[("x-cos-tagging", tags)], "").await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let svc = "service.cos.myqcloud.com";
    let all = service(&cos, svc, &[]).await;
    assert_eq!(
        names(&all),
        [
            "alpha-1250000000",
            "beta-1250000000",
            "examplebucket-1250000000",
            "gamma-1250000000"
        ]
    );
    let text = all.text();
    assert_eq!(xml_field(&text, "Location").as_deref(), Some(REGION));
    assert!(xml_field(&text, "CreationDate").unwrap().ends_with('Z'));
    assert_eq!(
        xml_field(&text, "ID").as_deref(),
        Some("qcs::cam::uin/100000000001:uin/100000000001")
    );
    let unset = [
        ("tagkey", ""),
        ("tagvalue", ""),
        ("create-time", ""),
        ("range", ""),
    ];
    assert_eq!(names(&service(&cos, svc, &unset).await).len(), 4);
    let red = service(&cos, svc, &[("tagkey", "team"), ("tagvalue", "red")]).await;
    assert_eq!(names(&red), ["alpha-1250000000", "gamma-1250000000"]);
    let prod = service(&cos, svc, &[("tagkey", "env"), ("tagvalue", "prod")]).await;
    assert_eq!(names(&prod), ["beta-1250000000"]);
    assert!(names(&service(&cos, svc, &[("region", "ap-beijing")]).await).is_empty());
    assert_eq!(
        names(&service(&cos, svc, &[("region", REGION)]).await).len(),
        4
    );
    let regional = service(&cos, &format!("cos.{REGION}.myqcloud.com"), &[]).await;
    assert_eq!(names(&regional).len(), 4);
    assert!(names(&service(&cos, "cos.ap-beijing.myqcloud.com", &[]).await).is_empty());
    let future = (common::now() + 3600).to_string();
    let before = service(&cos, svc, &[("create-time", &future), ("range", "lt")]).await;
    assert_eq!(names(&before).len(), 4);
    let after = service(&cos, svc, &[("create-time", &future), ("range", "gte")]).await;
    assert!(names(&after).is_empty());
    let bad = service(&cos, svc, &[("create-time", &future)]).await;
    assert_eq!((bad.status, bad.code()), (400, "InvalidArgument".into()));
    // Pages of two, continued from NextMarker.
    let first = service(&cos, svc, &[("max-keys", "2")]).await;
    assert_eq!(names(&first), ["alpha-1250000000", "beta-1250000000"]);
    assert_eq!(
        xml_field(&first.text(), "IsTruncated").as_deref(),
        Some("true")
    );
    let next = xml_field(&first.text(), "NextMarker").unwrap();
    let second = service(&cos, svc, &[("max-keys", "2"), ("marker", &next)]).await;
    assert_eq!(
        names(&second),
        ["examplebucket-1250000000", "gamma-1250000000"]
    );
    assert_eq!(
        xml_field(&second.text(), "IsTruncated").as_deref(),
        Some("false")
    );
    // Nobody lists buckets anonymously, and a sub-account needs name/cos:GetService.
    let anonymous = Cos::with(&e, None);
    assert_eq!(service(&anonymous, svc, &[]).await.code(), "AccessDenied");
    assert_eq!(service(&sub(&e), svc, &[]).await.code(), "AccessDenied");
    e.shutdown().await;
}

#[tokio::test]
async fn location_and_tagging() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let b = "examplebucket-1250000000";
    let loc = on(&cos, b, "GET", "/", &[("location", "")], &[], "").await;
    assert_eq!(loc.status, 200);
    assert_eq!(
        xml_field(&loc.text(), "LocationConstraint").as_deref(),
        Some(REGION)
    );
    let none = on(&cos, b, "GET", "/", &[("tagging", "")], &[], "").await;
    assert_eq!((none.status, none.code()), (404, "NoSuchTagSet".into()));
    let doc = "<Tagging><TagSet><Tag><Key>age</Key><Value>18</Value></Tag>\
               <Tag><Key>name</Key><Value>xiaoming</Value></Tag></TagSet></Tagging>";
    let put = on(&cos, b, "PUT", "/", &[("tagging", "")], &[], doc).await;
    assert_eq!(put.status, 204, "{}", put.text());
    let got = on(&cos, b, "GET", "/", &[("tagging", "")], &[], "").await;
    assert_eq!(xml_fields(&got.text(), "Key"), ["age", "name"]);
    assert_eq!(xml_fields(&got.text(), "Value"), ["18", "xiaoming"]);
    let dup = "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>\
               <Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>";
    let r = on(&cos, b, "PUT", "/", &[("tagging", "")], &[], dup).await;
    assert_eq!((r.status, r.code()), (400, "InvalidTag".into()));
    assert_eq!(
        on(&cos, b, "DELETE", "/", &[("tagging", "")], &[], "")
            .await
            .status,
        204
    );
    let gone = on(&cos, b, "GET", "/", &[("tagging", "")], &[], "").await;
    assert_eq!(gone.code(), "NoSuchTagSet");
    // Sub-resources are authorized like any operation.
    let denied = on(&sub(&e), b, "GET", "/", &[("tagging", "")], &[], "").await;
    assert_eq!(denied.code(), "AccessDenied");
    e.shutdown().await;
}

#[tokio::test]
async fn bucket_acl_decides_anonymous_and_granted_access() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let anonymous = Cos::with(&e, None);
    let b = "examplebucket-1250000000";
    assert_eq!(
        on(&cos, b, "PUT", "/k", &[], &[], "hello").await.status,
        200
    );
    assert_eq!(
        on(&anonymous, b, "GET", "/k", &[], &[], "").await.code(),
        "AccessDenied"
    );
    let acl = on(&cos, b, "GET", "/", &[("acl", "")], &[], "").await;
    assert_eq!(xml_fields(&acl.text(), "Permission"), ["FULL_CONTROL"]);
    let public = on(
        &cos,
        b,
        "PUT",
        "/",
        &[("acl", "")],
        &[("x-cos-acl", "public-read")],
        "",
    )
    .await;
    assert_eq!(public.status, 200, "{}", public.text());
    let acl = on(&cos, b, "GET", "/", &[("acl", "")], &[], "").await;
    assert_eq!(
        xml_fields(&acl.text(), "Permission"),
        ["FULL_CONTROL", "READ"]
    );
    assert!(
        acl.text()
            .contains("http://cam.qcloud.com/groups/global/AllUsers")
    );
    let read = on(&anonymous, b, "GET", "/k", &[], &[], "").await;
    assert_eq!((read.status, read.text()), (200, "hello".into()));
    assert_eq!(
        on(&anonymous, b, "GET", "/", &[], &[], "").await.status,
        200
    );
    assert_eq!(
        on(&anonymous, b, "PUT", "/w", &[], &[], "x").await.code(),
        "AccessDenied"
    );
    assert_eq!(
        on(&anonymous, b, "GET", "/", &[("acl", "")], &[], "")
            .await
            .code(),
        "AccessDenied"
    );
    on(
        &cos,
        b,
        "PUT",
        "/",
        &[("acl", "")],
        &[("x-cos-acl", "public-read-write")],
        "",
    )
    .await;
    assert_eq!(
        on(&anonymous, b, "PUT", "/w", &[], &[], "x").await.status,
        200
    );
    let bad = on(
        &cos,
        b,
        "PUT",
        "/",
        &[("acl", "")],
        &[("x-cos-acl", "everyone")],
        "",
    )
    .await;
    assert_eq!((bad.status, bad.code()), (400, "InvalidArgument".into()));
    // A grant header admits the named sub-account beyond its CAM policy.
    let reader = sub(&e);
    on(
        &cos,
        b,
        "PUT",
        "/",
        &[("acl", "")],
        &[("x-cos-acl", "private")],
        "",
    )
    .await;
    assert_eq!(
        on(&reader, b, "GET", "/k", &[], &[], "").await.code(),
        "AccessDenied"
    );
    let grant = format!("id=\"{SUB_ARN}\"");
    let r = on(
        &cos,
        b,
        "PUT",
        "/",
        &[("acl", "")],
        &[("x-cos-grant-read", &grant)],
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(on(&reader, b, "GET", "/k", &[], &[], "").await.status, 200);
    assert_eq!(
        on(&anonymous, b, "GET", "/k", &[], &[], "").await.code(),
        "AccessDenied"
    );
    // A document sets exactly the grants it lists (the owner's full control stays implied).
    let doc = format!(
        "<AccessControlPolicy><Owner><ID>qcs::cam::uin/100000000001:uin/100000000001</ID></Owner>\
         <AccessControlList><Grant><Grantee><ID>{SUB_ARN}</ID></Grantee>\
         <Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>"
    );
    let r = on(&cos, b, "PUT", "/", &[("acl", "")], &[], doc).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let acl = on(&cos, b, "GET", "/", &[("acl", "")], &[], "").await;
    assert_eq!(xml_fields(&acl.text(), "Permission"), ["WRITE"]);
    assert_eq!(
        on(&reader, b, "PUT", "/by-sub", &[], &[], "x").await.status,
        200
    );
    assert_eq!(
        on(&reader, b, "GET", "/k", &[], &[], "").await.code(),
        "AccessDenied"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn cors_follows_the_configured_rules_exactly() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let b = "examplebucket-1250000000";
    let url = format!("{}/{b}/k", e.cos_endpoint());
    let preflight = |origin: &str, method: &str, headers: &str| {
        let mut h = vec![
            ("Origin".to_string(), origin.to_string()),
            (
                "Access-Control-Request-Method".to_string(),
                method.to_string(),
            ),
        ];
        if !headers.is_empty() {
            h.push((
                "Access-Control-Request-Headers".to_string(),
                headers.to_string(),
            ));
        }
        let url = url.clone();
        async move { send("OPTIONS", &url, &h, Bytes::new()).await }
    };
    // No rule: the preflight is refused and actual responses carry no CORS headers.
    let refused = preflight("http://app.example", "PUT", "").await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "AccessForbidden".into())
    );
    assert!(refused.header("access-control-allow-origin").is_none());
    let put = on(
        &cos,
        b,
        "PUT",
        "/k",
        &[],
        &[("origin", "http://app.example")],
        "x",
    )
    .await;
    assert_eq!(put.status, 200);
    assert!(put.header("access-control-allow-origin").is_none());
    let missing = on(&cos, b, "GET", "/", &[("cors", "")], &[], "").await;
    assert_eq!(
        (missing.status, missing.code()),
        (404, "NoSuchCORSConfiguration".into())
    );
    let rules = "<CORSConfiguration><CORSRule><ID>app</ID>\
        <AllowedOrigin>http://*.app.example</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>\
        <AllowedMethod>GET</AllowedMethod><AllowedHeader>x-cos-*</AllowedHeader>\
        <AllowedHeader>authorization</AllowedHeader><MaxAgeSeconds>300</MaxAgeSeconds>\
        <ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-cos-request-id</ExposeHeader>\
        </CORSRule></CORSConfiguration>";
    let corrupted = [("content-md5", "AAAAAAAAAAAAAAAAAAAAAA==")];
    let r = on(&cos, b, "PUT", "/", &[("cors", "")], &corrupted, rules).await;
    assert_eq!((r.status, r.code()), (400, "BadDigest".into()));
    let set = on(&cos, b, "PUT", "/", &[("cors", "")], &[], rules).await;
    assert_eq!(set.status, 200, "{}", set.text());
    let got = on(&cos, b, "GET", "/", &[("cors", "")], &[], "").await;
    assert_eq!(xml_fields(&got.text(), "AllowedMethod"), ["PUT", "GET"]);
    assert_eq!(
        xml_field(&got.text(), "MaxAgeSeconds").as_deref(),
        Some("300")
    );
    let ok = preflight(
        "http://www.app.example",
        "PUT",
        "Authorization, x-cos-security-token",
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("http://www.app.example")
    );
    assert_eq!(ok.header("access-control-allow-methods"), Some("PUT,GET"));
    assert_eq!(
        ok.header("access-control-allow-headers"),
        Some("Authorization, x-cos-security-token")
    );
    assert_eq!(
        ok.header("access-control-expose-headers"),
        Some("ETag,x-cos-request-id")
    );
    assert_eq!(ok.header("access-control-max-age"), Some("300"));
    for (origin, method, headers) in [
        ("http://evil.example", "PUT", ""),
        ("http://www.app.example", "DELETE", ""),
        ("http://www.app.example", "PUT", "content-md5"),
    ] {
        let r = preflight(origin, method, headers).await;
        assert_eq!(
            (r.status, r.code()),
            (403, "AccessForbidden".into()),
            "{origin} {method} {headers}"
        );
    }
    let actual = on(
        &cos,
        b,
        "GET",
        "/k",
        &[],
        &[("origin", "http://www.app.example")],
        "",
    )
    .await;
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("http://www.app.example")
    );
    assert_eq!(
        actual.header("access-control-expose-headers"),
        Some("ETag,x-cos-request-id")
    );
    let other = on(
        &cos,
        b,
        "GET",
        "/k",
        &[],
        &[("origin", "http://evil.example")],
        "",
    )
    .await;
    assert!(other.header("access-control-allow-origin").is_none());
    let delete = on(
        &cos,
        b,
        "DELETE",
        "/k",
        &[],
        &[("origin", "http://www.app.example")],
        "",
    )
    .await;
    assert!(
        delete.header("access-control-allow-origin").is_none(),
        "DELETE is not allowed"
    );
    let bad = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
               <AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>";
    assert_eq!(
        on(&cos, b, "PUT", "/", &[("cors", "")], &[], bad)
            .await
            .code(),
        "InvalidArgument"
    );
    assert_eq!(
        on(&cos, b, "DELETE", "/", &[("cors", "")], &[], "")
            .await
            .status,
        204
    );
    let after = preflight("http://www.app.example", "PUT", "").await;
    assert_eq!(after.status, 403);
    let no_origin = send("OPTIONS", &url, &[], Bytes::new()).await;
    assert_eq!(no_origin.status, 400);
    e.shutdown().await;
}

#[tokio::test]
async fn a_start_up_cors_origin_is_a_rule_like_any_other() {
    let e = Emulator::builder()
        .bucket("examplebucket")
        .cors_origin("http://app.example")
        .start()
        .await
        .unwrap();
    let url = format!("{}/examplebucket-1250000000/k", e.cos_endpoint());
    let ask = |origin: &str| {
        let h = vec![
            ("Origin".to_string(), origin.to_string()),
            (
                "Access-Control-Request-Method".to_string(),
                "PUT".to_string(),
            ),
            (
                "Access-Control-Request-Headers".to_string(),
                "authorization".to_string(),
            ),
        ];
        let url = url.clone();
        async move { send("OPTIONS", &url, &h, Bytes::new()).await }
    };
    let ok = ask("http://app.example").await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.header("access-control-expose-headers")
            .unwrap()
            .contains("ETag")
    );
    assert_eq!(ask("http://other.example").await.status, 403);
    e.shutdown().await;
}

#[tokio::test]
async fn bucket_policy_with_cam_policies_and_anonymous_callers() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let anonymous = Cos::with(&e, None);
    let reader = sub(&e);
    let b = "examplebucket-1250000000";
    for key in ["/public/a", "/private/a"] {
        assert_eq!(on(&cos, b, "PUT", key, &[], &[], "v").await.status, 200);
    }
    let missing = on(&cos, b, "GET", "/", &[("policy", "")], &[], "").await;
    assert_eq!(
        (missing.status, missing.code()),
        (404, "NoSuchPolicy".into())
    );
    let resource = |path: &str| format!("qcs::cos:{REGION}:uid/1250000000:{b}/{path}");
    let policy = serde_json::json!({
        "Statement": [
            {"Principal": {"qcs": ["qcs::cam::anyone:anyone"]}, "Effect": "Allow",
             "Action": ["name/cos:GetObject"], "Resource": [resource("public/*")]},
            {"Principal": {"qcs": [SUB_ARN]}, "Effect": "Deny",
             "Action": ["name/cos:HeadObject"], "Resource": [resource("private/*")]}
        ],
        "version": "2.0"
    })
    .to_string();
    let put = on(&cos, b, "PUT", "/", &[("policy", "")], &[], policy.clone()).await;
    assert_eq!(put.status, 204, "{}", put.text());
    let got = on(&cos, b, "GET", "/", &[("policy", "")], &[], "").await;
    assert_eq!(
        got.json(),
        serde_json::from_str::<serde_json::Value>(&policy).unwrap()
    );
    // The policy admits anonymous reads of public/ only.
    assert_eq!(
        on(&anonymous, b, "GET", "/public/a", &[], &[], "")
            .await
            .status,
        200
    );
    assert_eq!(
        on(&anonymous, b, "GET", "/private/a", &[], &[], "")
            .await
            .code(),
        "AccessDenied"
    );
    assert_eq!(
        on(&anonymous, b, "PUT", "/public/b", &[], &[], "x")
            .await
            .code(),
        "AccessDenied"
    );
    // The sub-account's CAM policy allows HeadObject everywhere; the bucket policy's deny
    // wins on private/, and its allow for everybody adds GetObject on public/.
    assert_eq!(
        on(&reader, b, "HEAD", "/public/a", &[], &[], "")
            .await
            .status,
        200
    );
    assert_eq!(
        on(&reader, b, "HEAD", "/private/a", &[], &[], "")
            .await
            .status,
        403
    );
    assert_eq!(
        on(&reader, b, "GET", "/public/a", &[], &[], "")
            .await
            .status,
        200
    );
    assert_eq!(
        on(&reader, b, "GET", "/private/a", &[], &[], "")
            .await
            .status,
        403
    );
    // The root account is never locked out.
    assert_eq!(
        on(&cos, b, "HEAD", "/private/a", &[], &[], "").await.status,
        200
    );
    for bad in [
        "not json".to_string(),
        serde_json::json!({"version": "2.0", "statement": [{"effect": "allow",
            "action": ["name/cos:GetObject"], "resource": ["*"]}]})
        .to_string(),
    ] {
        let r = on(&cos, b, "PUT", "/", &[("policy", "")], &[], bad).await;
        assert_eq!((r.status, r.code()), (400, "MalformedPolicy".into()));
    }
    assert_eq!(
        on(&cos, b, "DELETE", "/", &[("policy", "")], &[], "")
            .await
            .status,
        204
    );
    assert_eq!(
        on(&anonymous, b, "GET", "/public/a", &[], &[], "")
            .await
            .code(),
        "AccessDenied"
    );
    assert_eq!(
        on(&reader, b, "HEAD", "/private/a", &[], &[], "")
            .await
            .status,
        200
    );
    e.shutdown().await;
}

#[tokio::test]
async fn buckets_created_at_run_time_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        Emulator::builder()
            .bucket("examplebucket")
            .data_dir(dir.path())
            .start()
    };
    let e = start().await.unwrap();
    let root = e.root_credential();
    let cos = Cos::root(&e);
    let b = "runtime-1250000000";
    on(
        &cos,
        b,
        "PUT",
        "/",
        &[],
        &[("x-cos-tagging", "k=v"), ("x-cos-acl", "public-read")],
        "",
    )
    .await;
    assert_eq!(
        on(&cos, b, "PUT", "/obj", &[], &[], "kept").await.status,
        200
    );
    e.shutdown().await;
    let e = start().await.unwrap();
    assert_eq!(e.root_credential().secret_id(), root.secret_id());
    let cos = Cos::root(&e);
    let listed = service(&cos, "service.cos.myqcloud.com", &[]).await;
    assert_eq!(names(&listed), ["examplebucket-1250000000", b]);
    let tags = on(&cos, b, "GET", "/", &[("tagging", "")], &[], "").await;
    assert_eq!(xml_fields(&tags.text(), "Key"), ["k"]);
    let read = on(&Cos::with(&e, None), b, "GET", "/obj", &[], &[], "").await;
    assert_eq!((read.status, read.text()), (200, "kept".into()));
    e.shutdown().await;
}

#[tokio::test]
async fn temporary_keys_stay_bounded_by_their_policy_unless_the_resource_is_public() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let b = "examplebucket-1250000000";
    for key in ["/uploads/a", "/private/a"] {
        assert_eq!(on(&cos, b, "PUT", key, &[], &[], "v").await.status, 200);
    }
    let uploads = format!("qcs::cos:{REGION}:uid/1250000000:{b}/uploads/*");
    let body = serde_json::json!({
        "Name": "alice",
        "Policy": common::policy(&["name/cos:PutObject"], &[uploads]),
        "DurationSeconds": 900
    });
    let key = common::temp_credential(
        &common::sts_tc3(&e, &e.root_credential(), "GetFederationToken", &body, None).await,
    );
    let temp = Cos::with(&e, Some(key));
    assert_eq!(
        on(&temp, b, "PUT", "/uploads/b", &[], &[], "x")
            .await
            .status,
        200
    );
    // A grant to everybody admits what an unsigned request could do, signed or not.
    assert_eq!(
        on(&temp, b, "GET", "/private/a", &[], &[], "").await.code(),
        "AccessDenied"
    );
    on(
        &cos,
        b,
        "PUT",
        "/",
        &[("acl", "")],
        &[("x-cos-acl", "public-read")],
        "",
    )
    .await;
    assert_eq!(
        on(&temp, b, "GET", "/private/a", &[], &[], "").await.status,
        200
    );
    // ...but a bucket-policy deny binds temporary keys too.
    let deny = serde_json::json!({"version": "2.0", "statement": [{
        "principal": {"qcs": ["qcs::cam::anyone:anyone"]}, "effect": "deny",
        "action": ["name/cos:PutObject"],
        "resource": [format!("qcs::cos:{REGION}:uid/1250000000:{b}/uploads/locked/*")]}]})
    .to_string();
    assert_eq!(
        on(&cos, b, "PUT", "/", &[("policy", "")], &[], deny)
            .await
            .status,
        204
    );
    let locked = on(&temp, b, "PUT", "/uploads/locked/x", &[], &[], "x").await;
    assert_eq!(locked.code(), "AccessDenied");
    assert_eq!(
        on(&temp, b, "PUT", "/uploads/open", &[], &[], "x")
            .await
            .status,
        200
    );
    e.shutdown().await;
}

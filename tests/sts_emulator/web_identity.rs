//! AssumeRoleWithWebIdentity (unsigned) through `sts-client`'s TKE OIDC provider: a token of
//! a configured identity provider buys the role's key; bad tokens are refused with
//! `InvalidParameter.WebIdentityTokenError`.

use std::sync::Arc;

use cos_emulator::{Emulator, OidcProvider, Role};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use sts_client::provider::{MapEnv, MapFs, ProvideCredentials, WebIdentityProvider};
use sts_client::{Endpoint, StsClient};

use crate::common;

const SECRET: &[u8] = b"tke-cluster-oidc-signing-secret-0123456789";
const ISSUER: &str = "https://ap-guangzhou-oidc.tke.example/id/cls-1";
const AUDIENCE: &str = "sts.cloud.tencent.com";
const TOKEN_FILE: &str = "/var/run/secrets/tke/token";

fn token(secret: &[u8], exp: u64) -> String {
    let claims = serde_json::json!({
        "iss": ISSUER, "sub": "system:serviceaccount:media:uploader", "aud": AUDIENCE, "exp": exp,
    });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

async fn emulator() -> Emulator {
    let resource = "qcs::cos:ap-guangzhou:uid/1250000000:media-1250000000/shared/*".to_owned();
    Emulator::builder()
        .in_memory()
        .region(common::REGION)
        .appid("1250000000")
        .bucket("media")
        .role(Role::new(
            "uploader",
            common::allow_policy(&["name/cos:PutObject"], &[resource]),
        ))
        .oidc_provider(OidcProvider::hs256("tke-oidc", ISSUER, SECRET).client_id(AUDIENCE))
        .start()
        .await
        .unwrap()
}

fn provider(e: &Emulator, fs: &MapFs) -> WebIdentityProvider {
    let env = MapEnv::new([
        ("TKE_REGION", common::REGION.to_string()),
        ("TKE_PROVIDER_ID", "tke-oidc".to_string()),
        ("TKE_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE.to_string()),
        (
            "TKE_ROLE_ARN",
            format!("qcs::cam::uin/{}:roleName/uploader", e.owner_uin()),
        ),
    ]);
    // No credentials: the action is sent unsigned (`Authorization: SKIP`).
    let client = StsClient::builder()
        .endpoint(Endpoint::custom(&e.sts_endpoint()).unwrap())
        .region(common::REGION)
        .build()
        .unwrap();
    WebIdentityProvider::from_env(Arc::new(env), Arc::new(fs.clone())).with_client(client)
}

#[tokio::test]
async fn an_oidc_token_buys_the_role_key_and_bad_tokens_are_refused() {
    let e = emulator().await;
    let fs = MapFs::new([(TOKEN_FILE, token(SECRET, common::now() + 600))]);
    let provider = provider(&e, &fs);
    let provided = provider.provide_credentials().await.unwrap();
    let key = provided.credential();
    assert!(key.token().is_some());
    common::put(&e, key, "shared/a.txt", &[], "x")
        .await
        .assert_ok("put inside the role's grant");
    let outside = common::put(&e, key, "private/a.txt", &[], "x").await;
    assert_eq!(outside.status, 403, "{:?}", outside.body);

    for (bad, why) in [
        (
            token(
                b"some-other-secret-of-sufficient-length",
                common::now() + 600,
            ),
            "signature",
        ),
        (token(SECRET, common::now() - 10), "expired"),
        ("not-a-jwt".to_string(), "malformed"),
    ] {
        fs.insert(TOKEN_FILE, bad);
        let error = provider
            .provide_credentials()
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("InvalidParameter.WebIdentityTokenError") && error.contains(why),
            "{why}: {error}"
        );
    }
    e.shutdown().await;
}

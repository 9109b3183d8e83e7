//! GetSessionToken: an MFA code of a registered device buys a session key with the caller's
//! own permissions, in every signature method; wrong codes, other users' devices and
//! temporary callers are refused.

use cos_emulator::{Emulator, MfaDevice};
use sts_client::GetSessionToken;

use crate::common;

const SEED: &[u8] = b"12345678901234567890";

fn serial(e: &Emulator) -> String {
    format!("qcs::cam:uin/{}::mfa/softToken", e.owner_uin())
}

async fn emulator() -> Emulator {
    let owner_device = MfaDevice::new("qcs::cam:uin/100000000001::mfa/softToken", SEED);
    let someone_else = MfaDevice::new("qcs::cam:uin/100000000099::mfa/softToken", SEED);
    let e = cos_emulator::Emulator::builder()
        .in_memory()
        .region(common::REGION)
        .appid("1250000000")
        .bucket("media")
        .mfa_device(owner_device)
        .mfa_device(someone_else)
        .start()
        .await
        .unwrap();
    assert_eq!(serial(&e), "qcs::cam:uin/100000000001::mfa/softToken");
    e
}

fn code_now(e: &Emulator) -> String {
    MfaDevice::new(serial(e), SEED).code_at(common::now())
}

/// A code the device shows at no step near now (the emulator allows one step of drift).
fn wrong_code(e: &Emulator) -> String {
    let device = MfaDevice::new(serial(e), SEED);
    let now = common::now();
    let near: Vec<String> = (0..5).map(|i| device.code_at(now + i * 30 - 60)).collect();
    (0..10u32)
        .map(|d| format!("{d}{d}{d}{d}{d}{d}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

fn api_code(error: &sts_client::StsError) -> Option<&str> {
    error.api_error().map(|a| a.code.as_str())
}

#[tokio::test]
async fn an_mfa_code_buys_a_session_key_with_the_callers_permissions() {
    let e = emulator().await;
    for method in common::METHODS {
        let client = common::sts(&e, e.root_credential(), method);
        let issued = client
            .get_session_token(
                &GetSessionToken::new(serial(&e), code_now(&e)).duration_seconds(900),
            )
            .await
            .unwrap();
        assert!((899..=901).contains(&issued.lifetime_secs()), "{method:?}");
        let key = issued.into_credential();
        assert!(key.token().is_some());
        common::put(&e, &key, "anywhere/a.txt", &[], "a")
            .await
            .assert_ok(&format!("{method:?}: the root's own permissions"));

        let wrong = client
            .get_session_token(&GetSessionToken::new(serial(&e), wrong_code(&e)))
            .await
            .unwrap_err();
        assert_eq!(
            api_code(&wrong),
            Some("FailedOperation.CheckMFAError"),
            "{method:?}"
        );
        let others = "qcs::cam:uin/100000000099::mfa/softToken";
        let theirs = MfaDevice::new(others, SEED).code_at(common::now());
        let error = client
            .get_session_token(&GetSessionToken::new(others, theirs))
            .await
            .unwrap_err();
        assert_eq!(
            api_code(&error),
            Some("FailedOperation.CheckMFAError"),
            "{method:?}"
        );
        let too_long = client
            .get_session_token(
                &GetSessionToken::new(serial(&e), code_now(&e)).duration_seconds(7201),
            )
            .await;
        assert!(too_long.is_err(), "{method:?}: the root's limit is 7200 s");
    }

    // A temporary key may not ask for a session token.
    let federated = common::federated_key(&e, "inbox/*").await;
    let error = common::sts(&e, federated, sts_client::SignatureMethod::Tc3)
        .get_session_token(&GetSessionToken::new(serial(&e), code_now(&e)))
        .await
        .unwrap_err();
    assert_eq!(api_code(&error), Some("FailedOperation.TempKeyNotAllowed"));
    e.shutdown().await;
}

//! AssumeRoleWithSAML (cargo feature `saml`): SAML responses signed at test time by a test
//! IdP (an ECDSA P-256 key and certificate made with rcgen, signed with samael/libxmlsec1)
//! are accepted; tampered, foreign-signed, expired, mis-addressed ones and providers a role's
//! trust policy does not name are refused with STS's error codes.
#![cfg(feature = "saml")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use base64::Engine as _;
use common::{now, sts_unsigned};
use cos_emulator::{Emulator, Role, SamlProvider};
use samael::crypto::{Crypto, CryptoProvider as _};

const ACS: &str = "https://cloud.tencent.com/login/saml";
const IDP: &str = "https://idp.example/saml";

/// A test IdP: its signing key (PKCS#8 DER) and certificate (PEM).
struct Idp {
    key_der: Vec<u8>,
    cert_pem: String,
}

fn idp() -> Idp {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["idp.example".to_string()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    Idp {
        key_der: key.serialize_der(),
        cert_pem: cert.pem(),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of unix seconds.
fn iso(unix: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(unix).unwrap())
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// What an assertion says; each test changes one thing.
struct Claims {
    issued: u64,
    not_on_or_after: u64,
    audience: &'static str,
    recipient: &'static str,
    role_pair: String,
}

fn claims() -> Claims {
    let t = now();
    Claims {
        issued: t,
        not_on_or_after: t + 300,
        audience: "https://cloud.tencent.com",
        recipient: ACS,
        role_pair: format!("{},{}", role_arn(), provider_arn()),
    }
}

const UIN: &str = "100000000001";

fn role_arn() -> String {
    format!("qcs::cam::uin/{UIN}:roleName/sso")
}

fn provider_arn() -> String {
    format!("qcs::cam::uin/{UIN}:saml-provider/corp-idp")
}

/// A SAML response whose assertion is signed (enveloped, exclusive C14N, ECDSA-SHA256).
fn signed_response(idp: &Idp, c: &Claims) -> String {
    let (issued, end) = (iso(c.issued), iso(c.not_on_or_after));
    let unsigned = format!(
        r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="{issued}" Destination="{ACS}"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a1" Version="2.0" IssueInstant="{issued}"><saml:Issuer>{IDP}</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/><ds:Reference URI="#_a1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue></ds:Signature><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{issued}" NotOnOrAfter="{end}"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement><saml:Attribute Name="https://cloud.tencent.com/SAML/Attributes/Role"><saml:AttributeValue>{pair}</saml:AttributeValue></saml:Attribute><saml:Attribute Name="https://cloud.tencent.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>alice</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"##,
        recipient = c.recipient,
        audience = c.audience,
        pair = c.role_pair,
    );
    Crypto::sign_xml(unsigned, &idp.key_der).expect("signing the test assertion")
}

/// The trust policy CAM's console writes for a SAML role.
fn trust() -> String {
    serde_json::json!({"version": "2.0", "statement": [{
        "action": "name/sts:AssumeRoleWithSAML",
        "effect": "allow",
        "principal": {"federated": [provider_arn()]},
        "condition": {"string_equal": {"saml:aud": ACS}},
    }]})
    .to_string()
}

const ROLE_POLICY: &str = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["*"]}]}"#;

async fn emulator(provider: SamlProvider) -> Emulator {
    Emulator::builder()
        .owner_uin(UIN)
        .saml_provider(provider)
        .role(Role::new("sso", ROLE_POLICY).trust_policy(trust()))
        .start()
        .await
        .unwrap()
}

fn provider(idp: &Idp) -> SamlProvider {
    SamlProvider::from_certificate_pem("corp-idp", idp.cert_pem.as_bytes()).unwrap()
}

async fn assume(e: &Emulator, response_xml: &str) -> serde_json::Value {
    let body = serde_json::json!({
        "SAMLAssertion": base64::engine::general_purpose::STANDARD.encode(response_xml),
        "PrincipalArn": provider_arn(),
        "RoleArn": role_arn(),
        "RoleSessionName": "alice",
        "DurationSeconds": 900,
    });
    sts_unsigned(e, "AssumeRoleWithSAML", &body).await.json()["Response"].clone()
}

fn refused(answer: &serde_json::Value, code: &str, why: &str) {
    assert_eq!(answer["Error"]["Code"], code, "{answer}");
    let message = answer["Error"]["Message"].as_str().unwrap();
    assert!(message.contains(why), "{why}: {message}");
}

#[tokio::test]
async fn a_signed_assertion_buys_the_role_and_tampering_is_refused() {
    let idp = idp();
    let e = emulator(provider(&idp)).await;
    let good = signed_response(&idp, &claims());
    let answer = assume(&e, &good).await;
    assert!(answer["Error"].is_null(), "{answer}");
    assert!(
        answer["Credentials"]["TmpSecretId"]
            .as_str()
            .unwrap()
            .starts_with("AKID")
    );
    let expired_time = answer["ExpiredTime"].as_u64().unwrap();
    assert!(expired_time.abs_diff(now() + 900) <= 5, "{answer}");

    // One changed byte in the signed assertion (the subject) breaks its digest.
    let tampered = good.replacen(">alice</saml:NameID>", ">mallory</saml:NameID>", 1);
    assert_ne!(tampered, good);
    refused(
        &assume(&e, &tampered).await,
        "InvalidParameter.ParamError",
        "signature",
    );

    // A second, unsigned assertion wrapped around the signed one is never read.
    let wrapped = good.replacen(
        "<saml:Assertion ID=\"_a1\"",
        "<saml:Assertion ID=\"_evil\" Version=\"2.0\" IssueInstant=\"2030-01-01T00:00:00Z\"><saml:Issuer>x</saml:Issuer></saml:Assertion><saml:Assertion ID=\"_a1\"",
        1,
    );
    assert_ne!(wrapped, good);
    let answer = assume(&e, &wrapped).await;
    assert!(answer["Error"].is_null(), "{answer}");
    e.shutdown().await;
}

#[tokio::test]
async fn a_response_signed_by_another_key_is_refused() {
    let (trusted, other) = (idp(), idp());
    let e = emulator(provider(&trusted)).await;
    let forged = signed_response(&other, &claims());
    refused(
        &assume(&e, &forged).await,
        "InvalidParameter.ParamError",
        "signature",
    );
    e.shutdown().await;
}

#[tokio::test]
async fn expiry_audience_recipient_and_role_are_checked_on_the_emulators_clock() {
    let idp = idp();
    let e = emulator(provider(&idp)).await;
    let good = signed_response(&idp, &claims());

    // The emulator's clock, not the host's, decides expiry.
    e.set_clock_offset(301);
    refused(
        &assume(&e, &good).await,
        "InvalidParameter.ParamError",
        "expired",
    );
    e.set_clock_offset(0);
    assert!(assume(&e, &good).await["Error"].is_null());

    let mut c = claims();
    c.audience = "urn:someone-else";
    let answer = assume(&e, &signed_response(&idp, &c)).await;
    refused(&answer, "InvalidParameter.ParamError", "audience");

    // The trust policy's saml:aud condition reads the Recipient.
    let mut c = claims();
    c.recipient = "https://elsewhere.example/acs";
    let answer = assume(&e, &signed_response(&idp, &c)).await;
    refused(&answer, "UnauthorizedOperation", "trust policy");

    // The Role attribute must name the role and the provider.
    let mut c = claims();
    c.role_pair = format!("qcs::cam::uin/{UIN}:roleName/other,{}", provider_arn());
    let answer = assume(&e, &signed_response(&idp, &c)).await;
    refused(&answer, "InvalidParameter.ParamError", "Role attribute");
    e.shutdown().await;
}

#[tokio::test]
async fn unknown_providers_roles_and_garbage_are_refused() {
    let idp = idp();
    let e = emulator(provider(&idp)).await;
    let good = base64::engine::general_purpose::STANDARD.encode(signed_response(&idp, &claims()));
    let call = |principal: String, role: String, assertion: &str| {
        serde_json::json!({"SAMLAssertion": assertion, "PrincipalArn": principal,
                           "RoleArn": role, "RoleSessionName": "alice"})
    };
    let other_provider = format!("qcs::cam::uin/{UIN}:saml-provider/nobody");
    let r = sts_unsigned(
        &e,
        "AssumeRoleWithSAML",
        &call(other_provider, role_arn(), &good),
    )
    .await;
    refused(
        &r.json()["Response"],
        "InvalidParameter.ParamError",
        "does not exist",
    );
    let other_role = format!("qcs::cam::uin/{UIN}:roleName/nobody");
    let r = sts_unsigned(
        &e,
        "AssumeRoleWithSAML",
        &call(provider_arn(), other_role, &good),
    )
    .await;
    refused(&r.json()["Response"], "ResourceNotFound.RoleNotFound", "");
    for garbage in ["not base64!", "PHg+", ""] {
        let r = sts_unsigned(
            &e,
            "AssumeRoleWithSAML",
            &call(provider_arn(), role_arn(), garbage),
        )
        .await;
        let code = r.json()["Response"]["Error"]["Code"].clone();
        assert!(
            code == "InvalidParameter.ParamError" || code == "MissingParameter",
            "{garbage}: {}",
            r.text()
        );
    }
    e.shutdown().await;
}

#[tokio::test]
async fn metadata_names_the_certificate_and_the_issuer() {
    let idp = idp();
    let body: String = idp
        .cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let metadata = |entity: &str| {
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
        )
    };
    let e =
        emulator(SamlProvider::from_file_contents("corp-idp", metadata(IDP).as_bytes()).unwrap())
            .await;
    assert!(assume(&e, &signed_response(&idp, &claims())).await["Error"].is_null());
    e.shutdown().await;
    let e = emulator(
        SamlProvider::from_file_contents("corp-idp", metadata("https://other.example").as_bytes())
            .unwrap(),
    )
    .await;
    let answer = assume(&e, &signed_response(&idp, &claims())).await;
    refused(&answer, "InvalidParameter.ParamError", "issuer");
    e.shutdown().await;
}

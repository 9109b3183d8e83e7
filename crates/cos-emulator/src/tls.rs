//! HTTPS for both listeners (opt-in, [`EmulatorBuilder::https`](crate::EmulatorBuilder::https)):
//! a certificate authority generated at start-up with `rcgen`, a server certificate it signs
//! for the loopback names and the listeners' addresses, and the `rustls` acceptor (ring
//! provider passed explicitly, never the process default). Clients trust the CA's PEM
//! ([`Emulator::ca_cert_pem`](crate::Emulator::ca_cert_pem)); its key never leaves this module.

use crate::error::EmulatorError;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;

/// How long a client may take to finish the TLS handshake.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Marks a request that arrived over TLS (a request extension set by the server), so that
/// `cos:secure-transport` is `true` for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Secure;

/// Whether the request arrived over TLS.
pub(crate) fn is_secure(parts: &http::request::Parts) -> bool {
    parts.extensions.get::<Secure>().is_some()
}

/// The generated CA and the acceptor presenting the server certificate it signed.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) ca_pem: String,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::InvalidConfig {
        reason: format!("HTTPS: {what}: {e}"),
    }
}

/// COS's public regions (COS's "Regions and Access Endpoints" list): the server certificate
/// names their hosts, so a bucket created after start-up in any of them is reachable over
/// HTTPS without a new certificate.
const COS_REGIONS: &[&str] = &[
    "ap-beijing-1",
    "ap-beijing",
    "ap-nanjing",
    "ap-shanghai",
    "ap-guangzhou",
    "ap-chengdu",
    "ap-chongqing",
    "ap-shenzhen-fsi",
    "ap-shanghai-fsi",
    "ap-beijing-fsi",
    "ap-hongkong",
    "ap-singapore",
    "ap-jakarta",
    "ap-seoul",
    "ap-bangkok",
    "ap-tokyo",
    "ap-mumbai",
    "na-siliconvalley",
    "na-ashburn",
    "na-toronto",
    "sa-saopaulo",
    "eu-frankfurt",
];

/// The Tencent Cloud host names the certificate covers for `region` (the emulator's), every
/// COS region and `sts_host` (the public STS host clients sign): `*.cos.<region>.myqcloud.com`
/// (and `cos-internal`, `.tencentcos.cn`) for buckets whenever they are created,
/// `cos.<region>.…` and `service.cos.…` for GET Service, and the STS hosts.
pub(crate) fn tencent_cloud_names(region: &str, sts_host: &str) -> Vec<String> {
    let mut names = Vec::new();
    let regions = std::iter::once(region).chain(COS_REGIONS.iter().copied());
    for region in regions {
        for domain in ["myqcloud.com", "tencentcos.cn"] {
            for service in ["cos", "cos-internal"] {
                names.push(format!("*.{service}.{region}.{domain}"));
            }
            names.push(format!("cos.{region}.{domain}"));
        }
        names.push(format!("sts.{region}.tencentcloudapi.com"));
    }
    for domain in ["myqcloud.com", "tencentcos.cn"] {
        names.push(format!("service.cos.{domain}"));
    }
    names.extend(
        [
            sts_host,
            "sts.tencentcloudapi.com",
            "sts.internal.tencentcloudapi.com",
            "sts.intl.tencentcloudapi.com",
        ]
        .map(str::to_string),
    );
    names
}

/// A fresh CA and a server certificate for `localhost`, `127.0.0.1`, `::1`, every address in
/// `ips` and every name in `names` (the buckets' `<bucket>.localhost`: certificate checkers
/// refuse a wildcard directly under a one-label name, so `*.localhost` would not do).
pub(crate) fn generate(ips: &[IpAddr], names: &[String]) -> Result<Tls, EmulatorError> {
    let ca_key = KeyPair::generate().map_err(|e| tls_error("generating the CA key", e))?;
    let mut ca =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error("CA parameters", e))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name
        .push(DnType::CommonName, "cos-emulator local test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca
        .self_signed(&ca_key)
        .map_err(|e| tls_error("signing the CA", e))?;
    let issuer = Issuer::new(ca, ca_key);

    let mut sans = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    for ip in ips.iter().filter(|ip| !ip.is_unspecified()) {
        sans.push(ip.to_string());
    }
    sans.extend(names.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    sans.retain(|name| seen.insert(name.clone()));
    let mut leaf = CertificateParams::new(sans).map_err(|e| tls_error("server names", e))?;
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.distinguished_name
        .push(DnType::CommonName, "cos-emulator");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(|e| tls_error("generating the server key", e))?;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .map_err(|e| tls_error("signing the server certificate", e))?;

    let chain = vec![
        leaf_cert.der().clone(),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| tls_error("server certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem: ca_cert.pem(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_a_pem_certificate_and_debug_shows_no_key() {
        let tls = generate(&["10.1.2.3".parse().unwrap()], &["sts.example".into()]).unwrap();
        assert!(tls.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!tls.ca_pem.contains("PRIVATE KEY"));
        assert_eq!(format!("{tls:?}"), "Tls { .. }");
        // A second start has a CA of its own.
        assert_ne!(generate(&[], &[]).unwrap().ca_pem, tls.ca_pem);
    }

    #[test]
    fn tencent_cloud_names_cover_every_bucket_host_of_a_region() {
        let names = tencent_cloud_names("ap-custom", "sts.example.com");
        for name in [
            "*.cos.ap-custom.myqcloud.com",
            "*.cos.ap-guangzhou.myqcloud.com",
            "*.cos-internal.eu-frankfurt.tencentcos.cn",
            "cos.ap-beijing.myqcloud.com",
            "service.cos.myqcloud.com",
            "sts.example.com",
            "sts.ap-shanghai.tencentcloudapi.com",
        ] {
            assert!(names.iter().any(|n| n == name), "{name}");
        }
        // They make a certificate (rcgen accepts every name).
        assert!(generate(&[], &names).is_ok());
    }
}

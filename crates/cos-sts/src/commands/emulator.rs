//! `cos-sts emulator`: serve a local STS + COS emulator and print its coordinates as one JSON line.

use clap::Args;
use cos_emulator::{Emulator, EtagMode, Link, MfaDevice, OidcProvider, Role, SubAccount};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `cos-sts emulator`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cos-sts emulator --data-dir ./cos-data --bucket examplebucket-1250000000\n  cos-sts emulator --listen 127.0.0.1:9000 --bucket media-1250000000 --region ap-beijing | head -1\n  cos-sts emulator --etag crc64   # benchmarks: ETags without MD5\n  cos-sts emulator --link rtt=50ms,per-conn=20MiB/s,total=160MiB/s   # a far link\n  cos-sts emulator --role uploader=role.json --oidc-provider tke-oidc,https://oidc.example,oidc.secret"
)]
pub(crate) struct EmulatorArgs {
    /// Address of the COS listener.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Address of the STS listener (default: the COS listener's IP, any free port).
    #[arg(long)]
    sts_listen: Option<SocketAddr>,
    /// Directory keeping objects, uploads, the root key and temporary keys across restarts
    /// (default: memory only).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// A bucket, `name-appid` (repeatable; the first is the default bucket).
    #[arg(long = "bucket")]
    buckets: Vec<String>,
    /// The COS region.
    #[arg(long, default_value = "ap-guangzhou")]
    region: String,
    /// The account APPID (default: the digits after the last `-` of the first bucket, else 1250000000).
    #[arg(long)]
    appid: Option<String>,
    /// Run the emulator clock this many seconds ahead (negative: behind).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    clock_offset: i64,
    /// A role for AssumeRole: `NAME=POLICY_FILE[,trust=TRUST_FILE]` (repeatable). TRUST_FILE
    /// holds the role's trust policy (who may assume it; default: the owner account). Callers
    /// also need `name/sts:AssumeRole` on the role in their own policies.
    #[arg(long = "role", value_name = "NAME=POLICY_FILE[,trust=TRUST_FILE]")]
    roles: Vec<String>,
    /// A CAM sub-account: `UIN,SECRET_ID,SECRET_KEY_FILE[,POLICY_FILE…]` (repeatable). It may do
    /// only what its policies allow (none: nothing); the secret key is read from a file so
    /// that it never appears in the process list.
    #[arg(
        long = "cam-user",
        value_name = "UIN,SECRET_ID,SECRET_KEY_FILE[,POLICY_FILE]"
    )]
    cam_users: Vec<String>,
    /// Treat unsigned COS requests as the root account.
    #[arg(long)]
    allow_anonymous: bool,
    /// An OIDC identity provider for AssumeRoleWithWebIdentity: `ID,ISSUER,KEY_FILE[,AUDIENCE…]`
    /// (repeatable). KEY_FILE holds an RS256 public key PEM, or else an HS256 secret; tokens
    /// must name AUDIENCE in `aud` when any is given.
    #[arg(long = "oidc-provider", value_name = "ID,ISSUER,KEY_FILE[,AUDIENCE]")]
    oidc_providers: Vec<String>,
    /// A SAML identity provider for AssumeRoleWithSAML: `NAME,METADATA_OR_CERT_FILE[,AUDIENCE…]`
    /// (repeatable; built with the `saml` feature). The file holds the IdP's metadata (its
    /// signing certificates and entity id) or PEM certificates; AUDIENCEs replace CAM's.
    #[cfg(feature = "saml")]
    #[arg(
        long = "saml-provider",
        value_name = "NAME,METADATA_OR_CERT_FILE[,AUDIENCE]"
    )]
    saml_providers: Vec<String>,
    /// An MFA device for GetSessionToken: `SERIAL,SEED_FILE` (repeatable); SEED_FILE holds
    /// the raw TOTP seed, surrounding whitespace ignored (RFC 6238, SHA-1, 30 s, 6 digits).
    #[arg(long = "mfa-device", value_name = "SERIAL,SEED_FILE")]
    mfa_devices: Vec<String>,
    /// How PUT Object and Upload Part compute ETags: `md5` (as COS does) or `crc64` (from the
    /// CRC-64 and length, for benchmarks that the MD5 would limit; Content-MD5 is still checked).
    #[arg(long, default_value = "md5", value_parser = parse_etag_mode)]
    etag: EtagMode,
    /// Append every COS authorization decision to FILE as JSON lines (caller SecretId, action,
    /// resource, condition context, allowed), for `cos-sts policy generate --from-log FILE`.
    #[arg(long, value_name = "FILE")]
    access_log: Option<std::path::PathBuf>,
    /// Shape the COS listener like a network link, for benchmarks: added round-trip time,
    /// bandwidth per connection and in total, each direction, e.g.
    /// `rtt=30ms,per-conn=40MiB/s,total=320MiB/s` (any subset).
    #[arg(long, value_name = "rtt=TIME,per-conn=RATE,total=RATE")]
    link: Option<Link>,
    /// Fixed keys, admin token, HTTPS, fault plan (for tests in any language).
    #[command(flatten)]
    access: super::emulator_access::AccessArgs,
}

fn parse_etag_mode(name: &str) -> Result<EtagMode, String> {
    EtagMode::from_name(name).ok_or_else(|| format!("`{name}`: expected md5 or crc64"))
}

fn appid_of(args: &EmulatorArgs) -> String {
    if let Some(appid) = &args.appid {
        return appid.clone();
    }
    args.buckets
        .first()
        .and_then(|b| b.rsplit_once('-'))
        .map(|(_, digits)| digits)
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("1250000000")
        .to_string()
}

fn builder(args: &EmulatorArgs) -> Result<cos_emulator::EmulatorBuilder, String> {
    let mut builder = Emulator::builder()
        .region(&args.region)
        .appid(appid_of(args))
        .clock_offset(args.clock_offset)
        .allow_anonymous(args.allow_anonymous)
        .etag_mode(args.etag)
        .cos_listen(args.listen)
        .sts_listen(
            args.sts_listen
                .unwrap_or(SocketAddr::new(args.listen.ip(), 0)),
        );
    builder = args.access.apply(builder)?;
    for bucket in &args.buckets {
        builder = builder.bucket(bucket);
    }
    if let Some(dir) = &args.data_dir {
        builder = builder.data_dir(dir);
    }
    if let Some(file) = &args.access_log {
        builder = builder.access_log(file);
    }
    if let Some(link) = args.link {
        builder = builder.link(link);
    }
    for role in &args.roles {
        builder = builder.role(role_spec(role)?);
    }
    for spec in &args.cam_users {
        builder = builder.cam_user(cam_user(spec)?);
    }
    for spec in &args.oidc_providers {
        builder = builder.oidc_provider(oidc_provider(spec)?);
    }
    #[cfg(feature = "saml")]
    for spec in &args.saml_providers {
        builder = builder.saml_provider(saml_provider(spec)?);
    }
    for spec in &args.mfa_devices {
        let (serial, file) = spec
            .split_once(',')
            .map(|(s, f)| (s.trim(), f.trim()))
            .filter(|(s, f)| !s.is_empty() && !f.is_empty())
            .ok_or_else(|| format!("--mfa-device `{spec}`: expected SERIAL,SEED_FILE"))?;
        let seed = std::fs::read(file)
            .map_err(|e| format!("--mfa-device {serial}: reading {file}: {e}"))?;
        let seed = seed.trim_ascii();
        if seed.is_empty() {
            return Err(format!("--mfa-device {serial}: {file} is empty"));
        }
        builder = builder.mfa_device(MfaDevice::new(serial, seed));
    }
    Ok(builder)
}

/// Parses `NAME=POLICY_FILE[,trust=TRUST_FILE]` and reads the files.
fn role_spec(spec: &str) -> Result<Role, String> {
    let expected = || format!("--role `{spec}`: expected NAME=POLICY_FILE[,trust=TRUST_FILE]");
    let (name, rest) = spec.split_once('=').ok_or_else(expected)?;
    let (file, trust) = match rest.split_once(",trust=") {
        Some((file, trust)) => (file, Some(trust)),
        None => (rest, None),
    };
    if name.is_empty() || file.is_empty() || trust.is_some_and(str::is_empty) {
        return Err(expected());
    }
    let read = |file: &str| {
        std::fs::read_to_string(file).map_err(|e| format!("--role {name}: reading {file}: {e}"))
    };
    let mut role = Role::new(name, read(file)?);
    if let Some(trust) = trust {
        role = role.trust_policy(read(trust)?);
    }
    Ok(role)
}

/// Parses `UIN,SECRET_ID,SECRET_KEY_FILE[,POLICY_FILE…]` and reads the files.
fn cam_user(spec: &str) -> Result<SubAccount, String> {
    let mut fields = spec.split(',').map(str::trim);
    let (Some(uin), Some(secret_id), Some(key_file)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Err(format!(
            "--cam-user `{spec}`: expected UIN,SECRET_ID,SECRET_KEY_FILE[,POLICY_FILE…]"
        ));
    };
    if uin.is_empty() || !uin.bytes().all(|b| b.is_ascii_digit()) || secret_id.is_empty() {
        return Err(format!(
            "--cam-user `{spec}`: UIN must be digits and SECRET_ID not empty"
        ));
    }
    let read = |file: &str| {
        std::fs::read_to_string(file).map_err(|e| format!("--cam-user {uin}: reading {file}: {e}"))
    };
    let secret = read(key_file)?;
    let secret = secret.trim();
    if secret.is_empty() {
        return Err(format!("--cam-user {uin}: {key_file} is empty"));
    }
    let mut user = SubAccount::new(uin, secret_id, secret);
    for file in fields.filter(|f| !f.is_empty()) {
        user = user.policy(read(file)?);
    }
    Ok(user)
}

/// Parses `ID,ISSUER,KEY_FILE[,AUDIENCE…]` and reads the key file.
fn oidc_provider(spec: &str) -> Result<OidcProvider, String> {
    let mut fields = spec.split(',').map(str::trim);
    let (Some(id), Some(issuer), Some(file)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(format!(
            "--oidc-provider `{spec}`: expected ID,ISSUER,KEY_FILE[,AUDIENCE…]"
        ));
    };
    if id.is_empty() || issuer.is_empty() {
        return Err(format!(
            "--oidc-provider `{spec}`: ID and ISSUER must not be empty"
        ));
    }
    let key =
        std::fs::read(file).map_err(|e| format!("--oidc-provider {id}: reading {file}: {e}"))?;
    let mut provider = if key.trim_ascii_start().starts_with(b"-----BEGIN") {
        OidcProvider::rs256_pem(id, issuer, &key)
            .map_err(|e| format!("--oidc-provider {id}: {e}"))?
    } else {
        let secret = key.trim_ascii();
        if secret.is_empty() {
            return Err(format!("--oidc-provider {id}: {file} is empty"));
        }
        OidcProvider::hs256(id, issuer, secret)
    };
    for audience in fields.filter(|a| !a.is_empty()) {
        provider = provider.client_id(audience);
    }
    Ok(provider)
}

/// Parses `NAME,METADATA_OR_CERT_FILE[,AUDIENCE…]` and reads the file.
#[cfg(feature = "saml")]
fn saml_provider(spec: &str) -> Result<cos_emulator::SamlProvider, String> {
    let mut fields = spec.split(',').map(str::trim);
    let (Some(name), Some(file)) = (fields.next(), fields.next()) else {
        return Err(format!(
            "--saml-provider `{spec}`: expected NAME,METADATA_OR_CERT_FILE[,AUDIENCE…]"
        ));
    };
    if name.is_empty() {
        return Err(format!("--saml-provider `{spec}`: NAME must not be empty"));
    }
    let bytes =
        std::fs::read(file).map_err(|e| format!("--saml-provider {name}: reading {file}: {e}"))?;
    let mut provider = cos_emulator::SamlProvider::from_file_contents(name, &bytes)
        .map_err(|e| format!("--saml-provider {name}: {e}"))?;
    for audience in fields.filter(|a| !a.is_empty()) {
        provider = provider.audience(audience);
    }
    Ok(provider)
}

/// The JSON line printed once the emulator is ready.
fn ready_line(emulator: &Emulator, ca: Option<&super::emulator_access::CaFile>) -> String {
    let root = emulator.root_credential();
    let mut line = serde_json::json!({
        "cos_endpoint": emulator.cos_endpoint(),
        "sts_endpoint": emulator.sts_endpoint(),
        "region": emulator.region(),
        "appid": emulator.appid(),
        "buckets": emulator.buckets(),
        "secret_id": root.secret_id(),
        "secret_key": root.secret_key(),
    });
    if let Some(map) = line.as_object_mut() {
        map.extend(super::emulator_access::ready_fields(emulator, ca));
    }
    line.to_string()
}

/// Warnings (damaged state moved to `quarantine/`…) go to stderr, one line each, so that
/// stdout keeps only the ready line; `RUST_LOG` filters them (default `warn`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Starts the emulator, prints the ready line, serves until SIGINT/SIGTERM, shuts down gracefully.
pub(crate) fn run(args: EmulatorArgs) -> Result<(), String> {
    init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async {
        let emulator = builder(&args)?.start().await.map_err(|e| e.to_string())?;
        let stop = super::shutdown::StopSignal::listen();
        let ca = args.access.write_ca(&emulator, args.data_dir.as_deref())?;
        {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{}", ready_line(&emulator, ca.as_ref()))
                .map_err(|e| e.to_string())?;
            stdout.flush().map_err(|e| e.to_string())?;
        }
        args.access.wait_for_stop(stop).await;
        emulator.shutdown().await;
        drop(ca);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    fn parse(args: &[&str]) -> EmulatorArgs {
        let mut all = vec!["cos-sts", "emulator"];
        all.extend_from_slice(args);
        match crate::commands::Cli::parse_from(all).command {
            crate::commands::Command::Emulator(a) => a,
            other => panic!("parsed another command: {other:?}"),
        }
    }

    #[test]
    fn oidc_provider_and_mfa_device_options() {
        let dir = std::env::temp_dir().join(format!("cos-sts-oidc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("secret");
        std::fs::write(&secret, "a-shared-secret\n").unwrap();
        let spec = format!(
            "tke,https://oidc.example,{},sts.cloud.tencent.com",
            secret.display()
        );
        let provider = oidc_provider(&spec).unwrap();
        assert_eq!(provider.id(), "tke");
        assert!(!format!("{provider:?}").contains("a-shared-secret"));
        let args = parse(&["--oidc-provider", &spec]);
        assert!(builder(&args).is_ok());

        let pem = dir.join("key.pem");
        std::fs::write(
            &pem,
            "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        let empty = dir.join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let seed = dir.join("seed");
        std::fs::write(&seed, "12345678901234567890").unwrap();
        let device = format!("qcs::cam:uin/1::mfa/softToken,{}", seed.display());
        assert!(builder(&parse(&["--mfa-device", &device])).is_ok());
        for bad in [
            "no-file".to_string(),
            "serial,/nonexistent/seed".to_string(),
            format!("serial,{}", empty.display()),
        ] {
            assert!(builder(&parse(&["--mfa-device", &bad])).is_err(), "{bad}");
        }
        for bad in [
            "tke,https://oidc.example".to_string(),
            format!(",https://oidc.example,{}", secret.display()),
            "tke,https://oidc.example,/nonexistent/key".to_string(),
            format!("tke,https://oidc.example,{}", pem.display()),
            format!("tke,https://oidc.example,{}", empty.display()),
        ] {
            assert!(oidc_provider(&bad).is_err(), "{bad}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(feature = "saml")]
    #[test]
    fn saml_provider_option() {
        // A self-signed test IdP certificate (public part only).
        const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBgTCCASegAwIBAgIUSUwmLKKxw1bd+ap0Ozeb29XZVkUwCgYIKoZIzj0EAwIw\nFjEUMBIGA1UEAwwLaWRwLmV4YW1wbGUwHhcNMjYxMjA4MDIzODQ3WhcNMzYxMjA1\nMDIzODQ3WjAWMRQwEgYDVQQDDAtpZHAuZXhhbXBsZTBZMBMGByqGSM49AgEGCCqG\nSM49AwEHA0IABH8IKUbsHqxRphcwzHfHINH45bC/BWDSLYlkahRmL/hnqrQRi6Nx\n3eOwYhsgG7DQWItPuasNDEQW5fR7m0FpceejUzBRMB0GA1UdDgQWBBQtntBFPAhE\nxLQdU6q6Ut8z1EMx7jAfBgNVHSMEGDAWgBQtntBFPAhExLQdU6q6Ut8z1EMx7jAP\nBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCSGx21XxTobIAmCL4g\np4yS1plEiYPzgsuKlbCEujLOYgIgGily0OLM7I1iF5VF6LmG4/YzUxUm9yIxRO1f\nlEYvdKI=\n-----END CERTIFICATE-----\n";
        let dir = std::env::temp_dir().join(format!("cos-sts-saml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cert = dir.join("idp.pem");
        std::fs::write(&cert, CERT).unwrap();
        let junk = dir.join("junk");
        std::fs::write(&junk, "not a certificate").unwrap();
        let spec = format!("corp-idp,{},urn:example:sp", cert.display());
        assert_eq!(saml_provider(&spec).unwrap().name(), "corp-idp");
        assert!(builder(&parse(&["--saml-provider", &spec])).is_ok());
        for bad in [
            "corp-idp".to_string(),
            format!(",{}", cert.display()),
            "corp-idp,/nonexistent/idp.pem".to_string(),
            format!("corp-idp,{}", junk.display()),
        ] {
            assert!(saml_provider(&bad).is_err(), "{bad}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn role_trust_and_cam_user_options() {
        let dir = std::env::temp_dir().join(format!("cos-sts-roles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let policy = dir.join("policy.json");
        std::fs::write(&policy, r#"{"version":"2.0","statement":[]}"#).unwrap();
        let trust = dir.join("trust.json");
        std::fs::write(&trust, r#"{"version":"2.0","statement":[]}"#).unwrap();
        let secret = dir.join("secret");
        std::fs::write(&secret, "sub-secret\n").unwrap();
        let plain = role_spec(&format!("admin={}", policy.display())).unwrap();
        assert_eq!(plain.trust_policy_json(), None);
        let trusted = role_spec(&format!(
            "admin={},trust={}",
            policy.display(),
            trust.display()
        ))
        .unwrap();
        assert_eq!(trusted.name(), "admin");
        assert!(trusted.trust_policy_json().is_some());
        for bad in [
            "admin".to_string(),
            format!("admin={},trust=", policy.display()),
        ] {
            assert!(role_spec(&bad).is_err(), "{bad}");
        }
        let user = cam_user(&format!(
            "100000000011,AKIDSUB,{},{}",
            secret.display(),
            policy.display()
        ))
        .unwrap();
        assert_eq!(user.uin(), "100000000011");
        assert_eq!(user.policies().count(), 1);
        assert!(!format!("{user:?}").contains("sub-secret"));
        for bad in [
            "100000000011,AKIDSUB".to_string(),
            format!("uin,AKIDSUB,{}", secret.display()),
            "1,AKIDSUB,/nonexistent".to_string(),
        ] {
            assert!(cam_user(&bad).is_err(), "{bad}");
        }
        let args = parse(&[
            "--role",
            &format!("admin={},trust={}", policy.display(), trust.display()),
            "--cam-user",
            &format!("100000000011,AKIDSUB,{}", secret.display()),
        ]);
        assert!(builder(&args).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn etag_mode_option() {
        assert_eq!(parse(&[]).etag, EtagMode::Md5);
        assert_eq!(parse(&["--etag", "crc64"]).etag, EtagMode::Crc64);
        let bad = crate::commands::Cli::try_parse_from(["cos-sts", "emulator", "--etag", "sha1"]);
        assert!(bad.is_err());
    }

    #[test]
    fn access_log_option() {
        assert_eq!(parse(&[]).access_log, None);
        let args = parse(&["--access-log", "access.jsonl"]);
        assert_eq!(
            args.access_log.as_deref(),
            Some(std::path::Path::new("access.jsonl"))
        );
        assert!(builder(&args).is_ok());
    }

    #[test]
    fn link_option() {
        assert_eq!(parse(&[]).link, None);
        let link = parse(&["--link", "rtt=30ms,per-conn=40MiB/s,total=320MiB/s"]).link;
        assert_eq!(
            link.map(|l| l.to_string()).as_deref(),
            Some("rtt=30ms,per-conn=40MiB/s,total=320MiB/s")
        );
        let bad = crate::commands::Cli::try_parse_from(["cos-sts", "emulator", "--link", "rtt=5"]);
        assert!(bad.is_err());
    }

    #[test]
    fn appid_comes_from_the_first_bucket() {
        assert_eq!(
            appid_of(&parse(&["--bucket", "photos-1300000000"])),
            "1300000000"
        );
        assert_eq!(appid_of(&parse(&[])), "1250000000");
        assert_eq!(appid_of(&parse(&["--bucket", "b-1", "--appid", "7"])), "7");
    }

    #[test]
    fn bad_role_spec_is_an_error() {
        assert!(builder(&parse(&["--role", "nofile"])).is_err());
        assert!(builder(&parse(&["--role", "r=/nonexistent/policy.json"])).is_err());
    }

    #[tokio::test]
    async fn ready_line_has_every_field() {
        let args = parse(&[
            "--bucket",
            "demo-1250000000",
            "--region",
            "ap-beijing",
            "--clock-offset",
            "-5",
        ]);
        let emulator = builder(&args).unwrap().start().await.unwrap();
        let line = ready_line(&emulator, None);
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        for field in [
            "cos_endpoint",
            "sts_endpoint",
            "region",
            "appid",
            "secret_id",
            "secret_key",
            "admin_token",
        ] {
            assert!(v[field].is_string(), "{field}");
        }
        assert!(v["ca_cert_path"].is_null());
        assert!(
            v["health"][1]
                .as_str()
                .unwrap()
                .ends_with("/_emulator/health")
        );
        assert_eq!(v["buckets"], serde_json::json!(["demo-1250000000"]));
        assert_eq!(v["region"], "ap-beijing");
        emulator.shutdown().await;
    }
}

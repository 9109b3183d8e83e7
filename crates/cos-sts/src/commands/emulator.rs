//! `cos-sts emulator`: serve a local STS + COS emulator and print its coordinates as one JSON line.

use clap::Args;
use cos_emulator::{Emulator, EtagMode, MfaDevice, OidcProvider, Role};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `cos-sts emulator`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cos-sts emulator --data-dir ./cos-data --bucket examplebucket-1250000000\n  cos-sts emulator --listen 127.0.0.1:9000 --bucket media-1250000000 --region ap-beijing | head -1\n  cos-sts emulator --etag crc64   # benchmarks: ETags without MD5\n  cos-sts emulator --role uploader=role.json --oidc-provider tke-oidc,https://oidc.example,oidc.secret"
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
    /// A role for AssumeRole: `NAME=POLICY_FILE` (repeatable).
    #[arg(long = "role")]
    roles: Vec<String>,
    /// Treat unsigned COS requests as the root account.
    #[arg(long)]
    allow_anonymous: bool,
    /// An OIDC identity provider for AssumeRoleWithWebIdentity: `ID,ISSUER,KEY_FILE[,AUDIENCE…]`
    /// (repeatable). KEY_FILE holds an RS256 public key PEM, or else an HS256 secret; tokens
    /// must name AUDIENCE in `aud` when any is given.
    #[arg(long = "oidc-provider", value_name = "ID,ISSUER,KEY_FILE[,AUDIENCE]")]
    oidc_providers: Vec<String>,
    /// An MFA device for GetSessionToken: `SERIAL,SEED_FILE` (repeatable); SEED_FILE holds
    /// the raw TOTP seed, surrounding whitespace ignored (RFC 6238, SHA-1, 30 s, 6 digits).
    #[arg(long = "mfa-device", value_name = "SERIAL,SEED_FILE")]
    mfa_devices: Vec<String>,
    /// How PUT Object and Upload Part compute ETags: `md5` (as COS does) or `crc64` (from the
    /// CRC-64 and length, for benchmarks that the MD5 would limit; Content-MD5 is still checked).
    #[arg(long, default_value = "md5", value_parser = parse_etag_mode)]
    etag: EtagMode,
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
    for role in &args.roles {
        let (name, file) = role
            .split_once('=')
            .ok_or_else(|| format!("--role `{role}`: expected NAME=POLICY_FILE"))?;
        let policy = std::fs::read_to_string(file)
            .map_err(|e| format!("--role {name}: reading {file}: {e}"))?;
        builder = builder.role(Role::new(name, policy));
    }
    for spec in &args.oidc_providers {
        builder = builder.oidc_provider(oidc_provider(spec)?);
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

/// Starts the emulator, prints the ready line, serves until SIGINT/SIGTERM, shuts down gracefully.
pub(crate) fn run(args: EmulatorArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async {
        let emulator = builder(&args)?.start().await.map_err(|e| e.to_string())?;
        let ca = args.access.write_ca(&emulator, args.data_dir.as_deref())?;
        {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{}", ready_line(&emulator, ca.as_ref()))
                .map_err(|e| e.to_string())?;
            stdout.flush().map_err(|e| e.to_string())?;
        }
        args.access.wait_for_stop().await;
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

    #[test]
    fn etag_mode_option() {
        assert_eq!(parse(&[]).etag, EtagMode::Md5);
        assert_eq!(parse(&["--etag", "crc64"]).etag, EtagMode::Crc64);
        let bad = crate::commands::Cli::try_parse_from(["cos-sts", "emulator", "--etag", "sha1"]);
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

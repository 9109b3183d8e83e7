//! `cos-sts serve`: the `cos-vending` service run as a process — the TOML file, the STS
//! client (provider chain, or an in-process emulator with `--emulator`), the audit log,
//! signals (SIGINT/SIGTERM drain and stop, SIGHUP reloads the file atomically; an invalid
//! file keeps the old configuration and logs why) and the ready line.
//!
//! Once listening it prints one JSON line on stdout (`listen`, `url`, and the emulator's
//! endpoints with `--emulator`), logs one JSON line per request on stderr (never a token, key
//! or secret), and writes audit lines where `[audit]` says (stdout by default).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use cos_emulator::Emulator;
use cos_vending::{
    AuditLog, Authenticator, Cluster, Format, Issuer, IssuerKind, LogSpool, MeteredIssuer, Metrics,
    Settings, StsIssuer, Vending, VendingService,
};
use sts_client::{Endpoint, StsClient};

/// The listen address when neither `--listen` nor the file gives one.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Options of `cos-sts serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cos-sts serve --config serve.toml
  cos-sts serve --config serve.toml --emulator --insecure-no-auth --listen 127.0.0.1:0
  curl -H 'Authorization: Bearer <jwt>' http://127.0.0.1:8080/sts
  kill -HUP <pid>    # reload serve.toml")]
pub(crate) struct ServeArgs {
    /// The TOML configuration file.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Listen address (overrides `listen` in the file; default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Start an in-process STS + COS emulator and issue keys from it.
    #[arg(long)]
    emulator: bool,
    /// Accept unauthenticated callers (local use only); the identity is the `sub` query
    /// parameter, else `anonymous`.
    #[arg(long)]
    insecure_no_auth: bool,
    /// Answer shape: sts (the official sts-server.js shape; also `v2`), js or api
    /// (overrides `format` in the file).
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| "expected sts, v2, js or api".to_owned())
}

thread_local! {
    /// The last second [`LogTime`] formatted on this thread.
    static LOG_SECOND: std::cell::RefCell<(u64, String)> = const {
        std::cell::RefCell::new((u64::MAX, String::new()))
    };
}

/// RFC 3339 UTC log timestamps with microseconds (as tracing-subscriber's default), the date
/// and time of day formatted once per second and thread rather than once per line.
struct LogTime;

impl tracing_subscriber::fmt::time::FormatTime for LogTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        LOG_SECOND.with_borrow_mut(|(second, text)| {
            if *second != now.as_secs() {
                // The one calendar's `YYYY-MM-DDTHH:MM:SSZ`, without the `Z` the
                // microseconds go before.
                *text = i64::try_from(now.as_secs())
                    .ok()
                    .and_then(cos_core::date::CivilTime::from_unix)
                    .map_or_else(|| "1970-01-01T00:00:00Z".to_owned(), |t| t.iso8601());
                text.pop();
                *second = now.as_secs();
            }
            write!(w, "{text}.{:06}Z", now.subsec_micros())
        })
    }
}

/// Logs go to stderr as JSON lines; `RUST_LOG` filters them (default `info`). They are
/// written by a thread of their own ([`LogSpool`]: one request line per answer never makes a
/// request wait on the pipe); the returned spool flushes them when dropped.
fn init_logging() -> Option<LogSpool> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let spool = LogSpool::new(Box::new(std::io::stderr())).ok();
    let logs = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_timer(LogTime)
        .with_current_span(false);
    let _ = match &spool {
        Some(spool) => {
            let writer = spool.writer();
            logs.with_writer(move || writer.clone()).try_init()
        }
        None => logs.with_writer(std::io::stderr).try_init(),
    };
    spool
}

/// The in-process emulator of `--emulator`: the first role's region and app id, every
/// bucket of the file, and — for `assume_role` — the configured role, trusted by the
/// emulator's root account, allowed every object action on those buckets (the per-user
/// session policy narrows it).
async fn start_emulator(settings: &Settings) -> Result<Emulator, String> {
    let appid = settings
        .bucket()
        .rsplit_once('-')
        .map(|(_, appid)| appid.to_owned())
        .unwrap_or_default();
    // The page's origins may call the emulator's buckets as they may call this server.
    let mut builder = settings
        .cors()
        .allowed_origins
        .iter()
        .fold(Emulator::builder(), |b, origin| b.cors_origin(origin))
        .region(settings.region())
        .appid(appid)
        .in_memory();
    for bucket in settings.buckets() {
        builder = builder.bucket(bucket);
    }
    if settings.issuer().kind == IssuerKind::AssumeRole
        && let Some(arn) = &settings.issuer().role_arn
    {
        let name = arn.rsplit('/').next().unwrap_or_default();
        // The role belongs to the account the ARN names: `qcs::cam::uin/<uin>:roleName/<name>`.
        if let Some(uin) = arn
            .strip_prefix("qcs::cam::uin/")
            .and_then(|rest| rest.split(':').next())
            .filter(|uin| !uin.is_empty() && uin.bytes().all(|b| b.is_ascii_digit()))
        {
            builder = builder.owner_uin(uin);
        }
        let resources: Vec<String> = settings
            .roles()
            .iter()
            .map(|r| {
                let appid = r.bucket().rsplit_once('-').map_or("", |(_, a)| a);
                format!("\"qcs::cos:{}:uid/{appid}:{}/*\"", r.region(), r.bucket())
            })
            .collect();
        let policy = format!(
            "{{\"version\":\"2.0\",\"statement\":[{{\"effect\":\"allow\",\"action\":[\"name/cos:*\"],\"resource\":[{}]}}]}}",
            resources.join(",")
        );
        let mut role = cos_emulator::Role::new(name, policy);
        if let Some(id) = &settings.issuer().external_id {
            role = role.external_id(id.clone());
        }
        builder = builder.role(role);
    }
    builder
        .start()
        .await
        .map_err(|e| format!("starting the emulator: {e}"))
}

/// The STS client: the emulator's root key, or the provider chain against `[sts]`.
fn sts_client(settings: &Settings, emulator: Option<&Emulator>) -> Result<StsClient, String> {
    let region = settings
        .sts()
        .region
        .clone()
        .unwrap_or_else(|| settings.region().to_owned());
    let builder = StsClient::builder().region(region);
    let builder = match emulator {
        Some(emulator) => builder
            .endpoint(Endpoint::custom(&emulator.sts_endpoint()).map_err(|e| e.to_string())?)
            .credential(emulator.root_credential()),
        None => {
            let mut builder = builder.credentials(sts_client::provider::default_provider());
            if let Some(url) = &settings.sts().endpoint {
                builder = builder.endpoint(Endpoint::custom(url).map_err(|e| e.to_string())?);
            }
            builder
        }
    };
    builder.build().map_err(|e| format!("configuring STS: {e}"))
}

/// Builds the vending pipeline for `settings` with the long-lived `issuer`.
fn vending(
    settings: Settings,
    issuer: Arc<dyn Issuer>,
    insecure_no_auth: bool,
    cluster: Option<&Cluster>,
) -> Result<Vending, String> {
    let auth =
        Authenticator::from_config(settings.auth(), insecure_no_auth).map_err(|e| e.to_string())?;
    let vending = Vending::new(settings, auth, issuer)
        .map_err(|e| format!("the configuration cannot produce a policy: {e}"))?;
    Ok(match cluster {
        Some(cluster) => cluster.install(vending),
        None => vending,
    })
}

/// The JSON line printed once listening (no secrets).
fn ready_line(
    addr: SocketAddr,
    settings: &Settings,
    auth: &str,
    emulator: Option<&Emulator>,
) -> String {
    let emulator = emulator.map(
        |e| serde_json::json!({"cos_endpoint": e.cos_endpoint(), "sts_endpoint": e.sts_endpoint()}),
    );
    serde_json::json!({
        "listen": addr.to_string(),
        "url": format!("http://{addr}"),
        "bucket": settings.bucket(),
        "region": settings.region(),
        "auth": auth,
        "emulator": emulator,
    })
    .to_string()
}

/// Loads the file and applies the command line's `--format`.
fn load(path: &Path, format: Option<Format>) -> Result<Settings, String> {
    let settings = Settings::load(path).map_err(|e| e.to_string())?;
    Ok(match format {
        Some(format) => settings.with_format(format),
        None => settings,
    })
}

/// Reloads on every SIGHUP until the process stops.
#[cfg(unix)]
async fn reload_on_hangup(
    hangup: std::io::Result<tokio::signal::unix::Signal>,
    service: Arc<VendingService>,
    issuer: Arc<dyn Issuer>,
    path: PathBuf,
    format: Option<Format>,
    insecure_no_auth: bool,
    cluster: Option<Cluster>,
) {
    let Ok(mut hangup) = hangup else {
        tracing::warn!(target: "cos_sts::serve", "cannot listen for SIGHUP; reloading is off");
        return;
    };
    while hangup.recv().await.is_some() {
        let old = service.settings();
        let result = load(&path, format).and_then(|settings| {
            if settings.sts() != old.sts()
                || settings.issuer() != old.issuer()
                || settings.cluster() != old.cluster()
            {
                return Err("[sts], [issuer] and [cluster] changes need a restart".into());
            }
            vending(settings, issuer.clone(), insecure_no_auth, cluster.as_ref())
        });
        match result {
            Ok(vending) => {
                service.reload(vending);
                tracing::info!(target: "cos_sts::serve", config = %path.display(), "configuration reloaded");
            }
            Err(error) => {
                tracing::warn!(target: "cos_sts::serve", config = %path.display(), %error, "reload refused; the previous configuration stays in force");
            }
        }
    }
}

/// Loads the configuration, starts the backend, serves until SIGINT/SIGTERM, drains.
pub(crate) fn run(args: ServeArgs) -> Result<(), String> {
    let logs = init_logging();
    let result = serve(args);
    // Every log line is out before the error (if any) is printed.
    drop(logs);
    result
}

fn serve(args: ServeArgs) -> Result<(), String> {
    // Pin the JWT crypto backend explicitly, so that another crate enabling jsonwebtoken's
    // aws-lc feature cannot leave the process without a provider.
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let settings = load(&args.config, args.format)?;
    // Fail before starting anything when authentication cannot be set up.
    Authenticator::from_config(settings.auth(), args.insecure_no_auth)
        .map_err(|e| e.to_string())?;
    if args.insecure_no_auth {
        tracing::warn!(target: "cos_sts::serve", "--insecure-no-auth: callers are not authenticated; never expose this server");
    }
    let listen = args
        .listen
        .or(settings.listen())
        .or_else(|| DEFAULT_LISTEN.parse().ok())
        .ok_or("no listen address")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async move {
        let emulator = if args.emulator {
            Some(start_emulator(&settings).await?)
        } else {
            None
        };
        let client = sts_client(&settings, emulator.as_ref())?;
        let metrics = Arc::new(Metrics::new());
        let issuer: Arc<dyn Issuer> = Arc::new(MeteredIssuer::new(
            Arc::new(StsIssuer::new(client, settings.issuer())),
            metrics.clone(),
        ));
        let audit = AuditLog::from_config(settings.audit()).map_err(|e| {
            format!(
                "opening the audit log {}: {e}",
                settings.audit().path.display()
            )
        })?;
        let limits = *settings.limits();
        let ready_settings = settings.clone();
        let cluster = match settings.cluster() {
            Some(config) => {
                let cluster = Cluster::connect(config).map_err(|e| e.to_string())?;
                cluster.attach_metrics(&metrics);
                if let Err(reason) = cluster.ping().await {
                    tracing::warn!(target: "cos_sts::serve", %reason, "Redis does not answer yet; starting on the fallback");
                }
                Some(cluster)
            }
            None => None,
        };
        let vending = vending(
            settings,
            issuer.clone(),
            args.insecure_no_auth,
            cluster.as_ref(),
        )?;
        let auth_kind = vending.authenticator().kind();
        let service = VendingService::new(vending, metrics, Arc::new(audit));
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("listening on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        // Listen for the signals before announcing readiness, so none sent right after the
        // ready line is missed.
        let stop = super::shutdown::StopSignal::listen();
        #[cfg(unix)]
        let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup());
        {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "{}",
                ready_line(addr, &ready_settings, auth_kind, emulator.as_ref())
            )
            .map_err(|e| e.to_string())?;
            stdout.flush().map_err(|e| e.to_string())?;
        }
        tracing::info!(target: "cos_sts::serve", listen = %addr, auth = auth_kind, "serving");
        #[cfg(unix)]
        let reloading = tokio::spawn(reload_on_hangup(
            hangup,
            service.clone(),
            issuer,
            args.config.clone(),
            args.format,
            args.insecure_no_auth,
            cluster,
        ));
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let serving = tokio::spawn(cos_vending::serve(
            listener,
            service.router(),
            limits,
            stop_rx,
        ));
        stop.received().await;
        tracing::info!(target: "cos_sts::serve", "shutting down");
        #[cfg(unix)]
        reloading.abort();
        let _ = stop_tx.send(true);
        let _ = serving.await;
        if let Some(emulator) = emulator {
            emulator.shutdown().await;
        }
        service.audit().flush();
        tracing::info!(target: "cos_sts::serve", "stopped");
        Ok(())
    })
}

//! `cos-sts serve`: a credential-vending HTTP server for browsers and apps.
//!
//! Callers authenticate (JWT or static bearer tokens; nobody only with `--insecure-no-auth`),
//! their identity fills the prefix template (`users/{sub}/*`), and they receive a temporary key
//! limited to that prefix, to the keys of the JS SDK's `Scope` list, or to one key chosen by the
//! server — in the shape `cos-js-sdk-v5`'s `getAuthorization` takes by default. The
//! configuration file format is described in the `config` module.
//!
//! Once listening it prints one JSON line on stdout (`listen`, `url`, and the emulator's
//! endpoints with `--emulator`), logs one JSON line per request on stderr (never a token, key
//! or secret), and stops gracefully on SIGINT/SIGTERM.

mod auth;
mod backend;
mod cache;
mod config;
mod cors;
mod grant;
mod handlers;
mod identity;
mod rate_limit;
mod scope;
mod server;
mod shape;
mod template;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use auth::Authenticator;
use backend::Backend;
use handlers::AppState;
pub(crate) use shape::Format;

/// The listen address when neither `--listen` nor the file gives one.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Options of `cos-sts serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cos-sts serve --config serve.toml
  cos-sts serve --config serve.toml --emulator --insecure-no-auth --listen 127.0.0.1:0
  curl -H 'Authorization: Bearer <jwt>' http://127.0.0.1:8080/sts")]
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
    /// Response shape (overrides `format` in the file).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Logs go to stderr as JSON lines; `RUST_LOG` filters them (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_current_span(false)
        .try_init();
}

/// The JSON line printed once listening (no secrets).
fn ready_line(addr: SocketAddr, state: &AppState) -> String {
    let emulator = state
        .backend
        .emulator_endpoints()
        .map(|(cos, sts)| serde_json::json!({"cos_endpoint": cos, "sts_endpoint": sts}));
    serde_json::json!({
        "listen": addr.to_string(),
        "url": format!("http://{addr}"),
        "bucket": state.settings.bucket,
        "region": state.settings.region,
        "auth": state.auth.kind(),
        "emulator": emulator,
    })
    .to_string()
}

/// Loads the configuration, starts the backend, serves until SIGINT/SIGTERM, drains.
pub(crate) fn run(args: ServeArgs) -> Result<(), String> {
    init_logging();
    // Pin the JWT crypto backend explicitly, so that another crate enabling jsonwebtoken's
    // aws-lc feature cannot leave the process without a provider.
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let settings = config::load(&args.config).map_err(|e| e.to_string())?;
    let auth = Authenticator::from_config(settings.auth.as_ref(), args.insecure_no_auth)
        .map_err(|e| e.to_string())?;
    if args.insecure_no_auth {
        tracing::warn!(target: "cos_sts::serve", "--insecure-no-auth: callers are not authenticated; never expose this server");
    }
    let listen = args
        .listen
        .or(settings.listen)
        .or_else(|| DEFAULT_LISTEN.parse().ok())
        .ok_or("no listen address")?;
    let format = args.format.unwrap_or(settings.format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async move {
        let backend = if args.emulator {
            Backend::emulator(&settings).await?
        } else {
            Backend::real(&settings).map_err(|e| format!("configuring STS: {e}"))?
        };
        let state = Arc::new(
            AppState::new(settings, auth, backend, format)
                .map_err(|e| format!("the configuration cannot produce a policy: {e}"))?,
        );
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("listening on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{}", ready_line(addr, &state)).map_err(|e| e.to_string())?;
            stdout.flush().map_err(|e| e.to_string())?;
        }
        tracing::info!(target: "cos_sts::serve", listen = %addr, auth = state.auth.kind(), "serving");
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let serving = tokio::spawn(server::serve(listener, state.clone(), stop_rx));
        super::shutdown::wait_for_signal().await;
        tracing::info!(target: "cos_sts::serve", "shutting down");
        let _ = stop_tx.send(true);
        let _ = serving.await;
        if let Ok(state) = Arc::try_unwrap(state) {
            state.backend.shutdown().await;
        }
        tracing::info!(target: "cos_sts::serve", "stopped");
        Ok(())
    })
}

//! Configuring and starting an emulator.

use crate::clock::Clock;
use crate::emulator::Emulator;
use crate::error::EmulatorError;
use crate::etag::EtagMode;
use crate::faults::Faults;
use crate::mfa::MfaDevice;
use crate::oidc::OidcProvider;
use crate::state::{Limits, State};
use crate::storage::Store;
use crate::sts::CredentialStore;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tc3_signer::Credential;

/// A CAM role that `AssumeRole` can assume, with the policy the role grants.
///
/// ```
/// let role = cos_emulator::Role::new("uploader", r#"{"version":"2.0","statement":[]}"#);
/// assert_eq!(role.name(), "uploader");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    name: String,
    policy: String,
    external_id: Option<String>,
}

impl Role {
    /// A role called `name` whose permissions are the CAM policy `policy_json`.
    ///
    /// ```
    /// let role = cos_emulator::Role::new("r", "{}");
    /// assert_eq!(role.policy_json(), "{}");
    /// ```
    pub fn new(name: impl Into<String>, policy_json: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            policy: policy_json.into(),
            external_id: None,
        }
    }

    /// Requires AssumeRole callers to send this `ExternalId`, as a role whose trust policy
    /// has an `sts:external_id` condition does; others get `UnauthorizedOperation`.
    ///
    /// ```
    /// let role = cos_emulator::Role::new("partner", "{}").external_id("partner-42");
    /// assert_eq!(role.required_external_id(), Some("partner-42"));
    /// ```
    #[must_use]
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The `ExternalId` AssumeRole must carry, if any.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Role::new("r", "{}").required_external_id(), None);
    /// ```
    pub fn required_external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    /// The role name (as in `qcs::cam::uin/<uin>:roleName/<name>`).
    ///
    /// ```
    /// assert_eq!(cos_emulator::Role::new("r", "{}").name(), "r");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role's policy document.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Role::new("r", "{}").policy_json(), "{}");
    /// ```
    pub fn policy_json(&self) -> &str {
        &self.policy
    }
}

/// Options of an emulator; obtain one with [`Emulator::builder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
/// let emulator = cos_emulator::Emulator::builder()
///     .region("ap-beijing")
///     .appid("1250000000")
///     .bucket("photos-1250000000")
///     .clock_offset(0)
///     .start()
///     .await?;
/// assert_eq!(emulator.buckets(), ["photos-1250000000"]);
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct EmulatorBuilder {
    region: String,
    appid: String,
    owner_uin: String,
    buckets: Vec<String>,
    root: Option<Credential>,
    data_dir: Option<PathBuf>,
    durable: bool,
    clock_offset: i64,
    faults: Faults,
    sts_public_host: String,
    roles: Vec<Role>,
    oidc_providers: Vec<OidcProvider>,
    mfa_devices: Vec<MfaDevice>,
    sub_accounts: Vec<(String, Credential)>,
    allow_anonymous: bool,
    cos_listen: SocketAddr,
    sts_listen: SocketAddr,
    max_object_size: u64,
    body_timeout: Duration,
    etag_mode: EtagMode,
    https: bool,
    admin_token: Option<crate::admin::AdminToken>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            region: "ap-guangzhou".into(),
            appid: "1250000000".into(),
            owner_uin: "100000000001".into(),
            buckets: Vec::new(),
            root: None,
            data_dir: None,
            durable: true,
            clock_offset: 0,
            faults: Faults::none(),
            sts_public_host: "sts.tencentcloudapi.com".into(),
            roles: Vec::new(),
            oidc_providers: Vec::new(),
            mfa_devices: Vec::new(),
            sub_accounts: Vec::new(),
            allow_anonymous: false,
            cos_listen: loopback,
            sts_listen: loopback,
            max_object_size: 5 * 1024 * 1024 * 1024,
            body_timeout: Duration::from_secs(60),
            etag_mode: EtagMode::Md5,
            https: false,
            admin_token: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct RootRecord {
    secret_id: String,
    secret_key: String,
}

impl EmulatorBuilder {
    /// The COS region (default `ap-guangzhou`).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().region("ap-shanghai");
    /// ```
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The account's APPID (default `1250000000`).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().appid("1300000000");
    /// ```
    pub fn appid(mut self, appid: impl Into<String>) -> Self {
        self.appid = appid.into();
        self
    }

    /// The root account's UIN (default `100000000001`).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().owner_uin("100000000002");
    /// ```
    pub fn owner_uin(mut self, uin: impl Into<String>) -> Self {
        self.owner_uin = uin.into();
        self
    }

    /// Adds a bucket, `name-appid` (a bare `name` gets `-<appid>` appended). The first bucket
    /// is the default bucket for requests that name none. Without any, `examplebucket-<appid>`.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().bucket("a-1250000000").bucket("b");
    /// ```
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.buckets.push(bucket.into());
        self
    }

    /// The root account's permanent key (default: random, kept in the data directory).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().root_key("AKIDROOT", "root-secret");
    /// ```
    pub fn root_key(mut self, secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.root = Some(Credential::new(secret_id, secret_key));
        self
    }

    /// Keeps objects, uploads, the root key and temporary keys in `dir` (created if needed)
    /// so that they survive a restart. Without it everything lives in memory.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().data_dir("/tmp/cos-emulator-data");
    /// ```
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Keeps everything in memory (the default).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().in_memory();
    /// ```
    pub fn in_memory(mut self) -> Self {
        self.data_dir = None;
        self
    }

    /// Whether data-directory writes are synced to disk before they become visible
    /// (default `true`; `false` is faster and still atomic against process crashes).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().durable(false);
    /// ```
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// Runs the emulator's clock `seconds` ahead of the host (negative: behind), to test
    /// clock-skew handling.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().clock_offset(-1200);
    /// ```
    pub fn clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset = seconds;
        self
    }

    /// Fault injection (default: none). Can be changed later with [`Emulator::set_faults`].
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().faults(cos_emulator::Faults::none().slow_down(0.2));
    /// ```
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// The public STS host name clients may sign instead of the address they connect to
    /// (default `sts.tencentcloudapi.com`).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().sts_public_host("sts.internal.tencentcloudapi.com");
    /// ```
    pub fn sts_public_host(mut self, host: impl Into<String>) -> Self {
        self.sts_public_host = host.into();
        self
    }

    /// Adds a role for `AssumeRole`.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().role(cos_emulator::Role::new("r", "{}"));
    /// ```
    pub fn role(mut self, role: Role) -> Self {
        self.roles.push(role);
        self
    }

    /// Adds a CAM sub-account with UIN `uin` and a permanent key. Sub-accounts may call
    /// GetFederationToken for up to 129600 s (the root account: 7200 s) and have full access
    /// to the buckets (CAM policies of sub-accounts are not modelled).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().sub_account("100000000011", "AKIDSUB", "sub-secret");
    /// ```
    pub fn sub_account(
        mut self,
        uin: impl Into<String>,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.sub_accounts
            .push((uin.into(), Credential::new(secret_id, secret_key)));
        self
    }

    /// Treats unsigned COS requests as the root account (default `false`: they get
    /// `AccessDenied`). Signed requests are always verified.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().allow_anonymous(true);
    /// ```
    pub fn allow_anonymous(mut self, allow: bool) -> Self {
        self.allow_anonymous = allow;
        self
    }

    /// Address of the COS listener (default `127.0.0.1:0`, an ephemeral port).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().cos_listen(([127, 0, 0, 1], 0).into());
    /// ```
    pub fn cos_listen(mut self, addr: SocketAddr) -> Self {
        self.cos_listen = addr;
        self
    }

    /// Address of the STS listener (default `127.0.0.1:0`).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().sts_listen(([127, 0, 0, 1], 0).into());
    /// ```
    pub fn sts_listen(mut self, addr: SocketAddr) -> Self {
        self.sts_listen = addr;
        self
    }

    /// Largest simple upload, part or POST file in bytes (default 5 GiB, as COS).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().max_object_size(64 << 20);
    /// ```
    pub fn max_object_size(mut self, bytes: u64) -> Self {
        self.max_object_size = bytes;
        self
    }

    /// Longest wait for the next chunk of a request body before answering `RequestTimeout`
    /// (default 60 s).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().body_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Registers an OIDC identity provider: `AssumeRoleWithWebIdentity` exchanges its tokens
    /// for a configured [`Role`]'s temporary key.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().oidc_provider(
    ///     cos_emulator::OidcProvider::hs256("tke-oidc", "https://oidc.example", b"a secret"));
    /// ```
    pub fn oidc_provider(mut self, provider: OidcProvider) -> Self {
        self.oidc_providers.push(provider);
        self
    }

    /// Registers an MFA device (a software token): `GetSessionToken` with its serial number
    /// and current code issues the caller a session key.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().mfa_device(
    ///     cos_emulator::MfaDevice::new("qcs::cam:uin/100000000001::mfa/softToken", b"seed"));
    /// ```
    pub fn mfa_device(mut self, device: MfaDevice) -> Self {
        self.mfa_devices.push(device);
        self
    }

    /// How PUT Object and Upload Part compute ETags (default [`EtagMode::Md5`], as COS does;
    /// [`EtagMode::Crc64`] for benchmarks that the MD5 would otherwise limit).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().etag_mode(cos_emulator::EtagMode::Crc64);
    /// ```
    pub fn etag_mode(mut self, mode: EtagMode) -> Self {
        self.etag_mode = mode;
        self
    }

    /// Serves both listeners over HTTPS (default `false`: plain HTTP) with a server
    /// certificate signed by a certificate authority generated at start-up, whose PEM
    /// [`Emulator::ca_cert_pem`] returns for clients to trust. The certificate names
    /// `localhost`, `<bucket>.localhost` for every bucket, `127.0.0.1`, `::1` and the
    /// listeners' addresses.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().https(true).start().await?;
    /// assert!(e.sts_endpoint().starts_with("https://127.0.0.1:"));
    /// assert!(e.ca_cert_pem().is_some_and(|pem| pem.contains("BEGIN CERTIFICATE")));
    /// # Ok(()) }
    /// ```
    pub fn https(mut self, enabled: bool) -> Self {
        self.https = enabled;
        self
    }

    /// The bearer token of the admin API under `/_emulator/` (default: random per start; see
    /// [`Emulator::admin_token`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let e = cos_emulator::Emulator::builder().admin_token("fixed-for-ci").start().await?;
    /// assert_eq!(e.admin_token(), "fixed-for-ci");
    /// # Ok(()) }
    /// ```
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(crate::admin::AdminToken(token.into()));
        self
    }

    fn normalised_buckets(&self) -> Result<Vec<String>, EmulatorError> {
        let invalid = |reason: String| EmulatorError::InvalidConfig { reason };
        if self.appid.is_empty() || !self.appid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!("APPID `{}` is not numeric", self.appid)));
        }
        let valid_region = !self.region.is_empty()
            && self
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_region {
            return Err(invalid(format!("region `{}` is not valid", self.region)));
        }
        let raw = if self.buckets.is_empty() {
            vec!["examplebucket".to_string()]
        } else {
            self.buckets.clone()
        };
        let mut out: Vec<String> = Vec::new();
        for name in raw {
            let suffix = format!("-{}", self.appid);
            let full = if name.ends_with(&suffix) {
                name.clone()
            } else {
                format!("{name}{suffix}")
            };
            let short = full.strip_suffix(&suffix).unwrap_or_default();
            let ok = !short.is_empty()
                && !short.starts_with('-')
                && !short.ends_with('-')
                && short
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && full.len() + ".cos.".len() + self.region.len() + ".myqcloud.com".len() <= 60;
            if !ok {
                return Err(invalid(format!(
                    "bucket name `{name}` is not valid for APPID {}",
                    self.appid
                )));
            }
            if !out.contains(&full) {
                out.push(full);
            }
        }
        Ok(out)
    }

    /// Binds the listeners, restores any state from the data directory, and starts serving
    /// on the current Tokio runtime.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
    /// let emulator = cos_emulator::Emulator::builder().start().await?;
    /// assert!(emulator.cos_endpoint().starts_with("http://127.0.0.1:"));
    /// emulator.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> Result<Emulator, EmulatorError> {
        let buckets = self.normalised_buckets()?;
        let store = match &self.data_dir {
            Some(dir) => {
                Store::open(dir, &buckets, self.durable).map_err(|source| EmulatorError::Io {
                    action: "opening the data directory",
                    source,
                })?
            }
            None => Store::in_memory(&buckets),
        };
        let root = self.root_credential(&store)?;
        let credentials = CredentialStore::load(&store)
            .map_err(|reason| EmulatorError::CorruptState { reason })?;
        if self
            .admin_token
            .as_ref()
            .is_some_and(|t| t.0.trim().is_empty())
        {
            return Err(EmulatorError::InvalidConfig {
                reason: "the admin token must not be empty".into(),
            });
        }
        let cos_listener = bind(self.cos_listen).await?;
        let sts_listener = bind(self.sts_listen).await?;
        let tls = if self.https {
            let ips = [self.cos_listen.ip(), self.sts_listen.ip()];
            let names: Vec<String> = buckets.iter().map(|b| format!("{b}.localhost")).collect();
            Some(crate::tls::generate(&ips, &names)?)
        } else {
            None
        };
        let state = Arc::new(State {
            region: self.region,
            appid: self.appid,
            owner_uin: self.owner_uin,
            buckets,
            root,
            store,
            clock: Clock::new(self.clock_offset),
            admin: crate::admin::Admin::new(self.admin_token, self.clock_offset),
            faults: RwLock::new(self.faults),
            credentials,
            roles: self.roles,
            oidc_providers: self.oidc_providers,
            mfa_devices: self.mfa_devices,
            sub_accounts: self.sub_accounts,
            sts_public_host: self.sts_public_host.to_ascii_lowercase(),
            allow_anonymous: self.allow_anonymous,
            limits: Limits {
                max_object_size: self.max_object_size,
                max_document: 4 * 1024 * 1024,
                idle: self.body_timeout,
            },
            etag_mode: self.etag_mode,
        });
        Emulator::spawn(state, cos_listener, sts_listener, tls)
    }

    fn root_credential(&self, store: &Store) -> Result<Credential, EmulatorError> {
        if let Some(root) = &self.root {
            return Ok(root.clone());
        }
        let io = |source| EmulatorError::Io {
            action: "reading the root key",
            source,
        };
        if let Some(bytes) = store.load_document("root").map_err(io)? {
            let record: RootRecord =
                serde_json::from_slice(&bytes).map_err(|e| EmulatorError::CorruptState {
                    reason: format!("state/root.json: {e}"),
                })?;
            return Ok(Credential::new(record.secret_id, record.secret_key));
        }
        let record = RootRecord {
            secret_id: format!("AKID{}", crate::ids::random_alnum(32)),
            secret_key: crate::ids::random_alnum(32),
        };
        let json = serde_json::to_vec(&record).map_err(|e| EmulatorError::CorruptState {
            reason: e.to_string(),
        })?;
        store
            .save_document("root", &json)
            .map_err(|source| EmulatorError::Io {
                action: "saving the root key",
                source,
            })?;
        Ok(Credential::new(record.secret_id, record.secret_key))
    }
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, EmulatorError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| EmulatorError::Io {
            action: "binding a listener",
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_are_normalised_and_checked() {
        let b = EmulatorBuilder::default()
            .bucket("photos")
            .bucket("docs-1250000000")
            .bucket("photos");
        assert_eq!(
            b.normalised_buckets().unwrap(),
            ["photos-1250000000", "docs-1250000000"]
        );
        assert_eq!(
            EmulatorBuilder::default().normalised_buckets().unwrap(),
            ["examplebucket-1250000000"]
        );
        for bad in [
            "Upper",
            "-lead",
            "trail-",
            "a_b",
            "waytoolongbucketnamethatdoesnotfitinsixtychars",
        ] {
            assert!(
                EmulatorBuilder::default()
                    .bucket(bad)
                    .normalised_buckets()
                    .is_err(),
                "{bad}"
            );
        }
        assert!(
            EmulatorBuilder::default()
                .appid("12a")
                .normalised_buckets()
                .is_err()
        );
        assert!(
            EmulatorBuilder::default()
                .region("AP")
                .normalised_buckets()
                .is_err()
        );
    }

    #[test]
    fn debug_hides_the_root_secret_and_oidc_keys() {
        let b = EmulatorBuilder::default()
            .root_key("AKIDPUB", "TOPSECRETROOT")
            .admin_token("TOPSECRETADMIN")
            .oidc_provider(OidcProvider::hs256("p", "https://issuer", b"TOPSECRETOIDC"));
        let shown = format!("{b:?}");
        assert!(!shown.contains("TOPSECRETROOT"), "{shown}");
        assert!(!shown.contains("TOPSECRETADMIN"), "{shown}");
        assert!(!shown.contains("TOPSECRETOIDC"), "{shown}");
        assert!(
            !shown.contains(&format!("{:?}", b"TOPSECRETOIDC")),
            "{shown}"
        );
        assert!(shown.contains("OidcProvider"), "{shown}");
    }
}

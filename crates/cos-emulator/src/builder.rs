//! Configuring and starting an emulator.

use crate::clock::Clock;
use crate::cos::CosConfig;
use crate::emulator::Emulator;
use crate::error::EmulatorError;
use crate::etag::EtagMode;
use crate::faults::Faults;
use crate::identity::{CredentialStore, Identities, SubAccount};
use crate::state::{Limits, State};
use crate::storage::Store;
use crate::sts::OidcProvider;
use crate::sts::{MfaDevice, Role, StsConfig};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tc3_signer::Credential;

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
    #[cfg(feature = "saml")]
    saml_providers: Vec<crate::SamlProvider>,
    mfa_devices: Vec<MfaDevice>,
    sub_accounts: Vec<SubAccount>,
    allow_anonymous: bool,
    cors_origins: Vec<String>,
    cos_listen: SocketAddr,
    sts_listen: SocketAddr,
    max_object_size: u64,
    body_timeout: Duration,
    body_grace: Duration,
    body_min_rate: u64,
    header_timeout: Duration,
    etag_mode: EtagMode,
    access_log: Option<PathBuf>,
    link: crate::Link,
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
            #[cfg(feature = "saml")]
            saml_providers: Vec::new(),
            mfa_devices: Vec::new(),
            sub_accounts: Vec::new(),
            allow_anonymous: false,
            cors_origins: Vec::new(),
            cos_listen: loopback,
            sts_listen: loopback,
            max_object_size: 5 * 1024 * 1024 * 1024,
            body_timeout: Duration::from_secs(60),
            body_grace: Duration::from_secs(30),
            body_min_rate: 1024,
            header_timeout: Duration::from_secs(30),
            etag_mode: EtagMode::Md5,
            access_log: None,
            link: crate::Link::default(),
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

    /// Adds a CAM sub-account with UIN `uin`, a permanent key and `AdministratorAccess`
    /// (every action on every resource); [`EmulatorBuilder::cam_user`] adds one with policies
    /// of its own. Sub-accounts may call GetFederationToken for up to 129600 s (the root
    /// account: 7200 s).
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().sub_account("100000000011", "AKIDSUB", "sub-secret");
    /// ```
    pub fn sub_account(
        self,
        uin: impl Into<String>,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.cam_user(SubAccount::new(uin, secret_id, secret_key).administrator())
    }

    /// Adds a CAM sub-account with the policies attached to it (none: it may do nothing,
    /// as a new CAM user). Its COS requests, the federation keys it obtains and its
    /// AssumeRole calls are all judged by those policies.
    ///
    /// ```
    /// let user = cos_emulator::SubAccount::new("100000000011", "AKIDSUB", "sub-secret")
    ///     .policy(r#"{"version":"2.0","statement":[{"effect":"allow",
    ///         "action":["name/sts:AssumeRole"],"resource":["qcs::cam::uin/100000000001:roleName/*"]}]}"#);
    /// let b = cos_emulator::Emulator::builder().cam_user(user);
    /// ```
    pub fn cam_user(mut self, user: SubAccount) -> Self {
        self.sub_accounts.push(user);
        self
    }

    /// Gives every configured bucket that has no CORS configuration a rule admitting
    /// `origin` (`*` wildcards allowed) for every method and header and exposing the headers
    /// the COS SDKs read in browsers — as if `PUT Bucket cors` had set it. Without a rule, as
    /// on COS, browsers get no CORS headers.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().cors_origin("http://localhost:8080");
    /// ```
    pub fn cors_origin(mut self, origin: impl Into<String>) -> Self {
        self.cors_origins.push(origin.into());
        self
    }

    /// Treats unsigned COS requests as the root account (default `false`: they are
    /// anonymous callers, admitted only by a bucket policy or a public ACL). Signed requests
    /// are always verified.
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

    /// The slowest request body accepted: after `grace` (default 30 s) a body must have
    /// averaged at least `bytes_per_second` (default 1024; 0: no minimum), else the request
    /// is answered `RequestTimeout` and the connection closed. A body trickling one byte
    /// every few seconds is so cut shortly after `grace`, whatever its announced length.
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = cos_emulator::Emulator::builder().body_min_rate(Duration::from_secs(2), 4096);
    /// ```
    pub fn body_min_rate(mut self, grace: Duration, bytes_per_second: u64) -> Self {
        self.body_grace = grace;
        self.body_min_rate = bytes_per_second;
        self
    }

    /// Longest time for a request's line and headers to arrive (default 30 s); slower
    /// connections are closed.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().header_timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
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

    /// Registers a SAML identity provider for `AssumeRoleWithSAML` (cargo feature `saml`): its
    /// signed responses buy keys of roles whose trust policy names it as `federated`.
    ///
    /// ```
    /// # fn f(provider: cos_emulator::SamlProvider) {
    /// let b = cos_emulator::Emulator::builder().saml_provider(provider);
    /// # let _ = b; }
    /// ```
    #[cfg(feature = "saml")]
    pub fn saml_provider(mut self, provider: crate::SamlProvider) -> Self {
        self.saml_providers.push(provider);
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

    /// Records every COS authorization decision — the caller's SecretId, the action, the
    /// resource, the condition context, allowed or not — as JSON lines appended to `path`
    /// (see `cos_policy::analysis::AccessRecord`), for `cos_policy::analysis::generate` to turn
    /// into a least-privilege policy. Off by default.
    ///
    /// ```
    /// let b = cos_emulator::Emulator::builder().access_log("access.jsonl");
    /// ```
    pub fn access_log(mut self, path: impl Into<PathBuf>) -> Self {
        self.access_log = Some(path.into());
        self
    }

    /// Shapes the COS listener's connections like a network [`Link`](crate::Link): added
    /// round-trip time, bandwidth per connection and in total (default: unshaped loopback).
    /// For benchmarks and tests of clients on realistic links.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let link: cos_emulator::Link = "rtt=50ms,per-conn=20MiB/s,total=160MiB/s".parse()?;
    /// let emulator = cos_emulator::Emulator::builder().link(link).start().await?;
    /// # emulator.shutdown().await; Ok(()) }
    /// ```
    pub fn link(mut self, link: crate::Link) -> Self {
        self.link = link;
        self
    }

    /// Serves both listeners over HTTPS (default `false`: plain HTTP) with a server
    /// certificate signed by a certificate authority generated at start-up, whose PEM
    /// [`Emulator::ca_cert_pem`] returns for clients to trust. The certificate names
    /// `localhost`, `<bucket>.localhost` for every bucket configured at start-up, `127.0.0.1`,
    /// `::1`, the listeners' addresses, and the Tencent Cloud hosts of the emulator's region
    /// and of every COS region (`*.cos.<region>.myqcloud.com`, `cos-internal`,
    /// `.tencentcos.cn`, the service and STS hosts), so buckets created later are reachable
    /// at their COS host name.
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
        // The names follow cos-core's rules (the COS documentation's), nothing stricter.
        let appid: cos_policy::AppId = self.appid.parse().map_err(|e| invalid(format!("{e}")))?;
        self.region
            .parse::<cos_policy::Region>()
            .map_err(|e| invalid(format!("{e}")))?;
        let raw = if self.buckets.is_empty() {
            vec!["examplebucket".to_string()]
        } else {
            self.buckets.clone()
        };
        let mut out: Vec<String> = Vec::new();
        for name in raw {
            let suffix = format!("-{}", appid.as_str());
            let short = name.strip_suffix(&suffix).unwrap_or(&name);
            let full = cos_policy::BucketName::new(short, &appid)
                .map_err(|e| invalid(format!("bucket name `{name}`: {e}")))?
                .as_str()
                .to_owned();
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
        crate::cos::ops::cors::allow_origins(&store, &buckets, &self.cors_origins).map_err(
            |source| EmulatorError::Io {
                action: "configuring CORS",
                source,
            },
        )?;
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
        let access_log = match &self.access_log {
            Some(path) => Some(crate::access_log::AccessLog::open(path).map_err(|source| {
                EmulatorError::Io {
                    action: "opening the access log",
                    source,
                }
            })?),
            None => None,
        };
        let cos_listener = bind(self.cos_listen).await?;
        let sts_listener = bind(self.sts_listen).await?;
        for role in &self.roles {
            if let Some(trust) = role.trust_policy_json() {
                cos_policy::Policy::from_json(trust).map_err(|e| EmulatorError::InvalidConfig {
                    reason: format!("role {}: trust policy: {e}", role.name()),
                })?;
            }
        }
        let sub_accounts = self
            .sub_accounts
            .into_iter()
            .map(SubAccount::compiled)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| EmulatorError::InvalidConfig { reason })?;
        let tls = if self.https {
            let ips = [self.cos_listen.ip(), self.sts_listen.ip()];
            let mut names: Vec<String> = buckets.iter().map(|b| format!("{b}.localhost")).collect();
            names.extend(crate::tls::tencent_cloud_names(
                &self.region,
                &self.sts_public_host,
            ));
            Some(crate::tls::generate(&ips, &names)?)
        } else {
            None
        };
        let start_buckets: Vec<_> = store
            .bucket_records()
            .into_iter()
            .filter(|r| buckets.contains(&r.name))
            .collect();
        let state = Arc::new(State {
            cos: CosConfig {
                region: self.region,
                appid: self.appid,
                buckets,
                allow_anonymous: self.allow_anonymous,
                etag_mode: self.etag_mode,
            },
            sts: StsConfig {
                roles: self.roles,
                oidc_providers: self.oidc_providers,
                #[cfg(feature = "saml")]
                saml_providers: self.saml_providers,
                mfa_devices: self.mfa_devices,
                public_host: self.sts_public_host.to_ascii_lowercase(),
            },
            identities: Identities::new(self.owner_uin, root, sub_accounts, credentials),
            store,
            clock: Clock::new(self.clock_offset),
            admin: crate::admin::Admin::new(self.admin_token, self.clock_offset, start_buckets),
            faults: RwLock::new(self.faults),
            limits: Limits {
                max_object_size: self.max_object_size,
                max_document: 4 * 1024 * 1024,
                body: crate::http::body::BodyDeadline {
                    idle: self.body_timeout,
                    grace: self.body_grace,
                    min_rate: self.body_min_rate,
                },
                header_timeout: self.header_timeout,
            },
            access_log,
            link: crate::link::Shaper::new(self.link),
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
        // COS accepts a 50-character name part (the old 60-character host limit did not).
        let longest = "a".repeat(50);
        assert_eq!(
            EmulatorBuilder::default()
                .bucket(&longest)
                .normalised_buckets()
                .unwrap(),
            [format!("{longest}-1250000000")]
        );
        let too_long = "a".repeat(51);
        for bad in ["Upper", "-lead", "trail-", "a_b", too_long.as_str()] {
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

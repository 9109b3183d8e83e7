//! The STS API 3.0 (version 2018-08-13): GetFederationToken, AssumeRole, GetCallerIdentity.
//!
//! Requests are accepted signed with TC3-HMAC-SHA256 (JSON body, `X-TC-Action` header) or
//! with the legacy v1 signature (form body or query with `Action`). The signature is verified
//! against the `Host` the client sent and, failing that, against the configured public STS
//! host name (clients that connect to an IP but sign `sts.tencentcloudapi.com`). Errors use the
//! API 3.0 envelope with HTTP 200.

mod actions;
mod mfa;
mod oidc;
mod role;
pub(crate) mod role_params;
#[cfg(feature = "saml")]
mod saml;
mod trust;
mod wire;

pub use mfa::MfaDevice;
pub use oidc::OidcProvider;
pub use role::Role;
#[cfg(feature = "saml")]
pub use saml::SamlProvider;

use crate::http::body::{self, ResBody};
use crate::state::State;
use http::{HeaderValue, Request, Response};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;

/// The STS side's configuration.
pub(crate) struct StsConfig {
    /// Roles for AssumeRole and AssumeRoleWithWebIdentity.
    pub(crate) roles: Vec<Role>,
    /// Identity providers for AssumeRoleWithWebIdentity.
    pub(crate) oidc_providers: Vec<OidcProvider>,
    /// Identity providers for AssumeRoleWithSAML.
    #[cfg(feature = "saml")]
    pub(crate) saml_providers: Vec<SamlProvider>,
    /// MFA devices for GetSessionToken.
    pub(crate) mfa_devices: Vec<MfaDevice>,
    /// The public host name clients may sign instead of the address they connect to.
    pub(crate) public_host: String,
}

/// An API 3.0 error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StsError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl StsError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Handles one STS request; always answers with the API 3.0 JSON envelope.
pub(crate) async fn handle(
    state: Arc<State>,
    _remote: SocketAddr,
    req: Request<Incoming>,
) -> Response<ResBody> {
    let latency = state.faults().added_latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let request_id = crate::ids::uuid();
    let (parts, incoming) = req.into_parts();
    let outcome = match body::RequestBody::new(incoming, state.limits.body)
        .read_limited(1024 * 1024)
        .await
    {
        Err(_) => Err(StsError::new(
            "InvalidParameter",
            "The request body could not be read or is too large.",
        )),
        Ok(bytes) => match wire::parse(&state, &parts, &bytes) {
            Err(e) => Err(e),
            Ok(call) => {
                crate::admin::record::note_sts_call(&parts, &call.action);
                actions::run(&state, &call)
            }
        },
    };
    let mut inner = match outcome {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(_) => serde_json::Map::new(),
        Err(e) => {
            let mut map = serde_json::Map::new();
            map.insert(
                "Error".into(),
                serde_json::json!({"Code": e.code, "Message": e.message}),
            );
            map
        }
    };
    inner.insert("RequestId".into(), serde_json::Value::String(request_id));
    let text = serde_json::json!({ "Response": inner }).to_string();
    let len = text.len();
    let mut response = Response::new(body::full(text));
    let h = response.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&crate::clock::http_date_millis(state.clock.unix_millis()))
    {
        h.insert(http::header::DATE, v);
    }
    response
}

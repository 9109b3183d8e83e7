//! Legacy v1 form-encoded requests (`HmacSHA1` / `HmacSHA256`).

use bytes::Bytes;
use tc3_signer::Credential;
use tc3_signer::v1::{FORM_CONTENT_TYPE, SignatureMethod as V1Method, V1Params};

use crate::StsError;
use crate::client::SignatureMethod;
use crate::wire::{Params, VERSION};

/// Everything a v1 request is built from.
pub(crate) struct V1Input<'a> {
    pub(crate) uri: &'a http::Uri,
    pub(crate) host: &'a str,
    pub(crate) region: &'a str,
    pub(crate) action: &'static str,
    pub(crate) params: &'a Params,
    pub(crate) credential: &'a Credential,
    pub(crate) now: u64,
    pub(crate) nonce: u64,
    pub(crate) method: SignatureMethod,
}

/// Builds a signed v1 POST: the `Policy` value is already URL-encoded once (as the API wants)
/// and the form encoding of the body encodes it a second time, as every official SDK does.
pub(crate) fn build(input: &V1Input<'_>) -> Result<http::Request<Bytes>, StsError> {
    let flat = input.params.to_flat();
    let method = match input.method {
        SignatureMethod::V1HmacSha256 => V1Method::HmacSha256,
        _ => V1Method::HmacSha1,
    };
    let mut v1 = V1Params::new(input.action, VERSION, input.now, input.nonce)
        .with_region(input.region)
        .with_path(input.uri.path())
        .with_signature_method(method);
    for (name, value) in &flat {
        v1 = v1.with_param(name, value);
    }
    let signed = v1.sign(input.host, input.credential)?;
    let mut request = http::Request::post(input.uri.clone())
        .header(http::header::CONTENT_TYPE, FORM_CONTENT_TYPE)
        .header(http::header::HOST, input.host)
        .body(Bytes::from(signed.form_body()))
        .map_err(|e| StsError::invalid(format!("building request: {e}")))?;
    crate::client::mark_sensitive(&mut request);
    Ok(request)
}

//! Request parameters and response envelopes on the wire.

use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use crate::{ApiError, StsError};

/// The API version of every STS action.
pub(crate) const VERSION: &str = "2018-08-13";

/// A parameter value.
#[derive(Clone)]
pub(crate) enum ParamValue {
    Str(String),
    /// A URL-encoded value (only `A-Z a-z 0-9 - _ . ~ %`): JSON-safe as it is.
    Encoded(String),
    Int(u64),
    /// `Tags.N.Key` / `Tags.N.Value` (v1) or `[{Key, Value}]` (JSON).
    Pairs(Vec<(String, String)>),
}

/// Action parameters in insertion order. `Debug` shows only the names.
#[derive(Clone, Default)]
pub(crate) struct Params(Vec<(&'static str, ParamValue)>);

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Params {
    pub(crate) fn str(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.0.push((name, ParamValue::Str(value.into())));
        self
    }

    /// A value already URL-encoded once (a policy): sent as is in both encodings' value slot.
    pub(crate) fn encoded(&mut self, name: &'static str, value: &str) -> &mut Self {
        debug_assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b))
        );
        self.0.push((name, ParamValue::Encoded(value.to_owned())));
        self
    }

    pub(crate) fn opt_encoded(&mut self, name: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.encoded(name, value);
        }
        self
    }

    pub(crate) fn opt_str(&mut self, name: &'static str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.str(name, value);
        }
        self
    }

    pub(crate) fn opt_int(&mut self, name: &'static str, value: Option<u64>) -> &mut Self {
        if let Some(value) = value {
            self.0.push((name, ParamValue::Int(value)));
        }
        self
    }

    pub(crate) fn pairs(&mut self, name: &'static str, pairs: Vec<(String, String)>) -> &mut Self {
        if !pairs.is_empty() {
            self.0.push((name, ParamValue::Pairs(pairs)));
        }
        self
    }

    /// The compact JSON body of a TC3 request: members sorted by name (the last of duplicate
    /// names wins), written straight from the parameters without copying their values.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut members: Vec<&(&'static str, ParamValue)> = self.0.iter().collect();
        // Stable: among equal names the last inserted stays last, and is the one kept.
        members.sort_by_key(|(name, _)| *name);
        let mut kept: Vec<&(&'static str, ParamValue)> = Vec::with_capacity(members.len());
        for member in members {
            match kept.last_mut() {
                Some(last) if last.0 == member.0 => *last = member,
                _ => kept.push(member),
            }
        }
        let capacity = 2 + kept
            .iter()
            .map(|(name, value)| name.len() + value.len_hint() + 4)
            .sum::<usize>();
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        for (index, (name, value)) in kept.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            let written = serde_json::to_writer(&mut out, name).and_then(|()| {
                out.push(b':');
                match value {
                    // Nothing to escape: written without scanning the (largest) value.
                    ParamValue::Encoded(s) => {
                        out.push(b'"');
                        out.extend_from_slice(s.as_bytes());
                        out.push(b'"');
                        Ok(())
                    }
                    other => serde_json::to_writer(&mut out, other),
                }
            });
            if written.is_err() {
                return b"{}".to_vec();
            }
        }
        out.push(b'}');
        out
    }

    /// Flat `name=value` pairs of a v1 form request (`Tags.0.Key=…`).
    pub(crate) fn to_flat(&self) -> Vec<(String, String)> {
        let mut flat = Vec::new();
        for (name, value) in &self.0 {
            match value {
                ParamValue::Str(s) | ParamValue::Encoded(s) => {
                    flat.push(((*name).to_owned(), s.clone()));
                }
                ParamValue::Int(n) => flat.push(((*name).to_owned(), n.to_string())),
                ParamValue::Pairs(pairs) => {
                    for (i, (k, v)) in pairs.iter().enumerate() {
                        flat.push((format!("{name}.{i}.Key"), k.clone()));
                        flat.push((format!("{name}.{i}.Value"), v.clone()));
                    }
                }
            }
        }
        flat
    }
}

impl ParamValue {
    /// Roughly how many bytes the value takes in JSON (for sizing the body buffer).
    fn len_hint(&self) -> usize {
        match self {
            Self::Str(s) | Self::Encoded(s) => s.len() + 2,
            Self::Int(_) => 20,
            Self::Pairs(pairs) => pairs.iter().map(|(k, v)| k.len() + v.len() + 24).sum(),
        }
    }
}

impl Serialize for ParamValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Str(s) | Self::Encoded(s) => serializer.serialize_str(s),
            Self::Int(n) => serializer.serialize_u64(*n),
            Self::Pairs(pairs) => {
                let mut seq = serializer.serialize_seq(Some(pairs.len()))?;
                for (key, value) in pairs {
                    seq.serialize_element(&Tag { key, value })?;
                }
                seq.end()
            }
        }
    }
}

/// `{"Key": …, "Value": …}`.
#[derive(Serialize)]
struct Tag<'a> {
    #[serde(rename = "Key")]
    key: &'a str,
    #[serde(rename = "Value")]
    value: &'a str,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Option<Value>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// Parses `{"Response": …}`: returns the inner object and its `RequestId`, or the API error
/// (whatever the HTTP status), or `HttpStatus`/`MalformedResponse`.
pub(crate) fn parse_envelope(status: u16, body: &[u8]) -> Result<(Value, String), StsError> {
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(error) if status == 200 => {
            return Err(StsError::MalformedResponse {
                reason: format!("body is not a JSON envelope: {error}"),
                request_id: None,
            });
        }
        Err(_) => {
            return Err(StsError::HttpStatus {
                status,
                request_id: None,
            });
        }
    };
    let Some(response) = envelope.response else {
        return Err(if status == 200 {
            StsError::MalformedResponse {
                reason: "no `Response` object".into(),
                request_id: None,
            }
        } else {
            StsError::HttpStatus {
                status,
                request_id: None,
            }
        });
    };
    let request_id = response
        .get("RequestId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(error) = response.get("Error") {
        let error: ErrorBody =
            serde_json::from_value(error.clone()).map_err(|e| StsError::MalformedResponse {
                reason: format!("malformed `Response.Error`: {e}"),
                request_id: request_id.clone(),
            })?;
        return Err(StsError::Api(ApiError::new(
            error.code,
            error.message,
            request_id.unwrap_or_default(),
        )));
    }
    if status != 200 {
        return Err(StsError::HttpStatus { status, request_id });
    }
    let Some(request_id) = request_id else {
        return Err(StsError::MalformedResponse {
            reason: "no `Response.RequestId`".into(),
            request_id: None,
        });
    };
    Ok((response, request_id))
}

/// Deserialises an action's output from the `Response` object.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    response: Value,
    request_id: &str,
) -> Result<T, StsError> {
    serde_json::from_value(response).map_err(|error| StsError::MalformedResponse {
        reason: format!("unexpected response fields: {error}"),
        request_id: Some(request_id.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelope_in_http_200_is_an_error() {
        let body = br#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"},"RequestId":"r-1"}}"#;
        let error = parse_envelope(200, body).unwrap_err();
        let api = error.api_error().unwrap();
        assert_eq!(api.code.as_str(), "AuthFailure.SignatureFailure");
        assert_eq!(api.message, "bad");
        assert_eq!(api.request_id, "r-1");
    }

    #[test]
    fn unknown_codes_are_kept() {
        let body = br#"{"Response":{"Error":{"Code":"Brand.New","Message":"m"},"RequestId":"r"}}"#;
        let error = parse_envelope(200, body).unwrap_err();
        assert_eq!(error.api_error().unwrap().code.as_str(), "Brand.New");
        assert!(!error.api_error().unwrap().code.known());
    }

    #[test]
    fn malformed_and_status_errors() {
        assert!(matches!(
            parse_envelope(200, b"<html>").unwrap_err(),
            StsError::MalformedResponse { .. }
        ));
        assert!(matches!(
            parse_envelope(200, b"{}").unwrap_err(),
            StsError::MalformedResponse { .. }
        ));
        assert!(matches!(
            parse_envelope(502, b"bad gateway").unwrap_err(),
            StsError::HttpStatus { status: 502, .. }
        ));
        let ok = parse_envelope(200, br#"{"Response":{"RequestId":"r","X":1}}"#).unwrap();
        assert_eq!(ok.1, "r");
    }

    #[test]
    fn params_encode_both_ways() {
        let mut params = Params::default();
        params
            .str("RoleArn", "arn")
            .opt_int("DurationSeconds", Some(900))
            .opt_str("ExternalId", None)
            .pairs("Tags", vec![("k".into(), "v".into())]);
        assert_eq!(
            String::from_utf8(params.to_json()).unwrap(),
            r#"{"DurationSeconds":900,"RoleArn":"arn","Tags":[{"Key":"k","Value":"v"}]}"#
        );
        let mut encoded = Params::default();
        encoded
            .str("Name", "quote\"back\\slash\u{1}")
            .encoded("Policy", "%7B%22a%22%7D")
            .opt_encoded("Absent", None)
            .str("Name", "last wins");
        let body = String::from_utf8(encoded.to_json()).unwrap();
        assert_eq!(body, r#"{"Name":"last wins","Policy":"%7B%22a%22%7D"}"#);
        let mut escaped = Params::default();
        escaped.str("Name", "quote\"back\\slash\u{1}");
        let value: Value = serde_json::from_slice(&escaped.to_json()).unwrap();
        assert_eq!(value["Name"], "quote\"back\\slash\u{1}");
        assert_eq!(
            encoded.to_flat()[1],
            ("Policy".to_owned(), "%7B%22a%22%7D".to_owned())
        );
        assert_eq!(
            params.to_flat(),
            vec![
                ("RoleArn".to_owned(), "arn".to_owned()),
                ("DurationSeconds".to_owned(), "900".to_owned()),
                ("Tags.0.Key".to_owned(), "k".to_owned()),
                ("Tags.0.Value".to_owned(), "v".to_owned()),
            ]
        );
    }
}

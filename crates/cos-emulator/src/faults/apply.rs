//! Where faults meet the COS request path: [`Fault::choose`] before routing,
//! [`Fault::answer_instead`] in place of the handler, [`Fault::reshape`] on the answer.

use super::{Action, FaultPlan, Faults, SeenRequest, plan::KEPT_BODY};
use crate::cos::error::CosError;
use crate::http::body::{self, CutBody, FramePoll, FrameSource, ResBody};
use bytes::{Bytes, BytesMut};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt as _;
use hyper::body::{Body, Incoming, SizeHint};
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Marks a response whose connection is closed instead of answering
/// ([`Action::DropReply`]); the server honours it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The fault chosen for one COS request.
#[derive(Debug)]
pub(crate) struct Fault {
    action: Option<Action>,
    record: Option<(FaultPlan, usize)>,
}

/// How long a stalled body stays silent before the connection is cut anyway.
const STALL: Duration = Duration::from_secs(60);
/// How long draining the body of a request answered by the plan may wait for each chunk.
const DRAIN_IDLE: Duration = Duration::from_secs(10);

impl Fault {
    /// Records the request in the plan, picks its fault (a scripted rule first, else a random
    /// draw; never a random one for CORS preflights) and waits out any latency.
    pub(crate) async fn choose(faults: &Faults, req: &Request<Incoming>) -> Self {
        if !faults.added_latency().is_zero() {
            tokio::time::sleep(faults.added_latency()).await;
        }
        let (record, scripted) = match faults.fault_plan() {
            Some(plan) => {
                let seen = SeenRequest::new(req.method(), req.uri(), req.headers());
                let (index, action) = plan.choose(seen);
                (Some((plan.clone(), index)), action)
            }
            None => (None, None),
        };
        let action = scripted.or_else(|| {
            if req.method() == Method::OPTIONS {
                None
            } else {
                faults.draw()
            }
        });
        if let Some(chosen) = &action {
            crate::admin::record::note_fault(req, chosen);
        }
        if let Some(Action::Latency(delay)) = &action {
            tokio::time::sleep(*delay).await;
        }
        Self { action, record }
    }

    /// The plan's own answer when the fault is an error (the request body is drained, and
    /// kept in the record when small); otherwise the request, to be handled as usual.
    pub(crate) async fn answer_instead(
        &self,
        req: Request<Incoming>,
        resource: &str,
        request_id: &str,
    ) -> Result<Response<ResBody>, Request<Incoming>> {
        let error = match &self.action {
            Some(Action::Error {
                status,
                code,
                message,
            }) => CosError::new(*status, code, message.clone()),
            Some(Action::ErrorIn200 { code, message }) => {
                CosError::new(StatusCode::OK, code, message.clone())
            }
            _ => return Err(req),
        };
        let head = req.method() == Method::HEAD;
        let (kept, len) = drain(req.into_body()).await;
        self.update(|seen| seen.set_body(kept, len));
        Ok(error.into_response(resource, request_id, head))
    }

    /// Applies the fault to the emulator's answer, and records the answer.
    pub(crate) async fn reshape(&self, mut response: Response<ResBody>) -> Response<ResBody> {
        match &self.action {
            Some(Action::CorruptCrc) => response = corrupt_crc(response).await,
            Some(Action::CutBody) => response = cut_halfway(response, false),
            Some(Action::StallBody) => response = cut_halfway(response, true),
            Some(Action::DropReply) => {
                response.extensions_mut().insert(DropConnection);
            }
            _ => {}
        }
        let dropped = matches!(self.action, Some(Action::DropReply));
        self.update(|seen| {
            if !dropped {
                seen.set_response(response.status(), response.headers());
            }
        });
        response
    }

    fn update(&self, change: impl FnOnce(&mut SeenRequest)) {
        if let Some((plan, index)) = &self.record {
            plan.complete(*index, change);
        }
    }
}

/// Reads a request body to its end (or until it stalls), keeping the first bytes.
async fn drain(incoming: Incoming) -> (Option<Bytes>, u64) {
    let mut incoming = body::RequestBody::new(
        incoming,
        body::BodyDeadline {
            idle: DRAIN_IDLE,
            grace: DRAIN_IDLE,
            min_rate: 0,
        },
    );
    let mut kept = BytesMut::new();
    let mut len = 0u64;
    let mut complete = true;
    while let Ok(Some(chunk)) = incoming
        .next_chunk()
        .await
        .inspect_err(|_| complete = false)
    {
        len += chunk.len() as u64;
        let room = KEPT_BODY.saturating_sub(kept.len());
        kept.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
    }
    let whole = complete && len <= KEPT_BODY as u64;
    (whole.then(|| kept.freeze()), len)
}

/// Flips the low bit of the reported CRC-64, in the header and in a small XML body.
async fn corrupt_crc(response: Response<ResBody>) -> Response<ResBody> {
    let (mut parts, inner) = response.into_parts();
    const CRC_HEADER: &str = "x-cos-hash-crc64ecma";
    if let Some(crc) = parts
        .headers
        .get(CRC_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        parts.headers.insert(CRC_HEADER, HeaderValue::from(crc ^ 1));
    }
    let small = inner
        .size_hint()
        .exact()
        .is_some_and(|n| n > 0 && n <= KEPT_BODY as u64);
    if !small {
        return Response::from_parts(parts, inner);
    }
    let Ok(collected) = inner.collect().await else {
        return Response::from_parts(parts, body::empty());
    };
    let text = String::from_utf8_lossy(&collected.to_bytes()).into_owned();
    let rewritten = flip_xml_crc(&text).unwrap_or(text);
    parts.headers.insert(
        http::header::CONTENT_LENGTH,
        HeaderValue::from(rewritten.len()),
    );
    Response::from_parts(parts, body::full(rewritten))
}

/// `<CRC64>n</CRC64>` with `n ^ 1`, if the document has one.
fn flip_xml_crc(xml: &str) -> Option<String> {
    let start = xml.find("<CRC64>")? + "<CRC64>".len();
    let end = start + xml.get(start..)?.find("</CRC64>")?;
    let crc: u64 = xml.get(start..end)?.parse().ok()?;
    Some(format!(
        "{}{}{}",
        xml.get(..start)?,
        crc ^ 1,
        xml.get(end..)?
    ))
}

/// Sends half of the body, then cuts the connection (or, with `stall`, goes silent).
fn cut_halfway(response: Response<ResBody>, stall: bool) -> Response<ResBody> {
    let len = response.body().size_hint().exact().unwrap_or(0);
    if len <= 1 {
        return response;
    }
    let (parts, inner) = response.into_parts();
    let cut = CutBody::new(inner, len / 2);
    let body = if stall {
        StalledBody { cut, silence: None }.into_body()
    } else {
        cut.into_body()
    };
    Response::from_parts(parts, body)
}

/// A cut body that, where the cut would break the connection, first stays silent for
/// [`STALL`].
struct StalledBody {
    cut: CutBody,
    silence: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl FrameSource for StalledBody {
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> FramePoll {
        let this = self;
        if let Some(silence) = this.silence.as_mut() {
            return match silence.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "fault injection: body stalled",
                )))),
            };
        }
        match this.cut.poll_frame(cx) {
            Poll::Ready(Some(Err(_))) => {
                let mut silence = Box::pin(tokio::time::sleep(STALL));
                let _ = silence.as_mut().poll(cx);
                this.silence = Some(silence);
                Poll::Pending
            }
            other => other,
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.cut.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xml_crc_is_flipped_in_place() {
        let xml = "<CopyPartResult><ETag>e</ETag><CRC64>10</CRC64></CopyPartResult>";
        assert_eq!(
            flip_xml_crc(xml).as_deref(),
            Some("<CopyPartResult><ETag>e</ETag><CRC64>11</CRC64></CopyPartResult>")
        );
        assert_eq!(flip_xml_crc("<A/>"), None);
        assert_eq!(flip_xml_crc("<CRC64>x</CRC64>"), None);
    }
}

//! What the proxy sends back: the canned answers of the faults that answer in the API's
//! place, a body sent slowly, and a request forwarded to the API.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::Fault;

pub(super) type Body = BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// Why a connection is closed without an answer ([`Fault::Reset`], or the upstream failed).
#[derive(Debug)]
pub(super) struct Closed(pub(super) &'static str);

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Closed {}

/// The answer of a fault that answers in the API's place (the request is not forwarded).
pub(super) fn canned(fault: Fault, aws_json: bool) -> Option<hyper::Response<Body>> {
    Some(match fault {
        Fault::Throttle if aws_json => reply(
            400,
            "application/x-amz-json-1.1",
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            &[("x-amzn-errortype", "ThrottlingException")],
        ),
        Fault::Throttle => reply(
            429,
            "application/json",
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
            &[("retry-after", "1")],
        ),
        Fault::ServerError => reply(
            500,
            "application/x-amz-json-1.1",
            r#"{"__type":"InternalFailure","message":"We encountered an internal error. Please try again."}"#,
            &[("x-amzn-errortype", "InternalFailure")],
        ),
        Fault::Unavailable => reply(503, "text/plain", "Service Unavailable", &[]),
        Fault::NotJson => reply(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
            &[],
        ),
        Fault::SecondaryRateLimit => reply(
            403,
            "application/json",
            r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}"#,
            &[("retry-after", "1")],
        ),
        Fault::ExpiredToken => reply(
            400,
            "application/x-amz-json-1.1",
            r#"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#,
            &[("x-amzn-errortype", "ExpiredTokenException")],
        ),
        _ => return None,
    })
}

pub(super) fn reply(
    status: u16,
    content_type: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> hyper::Response<Body> {
    let mut response = hyper::Response::builder()
        .status(status)
        .header("content-type", content_type);
    for (k, v) in headers {
        response = response.header(*k, *v);
    }
    response
        .body(full(Bytes::from(body.to_owned())))
        .expect("a valid response")
}

pub(super) fn full(bytes: Bytes) -> Body {
    Full::new(bytes)
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// `bytes` in up to eight pieces, each after a pause, the last one `over` after the headers.
pub(super) fn slow(bytes: Bytes, over: Duration) -> Body {
    let step = bytes.len().div_ceil(bytes.len().clamp(1, 8)).max(1);
    let pieces = bytes.len().div_ceil(step).max(1);
    let pause = over / u32::try_from(pieces).unwrap_or(8);
    let stream = futures_util::stream::unfold(Some(bytes), move |rest| async move {
        let mut rest = rest?;
        tokio::time::sleep(pause).await;
        let piece = rest.split_to(step.min(rest.len()));
        let next = (!rest.is_empty()).then_some(rest);
        Some((
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Frame::data(piece)),
            next,
        ))
    });
    StreamBody::new(stream).boxed()
}

pub(super) async fn forward(
    upstream: SocketAddr,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<hyper::Response<Body>, Closed> {
    let stream = TcpStream::connect(upstream)
        .await
        .map_err(|_| Closed("the upstream refused the connection"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Closed("the upstream connection failed"))?;
    tokio::spawn(connection);
    let request = hyper::Request::from_parts(parts, Full::new(body));
    let response = sender
        .send_request(request)
        .await
        .map_err(|_| Closed("the upstream did not answer"))?;
    let (head, body) = response.into_parts();
    let bytes = body
        .collect()
        .await
        .map_err(|_| Closed("the upstream body could not be read"))?
        .to_bytes();
    Ok(hyper::Response::from_parts(head, full(bytes)))
}

//! Reading a streamed answer as it arrives: an InvokeWithResponseStream
//! event stream, or a function URL's body. Every byte is counted into
//! `data_received` as it comes, every chunk handed on as it is decoded.
//!
//! Once a 2xx answer has begun, no failure is retried (`not_retryable`):
//! the function ran, and another attempt would run it again.

use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::eventstream::{DecodeError, Decoder, InvokeComplete, ResponseEvent};
use super::{Progress, StreamResponse, UrlResponse};
use crate::error::{error_chain, k6_code, service_error, InvokeError};
use crate::limits::{error_message, read_at_most, MAX_ERROR_BODY};
use crate::metering::Traffic;
use crate::report::Report;
use crate::response::decode_log;

pub const EVENT_STREAM_TYPE: &str = "application/vnd.amazon.eventstream";

/// How long to wait, after InvokeComplete, for the end of the body, so
/// that the connection goes back to the pool (a body dropped before its
/// end closes it). The end normally comes with the last event.
const DRAIN: Duration = Duration::from_millis(100);

/// "HTTP/1.1 200 OK\r\n" + headers + "\r\n", as `response::read` counts.
fn head_len(parts: &http::response::Parts) -> u64 {
    let headers: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (17 + headers + 2) as u64
}

fn header<'a>(parts: &'a http::response::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// An answer that began and then failed: a network error (k6's 1000, the
/// answer could not be read), never retried.
fn broken(status: u16, what: String) -> InvokeError {
    let mut error = InvokeError::network(
        "GeneralError",
        k6_code::GENERIC,
        format!("invalid response (HTTP {status}): {what}"),
    );
    error.not_retryable = true;
    error
}

/// Reads an error answer's body, to `limits::MAX_ERROR_BODY` (and one
/// byte more, which says there is more: not read), into a service error.
async fn error_answer(
    parts: http::response::Parts,
    mut body: Incoming,
    traffic: &Traffic,
) -> InvokeError {
    let status = parts.status.as_u16();
    match read_at_most(&mut body, MAX_ERROR_BODY).await {
        Ok(body) => {
            traffic.add_received(body.len() as u64);
            service_error(status, |name| header(&parts, name), &body)
        }
        Err(e) => InvokeError::network(
            "GeneralError",
            k6_code::GENERIC,
            format!("invalid response (HTTP {status}): {}", error_chain(&e)),
        ),
    }
}

/// Reads InvokeWithResponseStream's answer: a service error (any status
/// from 300), or the event stream of a 2xx, its chunks handed to
/// `progress` as they are decoded, up to InvokeComplete.
pub(crate) async fn event_stream(
    answer: http::Response<Incoming>,
    traffic: &Traffic,
    progress: &mut Progress<'_>,
) -> Result<StreamResponse, InvokeError> {
    let (parts, mut body) = answer.into_parts();
    traffic.add_received(head_len(&parts));
    let status = parts.status.as_u16();
    if status >= 300 {
        return Err(error_answer(parts, body, traffic).await);
    }
    progress.began = true;
    let mut response = StreamResponse {
        status_code: status,
        executed_version: header(&parts, "x-amz-executed-version").map(str::to_owned),
        content_type: header(&parts, "x-amzn-remapped-content-type").map(str::to_owned),
        payload: String::new(),
        log_result: None,
        report: None,
        error_code: None,
        error_details: None,
    };
    let content_type = header(&parts, "content-type").unwrap_or(EVENT_STREAM_TYPE);
    if status == 204 {
        // DryRun: no stream at all.
        drain(&mut body, traffic).await;
        return Ok(response);
    }
    if !content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with(EVENT_STREAM_TYPE)
    {
        return Err(broken(
            status,
            format!(
                "the answer is `{content_type}`, not an event stream ({EVENT_STREAM_TYPE}): \
                 does this endpoint implement InvokeWithResponseStream?"
            ),
        ));
    }

    let mut decoder = Decoder::new();
    let complete = 'stream: loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue; // trailers
                };
                traffic.add_received(data.len() as u64);
                decoder.push(&data);
                loop {
                    let message = match decoder.next_message() {
                        Ok(Some(message)) => message,
                        Ok(None) => break,
                        Err(e) => return Err(undecodable(status, &e, progress)),
                    };
                    match ResponseEvent::from_message(message) {
                        Ok(ResponseEvent::Chunk(chunk)) => {
                            progress.deliver(chunk, traffic).map_err(|too_large| {
                                too_large.error(status, Some(&progress.so_far()))
                            })?
                        }
                        Ok(ResponseEvent::Complete(complete)) => break 'stream complete,
                        Ok(ResponseEvent::Exception { kind, message }) => {
                            return Err(in_stream_error(&parts, kind, message, progress))
                        }
                        Ok(ResponseEvent::Error { code, message }) => {
                            return Err(in_stream_error(&parts, code, message, progress))
                        }
                        Ok(ResponseEvent::Unknown { .. }) => {}
                        Err(e) => return Err(undecodable(status, &e, progress)),
                    }
                }
            }
            Some(Err(e)) => {
                let mut what = format!(
                    "the event stream broke off {}: {}",
                    progress.so_far(),
                    error_chain(&e)
                );
                if let Err(cut) = decoder.finish() {
                    what.push_str(&format!("; {cut}"));
                }
                return Err(broken(status, what));
            }
            None => {
                return Err(broken(
                    status,
                    match decoder.finish() {
                        Err(cut) => format!("{cut}, {}, without InvokeComplete", progress.so_far()),
                        Ok(()) => format!(
                            "the event stream ended {} without InvokeComplete: the function's \
                             result is unknown",
                            progress.so_far()
                        ),
                    },
                ))
            }
        }
    };
    drain(&mut body, traffic).await;
    let InvokeComplete {
        error_code,
        error_details,
        log_result,
    } = complete;
    response.log_result = log_result
        .filter(|log| !log.is_empty())
        .map(|log| decode_log(&log));
    response.report = response.log_result.as_deref().and_then(Report::from_log);
    response.error_code = error_code.filter(|c| !c.is_empty());
    response.error_details = error_details.filter(|d| !d.is_empty());
    response.payload = progress.take_payload();
    Ok(response)
}

fn undecodable(status: u16, error: &DecodeError, progress: &Progress<'_>) -> InvokeError {
    broken(status, format!("{error} ({})", progress.so_far()))
}

/// An `exception` or `error` message: the service failed after the 200.
/// A service error named after its type, with no status code (it came
/// inside a 200), never retried.
fn in_stream_error(
    parts: &http::response::Parts,
    kind: String,
    message: String,
    progress: &Progress<'_>,
) -> InvokeError {
    let mut error = InvokeError::service(
        kind,
        format!(
            "{} (in the event stream, {})",
            error_message(message, false),
            progress.so_far()
        ),
        parts.status.as_u16(),
        header(parts, "x-amzn-requestid").map(str::to_owned),
    );
    error.status_code = None;
    error.not_retryable = true;
    error
}

/// Reads what is left of a body if it ends at once, so that the
/// connection can be reused; gives up after [`DRAIN`] (the connection is
/// then closed when the body is dropped).
async fn drain(body: &mut Incoming, traffic: &Traffic) {
    let rest = async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                traffic.add_received(data.len() as u64);
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN, rest).await;
}

/// Reads a function URL's answer, whatever its status: each piece of the
/// body handed to `progress` as it arrives.
pub(crate) async fn url_body(
    answer: http::Response<Incoming>,
    traffic: &Traffic,
    progress: &mut Progress<'_>,
) -> Result<UrlResponse, InvokeError> {
    let (parts, mut body) = answer.into_parts();
    traffic.add_received(head_len(&parts));
    let status = parts.status.as_u16();
    // Any answer is the function's (or the URL's): no retry from here.
    progress.began = true;
    loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                traffic.add_received(data.len() as u64);
                if !data.is_empty() {
                    progress
                        .deliver(data, traffic)
                        .map_err(|too_large| too_large.error(status, Some(&progress.so_far())))?;
                }
            }
            Some(Err(e)) => {
                return Err(broken(
                    status,
                    format!(
                        "the body broke off {}: {}",
                        progress.so_far(),
                        error_chain(&e)
                    ),
                ))
            }
            None => break,
        }
    }
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    Ok(UrlResponse {
        status_code: status,
        headers,
        payload: progress.take_payload(),
    })
}

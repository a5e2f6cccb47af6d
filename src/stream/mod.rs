//! Answers that arrive in pieces: Lambda's InvokeWithResponseStream
//! (`Client::invoke_stream`) and requests to Lambda function URLs
//! (`Client::invoke_url`).
//!
//! Both hand each piece to a callback as it arrives ([`StreamEvent`]), and
//! end with a [`Streamed`] outcome: the response (or the error), what was
//! received before the end ([`StreamStats`]: pieces, time to the first)
//! and the wire statistics, as `Invoked` has them for `invoke`.
//!
//! - [`eventstream`]: the `application/vnd.amazon.eventstream` decoder.
//! - [`request`]: what may be sent, validated before anything is.
//! - [`read`]: reading a streamed answer as it arrives.

pub mod eventstream;
pub(crate) mod read;
pub mod request;

use std::time::Instant;

use bytes::Bytes;
use serde::Serialize;

use crate::error::InvokeError;
use crate::metering::Traffic;
use crate::outcome::WireStats;
use crate::report::Report;

pub use request::{UrlRequest, ValidStreamRequest, ValidUrlRequest};

/// What the callback of a streamed call receives, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// A piece of the answer, as it arrived: a `PayloadChunk` of
    /// InvokeWithResponseStream (empty ones included), or a piece of a
    /// function URL's body as the connection delivered it (never empty).
    Chunk(Bytes),
}

/// What a streamed call received before it ended, however it ended (a
/// failure mid-stream, a cancellation or a timeout included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamStats {
    /// Chunks handed to the callback.
    pub chunks: u64,
    /// Their bytes, together.
    pub payload_bytes: u64,
    /// From the first attempt's hand-over to the HTTP client (the start of
    /// `WireStats::duration_ns`) to the first chunk's arrival (decoded, for
    /// an event stream). None: no chunk arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_first_chunk_ns: Option<u64>,
}

/// The answer of InvokeWithResponseStream, once `InvokeComplete` came.
///
/// A function error is a response too (with `error_code` set), not an
/// `Err`, as `InvocationResponse::function_error` is for `invoke`: the
/// caller decides how to surface it, with what was streamed before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamResponse {
    /// 200; 204 for DryRun (which streams nothing).
    pub status_code: u16,
    /// `X-Amz-Executed-Version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed_version: Option<String>,
    /// The function's own content type (`X-Amzn-Remapped-Content-Type`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The chunks joined, as text (invalid UTF-8 replaced).
    pub payload: String,
    /// The decoded `LogResult` of InvokeComplete (the last 4 KB of the
    /// log, with `LogType::Tail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_result: Option<String>,
    /// Lambda's REPORT line, from the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// InvokeComplete's `ErrorCode`: the function failed (the error's type,
    /// e.g. `Runtime.ExitError` or the function's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// InvokeComplete's `ErrorDetails` (usually the runtime's JSON error,
    /// `{"errorType": ..., "errorMessage": ...}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_details: Option<String>,
}

/// A function URL's answer: whatever the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UrlResponse {
    pub status_code: u16,
    /// As received, in order, names in lower case; a header sent several
    /// times appears several times. (Serialized as an object whose
    /// repeated names have their values joined with ", ", as k6's
    /// `http` responses give them.)
    #[serde(serialize_with = "headers_object")]
    pub headers: Vec<(String, String)>,
    /// The body, as text (invalid UTF-8 replaced).
    pub payload: String,
}

impl UrlResponse {
    /// The first value of a header (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn headers_object<S: serde::Serializer>(
    headers: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut joined: std::collections::BTreeMap<&str, String> = Default::default();
    for (name, value) in headers {
        joined
            .entry(name)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    serializer.collect_map(joined)
}

/// The outcome of a streamed call: the response or the error, what was
/// received before it ended, and what it did on the network.
#[derive(Debug)]
pub struct Streamed<T> {
    pub result: Result<T, InvokeError>,
    pub stats: StreamStats,
    pub wire: WireStats,
}

impl<T: Serialize> Streamed<T> {
    /// As `Invoked::to_json`: the response's fields or `error`, then
    /// `chunks`, `payloadBytes`, `timeToFirstChunkNs` and the wire
    /// statistics, in one object.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Completion<'a, T> {
            #[serde(flatten, skip_serializing_if = "Option::is_none")]
            response: Option<&'a T>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a InvokeError>,
            #[serde(flatten)]
            stats: &'a StreamStats,
            #[serde(flatten)]
            wire: &'a WireStats,
        }
        let completion = Completion {
            response: self.result.as_ref().ok(),
            error: self.result.as_ref().err(),
            stats: &self.stats,
            wire: &self.wire,
        };
        // Sized for the payload it carries at once: growing by doubling
        // would copy it several times and hold up to twice its size
        // (a 64 MiB stream's JSON made a 128 MiB buffer).
        let mut json = Vec::with_capacity(
            usize::try_from(self.stats.payload_bytes)
                .unwrap_or(0)
                .saturating_add(1024),
        );
        match serde_json::to_writer(&mut json, &completion) {
            Ok(()) => json,
            Err(e) => InvokeError::internal(format!("cannot encode the outcome: {e}")).to_json(),
        }
    }
}

/// The state of a streamed call as its pieces arrive: it hands them to
/// the callback, joins them, counts them and times the first. Shared by
/// the attempts of one call (only the first attempt whose answer began
/// can deliver anything: no retry follows it).
pub(crate) struct Progress<'a> {
    on_event: &'a mut (dyn FnMut(StreamEvent) + Send),
    pub(crate) stats: StreamStats,
    payload: Vec<u8>,
    /// A 2xx answer began: nothing may be retried from here on.
    pub(crate) began: bool,
    /// The most payload taken: `limits::MAX_STREAMED_RESPONSE`.
    limit: u64,
}

impl<'a> Progress<'a> {
    pub(crate) fn new(on_event: &'a mut (dyn FnMut(StreamEvent) + Send)) -> Self {
        Self {
            on_event,
            stats: StreamStats::default(),
            payload: Vec::new(),
            began: false,
            limit: crate::limits::MAX_STREAMED_RESPONSE,
        }
    }

    /// One chunk has arrived: counted, timed (the first), kept, handed on;
    /// or, when it would take the payload over Lambda's streamed response
    /// limit, refused (neither kept nor handed on): the caller stops
    /// reading there.
    pub(crate) fn deliver(
        &mut self,
        chunk: Bytes,
        traffic: &Traffic,
    ) -> Result<(), crate::limits::TooLarge> {
        if self.stats.payload_bytes + chunk.len() as u64 > self.limit {
            return Err(crate::limits::TooLarge::STREAMED);
        }
        if self.stats.time_to_first_chunk_ns.is_none() {
            let start = traffic.first_attempt().unwrap_or_else(Instant::now);
            self.stats.time_to_first_chunk_ns =
                Some(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
        self.stats.chunks += 1;
        self.stats.payload_bytes += chunk.len() as u64;
        self.payload.extend_from_slice(&chunk);
        (self.on_event)(StreamEvent::Chunk(chunk));
        Ok(())
    }

    /// The chunks joined, as text; leaves the buffer empty.
    pub(crate) fn take_payload(&mut self) -> String {
        let bytes = std::mem::take(&mut self.payload);
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// "after 3 chunks", for error messages.
    pub(crate) fn so_far(&self) -> String {
        match self.stats.chunks {
            0 => "before any chunk".into(),
            1 => "after 1 chunk".into(),
            n => format!("after {n} chunks"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completion_json_has_the_response_stats_and_wire() {
        let streamed = Streamed {
            result: Ok(UrlResponse {
                status_code: 200,
                headers: vec![
                    ("set-cookie".into(), "a=1".into()),
                    ("content-type".into(), "text/plain".into()),
                    ("set-cookie".into(), "b=2".into()),
                ],
                payload: "hi".into(),
            }),
            stats: StreamStats {
                chunks: 2,
                payload_bytes: 2,
                time_to_first_chunk_ns: Some(1500),
            },
            wire: WireStats::default(),
        };
        let json: serde_json::Value = serde_json::from_slice(&streamed.to_json()).unwrap();
        assert_eq!(json["statusCode"], 200);
        assert_eq!(json["headers"]["set-cookie"], "a=1, b=2");
        assert_eq!(json["headers"]["content-type"], "text/plain");
        assert_eq!(json["payload"], "hi");
        assert_eq!(json["chunks"], 2);
        assert_eq!(json["timeToFirstChunkNs"], 1500);
        assert_eq!(json["bytesSent"], 0);
        assert!(json.get("error").is_none());

        let failed: Streamed<StreamResponse> = Streamed {
            result: Err(InvokeError::cancelled()),
            stats: StreamStats {
                chunks: 1,
                payload_bytes: 8,
                time_to_first_chunk_ns: None,
            },
            wire: WireStats::default(),
        };
        let json: serde_json::Value = serde_json::from_slice(&failed.to_json()).unwrap();
        assert_eq!(json["error"]["kind"], "cancelled");
        assert_eq!(json["chunks"], 1);
        assert!(json.get("statusCode").is_none());
        assert!(json.get("timeToFirstChunkNs").is_none());
    }

    #[test]
    fn progress_counts_times_and_joins() {
        let traffic = Traffic::default();
        traffic.mark_attempt();
        let mut seen = Vec::new();
        let mut on_event = |event: StreamEvent| seen.push(event);
        let mut progress = Progress::new(&mut on_event);
        assert_eq!(progress.so_far(), "before any chunk");
        std::thread::sleep(std::time::Duration::from_millis(5));
        progress
            .deliver(Bytes::from_static(b"a\xff"), &traffic)
            .unwrap();
        let first = progress.stats.time_to_first_chunk_ns.unwrap();
        assert!(first >= 5_000_000, "{first}");
        progress
            .deliver(Bytes::from_static(b"b"), &traffic)
            .unwrap();
        assert_eq!(progress.stats.time_to_first_chunk_ns, Some(first));
        assert_eq!(progress.stats.chunks, 2);
        assert_eq!(progress.stats.payload_bytes, 3);
        assert_eq!(progress.so_far(), "after 2 chunks");
        assert_eq!(progress.take_payload(), "a\u{fffd}b");
        drop(progress);
        assert_eq!(seen.len(), 2);
    }

    /// The payload stops at the bound: the chunk that would pass it is
    /// refused, neither kept nor handed on (the real bound, 200 MiB, is
    /// tests/e2e/run_bounds.sh's).
    #[test]
    fn progress_refuses_a_chunk_past_the_bound() {
        assert_eq!(crate::limits::MAX_STREAMED_RESPONSE, 209_715_200);
        let traffic = Traffic::default();
        let mut seen = 0;
        let mut on_event = |_: StreamEvent| seen += 1;
        let mut progress = Progress::new(&mut on_event);
        progress.limit = 10;
        progress
            .deliver(Bytes::from_static(b"12345"), &traffic)
            .unwrap();
        progress
            .deliver(Bytes::from_static(b"67890"), &traffic)
            .unwrap();
        let refused = progress.deliver(Bytes::from_static(b"!"), &traffic);
        assert_eq!(refused, Err(crate::limits::TooLarge::STREAMED));
        assert_eq!(
            (progress.stats.chunks, progress.stats.payload_bytes),
            (2, 10)
        );
        assert_eq!(progress.take_payload(), "1234567890");
        drop(progress);
        assert_eq!(seen, 2);
        let message = crate::limits::TooLarge::STREAMED.error(200, Some("after 2 chunks"));
        assert_eq!(
            message.message,
            "invalid response (HTTP 200): the streamed payload is over 209,715,200 bytes, the \
             most Lambda streams in one response (200 MB): reading stopped there (after 2 chunks)"
        );
    }
}

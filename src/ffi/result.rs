//! A completion as the queue hands it over: a flat `#[repr(C)]` result the
//! caller reads field by field, pointing into memory the completion owns.
//!
//! Why not JSON: on the success path the caller needs a status, a few
//! short strings, the payload, numbers; encoding them as JSON here and
//! decoding there cost CPU and allocations on both sides and copied the
//! payload twice more. Errors (the rare path, with many optional fields)
//! still travel as the error's JSON.
//!
//! Streamed calls (InvokeWithResponseStream, function URLs) put a
//! completion per chunk on the queue, then one with their outcome. That
//! outcome is JSON (`Streamed::to_json`): it comes once per call, after
//! chunks that carry the bytes, and has fields `LambdaResult` lacks
//! (headers, an error code with details, chunk statistics).

use bytes::Bytes;

use super::live::{self, Token};
use crate::error::InvokeError;
use crate::outcome::Invoked;

/// UTF-8 text owned by a completion: `len` bytes at `ptr`, not
/// NUL-terminated. `ptr` is NULL when the field is absent.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LambdaText {
    pub ptr: *const u8,
    pub len: usize,
}

impl LambdaText {
    pub(crate) const ABSENT: Self = Self {
        ptr: std::ptr::null(),
        len: 0,
    };

    pub(crate) fn of(text: &[u8]) -> Self {
        Self {
            ptr: text.as_ptr(),
            len: text.len(),
        }
    }

    fn optional(text: Option<&str>) -> Self {
        text.map_or(Self::ABSENT, |t| Self::of(t.as_bytes()))
    }
}

/// One invocation's outcome. Valid until its completion is freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LambdaResult {
    /// NULL when Lambda answered (a function error included); else the
    /// error as JSON: `{"kind", "name", "code", "message", ...}`, the
    /// object under `error` in `LambdaCompletionCallback`'s JSON.
    pub error_json: LambdaText,
    /// 200, 202 or 204 when Lambda answered.
    pub status_code: u16,
    /// The invocation reached the network (then `duration_ns` is set).
    pub on_wire: bool,
    /// The `report_*` fields are set (a Tail log with a REPORT).
    pub has_report: bool,
    /// `report_init_duration_ms` is set (a cold start).
    pub has_init_duration: bool,
    /// `report_restore_duration_ms` is set (a SnapStart restore).
    pub has_restore_duration: bool,
    /// `report_billed_restore_duration_ms` is set.
    pub has_billed_restore_duration: bool,
    pub payload: LambdaText,
    pub executed_version: LambdaText,
    pub function_error: LambdaText,
    pub log_result: LambdaText,
    /// `X-Amz-Durable-Execution-Arn`, when Lambda sent it.
    pub durable_execution_arn: LambdaText,
    pub report_duration_ms: f64,
    pub report_billed_duration_ms: f64,
    pub report_memory_size_mb: f64,
    pub report_max_memory_used_mb: f64,
    pub report_init_duration_ms: f64,
    pub report_restore_duration_ms: f64,
    pub report_billed_restore_duration_ms: f64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub duration_ns: u64,
    /// When it ended, Unix nanoseconds; 0 when it never started.
    pub end_unix_ns: u64,
}

impl LambdaResult {
    /// Nothing set: no error, no status, every text absent, every figure 0.
    pub(crate) const EMPTY: Self = Self {
        error_json: LambdaText::ABSENT,
        status_code: 0,
        on_wire: false,
        has_report: false,
        has_init_duration: false,
        has_restore_duration: false,
        has_billed_restore_duration: false,
        payload: LambdaText::ABSENT,
        executed_version: LambdaText::ABSENT,
        function_error: LambdaText::ABSENT,
        log_result: LambdaText::ABSENT,
        durable_execution_arn: LambdaText::ABSENT,
        report_duration_ms: 0.0,
        report_billed_duration_ms: 0.0,
        report_memory_size_mb: 0.0,
        report_max_memory_used_mb: 0.0,
        report_init_duration_ms: 0.0,
        report_restore_duration_ms: 0.0,
        report_billed_restore_duration_ms: 0.0,
        bytes_sent: 0,
        bytes_received: 0,
        duration_ns: 0,
        end_unix_ns: 0,
    };
}

/// What a completion carries, which says which of its fields are set.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaCompletionKind {
    /// An invocation started with `lambda_client_invoke_queued` ended:
    /// `result` holds its outcome. The last completion of its user data.
    Invoked = 0,
    /// A chunk of a streamed call, as it arrived: `bytes` holds it (it may
    /// be empty), `gap_ns` the time since the call's previous chunk (0 for
    /// the first). More completions of its user data follow.
    Chunk = 1,
    /// A streamed call ended: `bytes` holds its outcome as JSON (see
    /// `lambda_client_invoke_stream_queued`). The last completion of its
    /// user data.
    Streamed = 2,
}

/// How an invocation ended, as its task delivers it.
#[derive(Debug)]
pub(crate) enum Finished {
    /// It ran: a response or an error, with its wire statistics.
    Invoked(Invoked),
    /// Cancelled, or a caught panic: no statistics.
    Failed(InvokeError),
    /// A streamed call ended (however it did): its outcome's JSON.
    Streamed(Vec<u8>),
}

impl Finished {
    /// The JSON of `LambdaCompletionCallback`.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        match self {
            Self::Invoked(invoked) => invoked.to_json(),
            Self::Failed(error) => error.to_json(),
            Self::Streamed(json) => json.clone(),
        }
    }
}

/// What a completion holds: an outcome, or a chunk of a streamed call.
/// The outcome is boxed: a response is some 250 bytes, and a stream's
/// many chunk completions need not each be that large.
#[derive(Debug)]
enum Content {
    Finished(Box<Finished>),
    Chunk { bytes: Bytes, gap_ns: u64 },
}

impl Content {
    fn finished(&self) -> Option<&Finished> {
        match self {
            Self::Finished(finished) => Some(finished),
            Self::Chunk { .. } => None,
        }
    }
}

/// What a queued completion owns; its `LambdaResult` points into it.
/// Opaque to the caller, who frees it with `lambda_completions_free`.
pub struct LambdaCompletionData {
    content: Content,
    error_json: Option<Vec<u8>>,
    _live: Token,
}

impl LambdaCompletionData {
    pub(crate) fn new(finished: Finished) -> Box<Self> {
        let error = match &finished {
            Finished::Invoked(invoked) => invoked.result.as_ref().err(),
            Finished::Failed(error) => Some(error),
            Finished::Streamed(_) => None,
        };
        let error_json = error.map(|e| {
            serde_json::to_vec(e).unwrap_or_else(|_| {
                br#"{"kind":"internal","name":"InternalError","code":"Internal","message":"cannot encode the error"}"#.to_vec()
            })
        });
        Box::new(Self {
            content: Content::Finished(Box::new(finished)),
            error_json,
            _live: live::COMPLETIONS.token(),
        })
    }

    pub(crate) fn chunk(bytes: Bytes, gap_ns: u64) -> Box<Self> {
        Box::new(Self {
            content: Content::Chunk { bytes, gap_ns },
            error_json: None,
            _live: live::COMPLETIONS.token(),
        })
    }

    pub(crate) fn kind(&self) -> LambdaCompletionKind {
        match self.content.finished() {
            Some(Finished::Streamed(_)) => LambdaCompletionKind::Streamed,
            Some(_) => LambdaCompletionKind::Invoked,
            None => LambdaCompletionKind::Chunk,
        }
    }

    /// A chunk's bytes, or a streamed call's outcome JSON; else absent.
    pub(crate) fn bytes(&self) -> LambdaText {
        match &self.content {
            Content::Chunk { bytes, .. } => LambdaText::of(bytes),
            Content::Finished(finished) => match finished.as_ref() {
                Finished::Streamed(json) => LambdaText::of(json),
                Finished::Invoked(_) | Finished::Failed(_) => LambdaText::ABSENT,
            },
        }
    }

    pub(crate) fn gap_ns(&self) -> u64 {
        match &self.content {
            Content::Chunk { gap_ns, .. } => *gap_ns,
            Content::Finished(_) => 0,
        }
    }

    /// The flat view, borrowing from `self`.
    pub(crate) fn result(&self) -> LambdaResult {
        let mut result = LambdaResult {
            error_json: self
                .error_json
                .as_deref()
                .map_or(LambdaText::ABSENT, LambdaText::of),
            ..LambdaResult::EMPTY
        };
        let Some(Finished::Invoked(invoked)) = self.content.finished() else {
            return result;
        };
        let wire = &invoked.wire;
        result.bytes_sent = wire.bytes_sent;
        result.bytes_received = wire.bytes_received;
        result.on_wire = wire.duration_ns.is_some();
        result.duration_ns = wire.duration_ns.unwrap_or(0);
        result.end_unix_ns = wire.end_unix_ns;
        if let Ok(response) = &invoked.result {
            result.status_code = response.status_code;
            result.payload = LambdaText::of(response.payload.as_bytes());
            result.executed_version = LambdaText::optional(response.executed_version.as_deref());
            result.function_error = LambdaText::optional(response.function_error.as_deref());
            result.log_result = LambdaText::optional(response.log_result.as_deref());
            result.durable_execution_arn =
                LambdaText::optional(response.durable_execution_arn.as_deref());
            if let Some(report) = &response.report {
                result.has_report = true;
                result.report_duration_ms = report.duration_ms;
                result.report_billed_duration_ms = report.billed_duration_ms;
                result.report_memory_size_mb = report.memory_size_mb;
                result.report_max_memory_used_mb = report.max_memory_used_mb;
                if let Some(init) = report.init_duration_ms {
                    result.has_init_duration = true;
                    result.report_init_duration_ms = init;
                }
                if let Some(restore) = report.restore_duration_ms {
                    result.has_restore_duration = true;
                    result.report_restore_duration_ms = restore;
                }
                if let Some(billed) = report.billed_restore_duration_ms {
                    result.has_billed_restore_duration = true;
                    result.report_billed_restore_duration_ms = billed;
                }
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::WireStats;
    use crate::report::Report;
    use crate::response::InvocationResponse;

    fn text(t: LambdaText) -> Option<&'static str> {
        (!t.ptr.is_null()).then(|| unsafe {
            std::str::from_utf8(std::slice::from_raw_parts(t.ptr, t.len)).unwrap()
        })
    }

    #[test]
    fn a_response_is_flat_with_its_report_and_wire_statistics() {
        // A completion is counted live while it exists: not while the live
        // counts' tests compare theirs.
        let _serial = crate::ffi::TEST_LOCK
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let data = LambdaCompletionData::new(Finished::Invoked(Invoked {
            result: Ok(InvocationResponse {
                status_code: 200,
                executed_version: Some("$LATEST".into()),
                log_result: Some("REPORT".into()),
                payload: "3".into(),
                function_error: None,
                report: Some(Report {
                    duration_ms: 1.5,
                    billed_duration_ms: 2.0,
                    memory_size_mb: 128.0,
                    max_memory_used_mb: 20.0,
                    init_duration_ms: Some(100.25),
                    restore_duration_ms: None,
                    billed_restore_duration_ms: None,
                }),
                durable_execution_arn: None,
            }),
            wire: WireStats {
                bytes_sent: 10,
                bytes_received: 20,
                duration_ns: Some(30),
                end_unix_ns: 40,
            },
        }));
        let r = data.result();
        assert_eq!(text(r.error_json), None);
        assert_eq!((r.status_code, text(r.payload)), (200, Some("3")));
        assert_eq!(text(r.executed_version), Some("$LATEST"));
        assert_eq!(text(r.function_error), None);
        assert_eq!(text(r.log_result), Some("REPORT"));
        assert!(r.has_report && r.has_init_duration);
        assert!(!r.has_restore_duration && !r.has_billed_restore_duration);
        assert_eq!(text(r.durable_execution_arn), None);
        assert_eq!(
            (
                r.report_duration_ms,
                r.report_billed_duration_ms,
                r.report_init_duration_ms
            ),
            (1.5, 2.0, 100.25)
        );
        assert_eq!(
            (r.report_memory_size_mb, r.report_max_memory_used_mb),
            (128.0, 20.0)
        );
        assert!(r.on_wire);
        assert_eq!(
            (r.bytes_sent, r.bytes_received, r.duration_ns, r.end_unix_ns),
            (10, 20, 30, 40)
        );
    }

    /// A SnapStart restore's figures and a durable execution's ARN.
    #[test]
    fn a_restore_and_a_durable_execution_are_flat_too() {
        let _serial = crate::ffi::TEST_LOCK
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let data = LambdaCompletionData::new(Finished::Invoked(Invoked {
            result: Ok(InvocationResponse {
                status_code: 200,
                executed_version: Some("7".into()),
                log_result: None,
                payload: "{}".into(),
                function_error: None,
                report: Some(Report {
                    restore_duration_ms: Some(312.5),
                    billed_restore_duration_ms: Some(180.0),
                    ..Report::default()
                }),
                durable_execution_arn: Some("arn:aws:lambda:x".into()),
            }),
            wire: WireStats::default(),
        }));
        let r = data.result();
        assert!(r.has_report && !r.has_init_duration);
        assert!(r.has_restore_duration && r.has_billed_restore_duration);
        assert_eq!(
            (
                r.report_restore_duration_ms,
                r.report_billed_restore_duration_ms
            ),
            (312.5, 180.0)
        );
        assert_eq!(text(r.durable_execution_arn), Some("arn:aws:lambda:x"));
    }

    #[test]
    fn errors_come_as_their_json_and_a_cancellation_never_reached_the_wire() {
        // A completion is counted live while it exists: not while the live
        // counts' tests compare theirs.
        let _serial = crate::ffi::TEST_LOCK
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let data = LambdaCompletionData::new(Finished::Failed(InvokeError::cancelled()));
        let r = data.result();
        let error: serde_json::Value = serde_json::from_str(text(r.error_json).unwrap()).unwrap();
        assert_eq!(error["kind"], "cancelled");
        assert_eq!(error["name"], "CancelledError");
        assert!(!r.on_wire && !r.has_report);
        assert_eq!((r.status_code, r.end_unix_ns), (0, 0));
        assert_eq!(text(r.payload), None);
    }
}

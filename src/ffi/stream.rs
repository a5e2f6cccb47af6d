//! Starting streamed calls: InvokeWithResponseStream and requests to
//! Lambda function URLs. Their chunks and their outcome arrive on a
//! completion queue, in order: a `LAMBDA_COMPLETION_KIND_CHUNK` completion
//! per chunk as it arrives, then one `LAMBDA_COMPLETION_KIND_STREAMED`.
//!
//! Why the queue and not a callback per chunk: the chunks then reach the
//! caller as completions do, in batches on its own thread (see `queue`),
//! and in order with the outcome, which is pushed by the same task.

use std::ffi::c_char;
use std::time::Instant;

use super::boundary::{bytes, guard, text};
use super::invocation::{launch, read_request, refuse, LambdaInvocation, LambdaInvokeRequest};
use super::queue::{LambdaCompletionQueue, Shared};
use super::result::Finished;
use super::{LambdaClient, LambdaStatus};
use crate::error::InvokeError;
use crate::stream::{StreamEvent, UrlRequest, ValidStreamRequest};

/// One header of a function URL request, borrowed for the duration of the
/// call. UTF-8, given as pointer and length.
#[repr(C)]
pub struct LambdaHeader {
    pub name: *const u8,
    pub name_len: usize,
    pub value: *const u8,
    pub value_len: usize,
}

/// A request to a Lambda function URL, borrowed for the duration of
/// `lambda_client_invoke_url_queued`. Strings are UTF-8, given as pointer
/// and length; a zero length means "not set" (the pointer may then be
/// NULL).
#[repr(C)]
pub struct LambdaUrlRequest {
    /// `https://<url-id>.lambda-url.<region>.on.aws/path?query`.
    pub url: *const u8,
    pub url_len: usize,
    /// Any method; not set means GET, or POST with a body.
    pub method: *const u8,
    pub method_len: usize,
    /// The body's bytes, sent as they are.
    pub body: *const u8,
    pub body_len: usize,
    /// `headers_len` headers, sent in order and signed.
    pub headers: *const LambdaHeader,
    pub headers_len: usize,
}

/// Starts an InvokeWithResponseStream call and returns at once; its
/// chunks, then its outcome, are pushed to `queue` tagged with
/// `user_data`.
///
/// The request is as for `lambda_client_invoke` (an invocation type of
/// `RequestResponse` or `DryRun`). The outcome (`LAMBDA_COMPLETION_KIND_STREAMED`)
/// is JSON: `{"statusCode": 200, "executedVersion": "...", "contentType":
/// "...", "payload": "<the chunks joined>", "logResult": "...", "report":
/// {...}, "errorCode": "...", "errorDetails": "...", "chunks": 3,
/// "payloadBytes": 12, "timeToFirstChunkNs": 1500000, "bytesSent": 512,
/// "bytesReceived": 300, "durationNs": 1500000, "endUnixNs": ...}`
/// (absent fields omitted; `errorCode` is set when the function failed),
/// or `{"error": {...}, "chunks": ..., ...}` in the error shape of
/// `LambdaCompletionCallback`, with what came before the failure.
///
/// Returns as `lambda_client_invoke_queued` does.
///
/// # Safety
/// As `lambda_client_invoke_queued`.
#[no_mangle]
pub unsafe extern "C" fn lambda_client_invoke_stream_queued(
    client: *const LambdaClient,
    request: *const LambdaInvokeRequest,
    queue: *const LambdaCompletionQueue,
    user_data: usize,
    out_invocation: *mut *mut LambdaInvocation,
    out_error: *mut *mut c_char,
) -> LambdaStatus {
    guard(|| {
        let Some((client, queue)) = prepare(client, queue, out_invocation) else {
            return LambdaStatus::NullArgument;
        };
        let Some(request) = request.as_ref() else {
            return LambdaStatus::NullArgument;
        };
        let invalid = |e| (LambdaStatus::InvalidRequest, Some(e));
        let request =
            match read_request(request).and_then(|r| ValidStreamRequest::new(r).map_err(invalid)) {
                Ok(request) => request,
                Err(refusal) => return refuse(out_error, refusal),
            };
        let chunks = std::sync::Arc::clone(&queue);
        *out_invocation = launch(
            move |finished| queue.push(user_data, finished),
            streamed_failure,
            move |cancelled| async move {
                let on_event = chunk_pusher(chunks, user_data);
                let streamed = client
                    .invoke_stream(request, on_event, cancelled.notified())
                    .await;
                Finished::Streamed(streamed.to_json())
            },
        );
        LambdaStatus::Ok
    })
}

/// Starts a request to a Lambda function URL, signed with the client's
/// credentials and region (service `lambda`), and returns at once; the
/// body's pieces as they arrive, then the outcome, are pushed to `queue`
/// tagged with `user_data`.
///
/// The outcome is JSON: `{"statusCode": 200, "headers": {"content-type":
/// "..."}, "payload": "<the body>", "chunks": ..., "payloadBytes": ...,
/// "timeToFirstChunkNs": ..., "bytesSent": ..., ...}` for any HTTP answer
/// (header names in lower case, repeated ones joined with ", "), or the
/// error shape of `lambda_client_invoke_stream_queued`.
///
/// Returns as `lambda_client_invoke_queued` does (a URL, method or header
/// that cannot be sent is `LAMBDA_STATUS_INVALID_REQUEST`).
///
/// # Safety
/// As `lambda_client_invoke_queued`; `request` follows
/// `LambdaUrlRequest`'s rules.
#[no_mangle]
pub unsafe extern "C" fn lambda_client_invoke_url_queued(
    client: *const LambdaClient,
    request: *const LambdaUrlRequest,
    queue: *const LambdaCompletionQueue,
    user_data: usize,
    out_invocation: *mut *mut LambdaInvocation,
    out_error: *mut *mut c_char,
) -> LambdaStatus {
    guard(|| {
        let Some((client, queue)) = prepare(client, queue, out_invocation) else {
            return LambdaStatus::NullArgument;
        };
        let Some(request) = request.as_ref() else {
            return LambdaStatus::NullArgument;
        };
        let invalid = |e| (LambdaStatus::InvalidRequest, Some(e));
        let request = match read_url_request(request).and_then(|r| r.into_valid().map_err(invalid))
        {
            Ok(request) => request,
            Err(refusal) => return refuse(out_error, refusal),
        };
        let chunks = std::sync::Arc::clone(&queue);
        *out_invocation = launch(
            move |finished| queue.push(user_data, finished),
            streamed_failure,
            move |cancelled| async move {
                let on_event = chunk_pusher(chunks, user_data);
                let streamed = client
                    .invoke_url(request, on_event, cancelled.notified())
                    .await;
                Finished::Streamed(streamed.to_json())
            },
        );
        LambdaStatus::Ok
    })
}

/// The checks both entry points make first: the output pointer (cleared),
/// the client and the queue. None: a required pointer was NULL.
///
/// # Safety
/// As `lambda_client_invoke_queued`.
unsafe fn prepare(
    client: *const LambdaClient,
    queue: *const LambdaCompletionQueue,
    out_invocation: *mut *mut LambdaInvocation,
) -> Option<(crate::Client, std::sync::Arc<Shared>)> {
    if out_invocation.is_null() {
        return None;
    }
    *out_invocation = std::ptr::null_mut();
    let client = client.as_ref()?;
    let queue = queue.as_ref()?;
    Some((client.inner.clone(), queue.shared()))
}

/// A streamed call's failure outside its own reporting (a caught panic):
/// the outcome JSON in its error shape, so the caller still gets the
/// `LAMBDA_COMPLETION_KIND_STREAMED` completion it waits for.
fn streamed_failure(error: InvokeError) -> Finished {
    Finished::Streamed(error.to_json())
}

/// The callback that pushes each chunk to the queue as it arrives, with
/// the time since the previous one (timed here, when the reader hands it
/// over, not when the caller gets to it).
fn chunk_pusher(queue: std::sync::Arc<Shared>, user_data: usize) -> impl FnMut(StreamEvent) + Send {
    let mut previous: Option<Instant> = None;
    move |event| match event {
        StreamEvent::Chunk(bytes) => {
            let now = Instant::now();
            let gap = previous.map_or(0, |p| {
                u64::try_from(now.duration_since(p).as_nanos()).unwrap_or(u64::MAX)
            });
            previous = Some(now);
            queue.push_chunk(user_data, bytes, gap);
        }
    }
}

/// Copies a function URL request out of C memory.
///
/// # Safety
/// The pointers of `request` follow `LambdaUrlRequest`'s rules.
unsafe fn read_url_request(
    request: &LambdaUrlRequest,
) -> Result<UrlRequest, super::invocation::Refusal> {
    let plain = |status| (status, None);
    let url = text(request.url, request.url_len).map_err(plain)?;
    let method = text(request.method, request.method_len).map_err(plain)?;
    let body = bytes(request.body, request.body_len).map_err(plain)?;
    let headers: &[LambdaHeader] = if request.headers_len == 0 {
        &[]
    } else if request.headers.is_null() {
        return Err(plain(LambdaStatus::NullArgument));
    } else {
        std::slice::from_raw_parts(request.headers, request.headers_len)
    };
    let headers = headers
        .iter()
        .map(|h| {
            let name = text(h.name, h.name_len)?;
            let value = text(h.value, h.value_len)?;
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect::<Result<Vec<_>, LambdaStatus>>()
        .map_err(plain)?;
    Ok(UrlRequest {
        url: url.to_owned(),
        method: method.to_owned(),
        headers,
        body: body.to_vec(),
    })
}

//! Starting streamed calls: InvokeWithResponseStream and requests to
//! Lambda function URLs. Their chunks and their outcome arrive on a
//! completion queue, in order: a `LAMBDA_COMPLETION_KIND_CHUNK` completion
//! per chunk as it arrives, then one `LAMBDA_COMPLETION_KIND_STREAMED`.
//!
//! Why the queue and not a callback per chunk: the chunks then reach the
//! caller as completions do, in batches on its own thread (see `queue`),
//! and in order with the outcome, which is pushed by the same task.

use std::ffi::c_char;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Notify;

use super::boundary::{bytes, guard, text};
use super::invocation::{
    accept, hand_over, invalid, launch, read_request, required, Handle, LambdaInvocation,
    LambdaInvokeRequest, Refusal,
};
use super::queue::{LambdaCompletionQueue, Shared};
use super::result::Finished;
use super::{LambdaClient, LambdaStatus};
use crate::error::InvokeError;
use crate::stream::{StreamEvent, UrlRequest, ValidStreamRequest};
use crate::Client;

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
        start_streamed(
            (client, queue, user_data, out_invocation, out_error),
            || {
                read_request(required(request)?)
                    .and_then(|r| ValidStreamRequest::new(r).map_err(invalid))
            },
            |client, request, on_event, cancel| async move {
                client
                    .invoke_stream(request, on_event, cancel.notified())
                    .await
                    .to_json()
            },
        )
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
        start_streamed(
            (client, queue, user_data, out_invocation, out_error),
            || read_url_request(required(request)?).and_then(|r| r.into_valid().map_err(invalid)),
            |client, request, on_event, cancel| async move {
                client
                    .invoke_url(request, on_event, cancel.notified())
                    .await
                    .to_json()
            },
        )
    })
}

/// The caller's arguments both entry points share: client, queue, user
/// data, and where the invocation and a refusal's error go.
type Target = (
    *const LambdaClient,
    *const LambdaCompletionQueue,
    usize,
    *mut *mut LambdaInvocation,
    *mut *mut c_char,
);

/// What the entry points share: check the pointers, read and validate the
/// request (`read`), then spawn `call` with a callback that pushes each
/// chunk to the queue; its outcome's JSON follows the chunks there.
///
/// # Safety
/// As `lambda_client_invoke_queued`.
unsafe fn start_streamed<R, Fut>(
    (client, queue, user_data, out_invocation, out_error): Target,
    read: impl FnOnce() -> Result<R, Refusal>,
    call: impl FnOnce(Client, R, OnEvent, Arc<Notify>) -> Fut,
) -> LambdaStatus
where
    Fut: Future<Output = Vec<u8>> + Send + 'static,
{
    // The queue after the client and before the request, as before.
    let accepted = accept(
        client,
        (out_invocation, Handle::Optional),
        out_error,
        || {
            let queue = required(queue)?.shared();
            Ok((queue, read()?))
        },
    );
    let (client, (queue, request)) = match accepted {
        Ok(accepted) => accepted,
        Err(status) => return status,
    };
    let on_event = chunk_pusher(Arc::clone(&queue), user_data);
    let cancel = queue.register(user_data);
    hand_over(out_invocation, &cancel);
    launch(
        cancel,
        move |finished, in_flight| queue.push(user_data, finished, in_flight),
        streamed_failure,
        move |cancel| {
            let streamed = call(client, request, on_event, cancel);
            async move { Finished::Streamed(streamed.await) }
        },
    );
    LambdaStatus::Ok
}

/// A streamed call's failure outside its own reporting (a caught panic):
/// the outcome JSON in its error shape, so the caller still gets the
/// `LAMBDA_COMPLETION_KIND_STREAMED` completion it waits for.
fn streamed_failure(error: InvokeError) -> Finished {
    Finished::Streamed(error.to_json())
}

/// A streamed call's callback: what the reader hands each chunk to.
type OnEvent = Box<dyn FnMut(StreamEvent) + Send>;

/// The callback that pushes each chunk to the queue as it arrives, with
/// the time since the previous one (timed here, when the reader hands it
/// over, not when the caller gets to it).
fn chunk_pusher(queue: Arc<Shared>, user_data: usize) -> OnEvent {
    let mut previous: Option<Instant> = None;
    Box::new(move |event| match event {
        StreamEvent::Chunk(bytes) => {
            let now = Instant::now();
            let gap = previous.map_or(0, |p| {
                u64::try_from(now.duration_since(p).as_nanos()).unwrap_or(u64::MAX)
            });
            previous = Some(now);
            queue.push_chunk(user_data, bytes, gap);
        }
    })
}

/// Copies a function URL request out of C memory.
///
/// # Safety
/// The pointers of `request` follow `LambdaUrlRequest`'s rules.
unsafe fn read_url_request(request: &LambdaUrlRequest) -> Result<UrlRequest, Refusal> {
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

//! Starting, cancelling and completing invocations.

use std::cell::Cell;
use std::ffi::c_char;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::Notify;

use super::boundary::{bytes, give_string, guard, guard_void, text};
use super::live::{self, InFlight, Token};
use super::queue::LambdaCompletionQueue;
use super::result::Finished;
use super::{LambdaClient, LambdaStatus};
use crate::error::InvokeError;
use crate::request::{InvokeRequest, ValidRequest};
use crate::runtime::runtime;
use crate::Client;

/// Receives an invocation's outcome, on a thread of the library's runtime.
///
/// `response_json` (not NUL-terminated, `response_len` bytes) is one of:
/// - `{"statusCode": 200, "executedVersion": "...", "logResult": "...",
///   "payload": "...", "functionError": "Unhandled", "report": {"durationMs":
///   1.5, "billedDurationMs": 2, "memorySizeMB": 128, "maxMemoryUsedMB": 64,
///   "initDurationMs": 100, "restoreDurationMs": 312.5,
///   "billedRestoreDurationMs": 180}, "durableExecutionArn": "arn:...",
///   "bytesSent": 512, "bytesReceived": 300,
///   "durationNs": 1500000, "endUnixNs": 1764000000000000000}`
///   (absent fields omitted);
/// - `{"error": {"kind": "service|network|validation|cancelled|credentials|config|internal",
///   "name": "...", "code": "..." or 1212, "message": "...",
///   "statusCode": 429, "requestId": "...", "field": "...",
///   "retryAfterSeconds": 2, "reason": "..."}, "bytesSent": 512,
///   "bytesReceived": 120, "durationNs": 900000, "endUnixNs": ...}`.
///
/// `bytesSent` counts only bytes that left (none for a refused
/// connection). `durationNs` runs from the first attempt's hand-over to the
/// HTTP client to the end of the answer or failure; it is absent when the
/// invocation never reached the network (credentials, configuration, a
/// cancellation before it started, a bug). `endUnixNs` is when it ended.
///
/// It is borrowed for the duration of the call only. The callback must
/// return promptly and must not unwind.
pub type LambdaCompletionCallback =
    Option<unsafe extern "C" fn(user_data: usize, response_json: *const u8, response_len: usize)>;

/// One invocation, borrowed for the duration of `lambda_client_invoke`.
/// Strings are UTF-8, given as pointer and length; a zero length means
/// "not set" (the pointer may then be NULL).
#[repr(C)]
pub struct LambdaInvokeRequest {
    /// Function name, ARN or partial ARN, with an optional `:qualifier`.
    pub function_name: *const u8,
    pub function_name_len: usize,
    /// Payload bytes, sent as they are.
    pub payload: *const u8,
    pub payload_len: usize,
    /// `RequestResponse` (default), `Event` or `DryRun`.
    pub invocation_type: *const u8,
    pub invocation_type_len: usize,
    /// `None` (default) or `Tail`.
    pub log_type: *const u8,
    pub log_type_len: usize,
    /// Base64 client context, at most 3,583 bytes.
    pub client_context: *const u8,
    pub client_context_len: usize,
    /// Version or alias.
    pub qualifier: *const u8,
    pub qualifier_len: usize,
    /// `X-Amz-Tenant-Id`: 1 to 256 characters (tenant isolation mode).
    pub tenant_id: *const u8,
    pub tenant_id_len: usize,
    /// `X-Amz-Durable-Execution-Name`: 1 to 64 of `[a-zA-Z0-9-_]`; Invoke
    /// only (InvokeWithResponseStream refuses it).
    pub durable_execution_name: *const u8,
    pub durable_execution_name_len: usize,
}

/// An invocation in flight, for cancelling it. Owned by the caller and
/// freed with `lambda_invocation_free`, before or after completion.
pub struct LambdaInvocation {
    cancel: Arc<Notify>,
    _live: Token,
}

fn optional(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// Why a request was refused before anything was sent: the status, and
/// the error to hand over through `out_error` (none for an ABI misuse).
pub(super) type Refusal = (LambdaStatus, Option<InvokeError>);

/// A request that validation refused: `LAMBDA_STATUS_INVALID_REQUEST`
/// with its error.
pub(super) fn invalid(error: InvokeError) -> Refusal {
    (LambdaStatus::InvalidRequest, Some(error))
}

/// Borrows what a required pointer points to; NULL is refused.
///
/// # Safety
/// `ptr` is NULL or valid for reads while the borrow lasts.
pub(super) unsafe fn required<'a, T>(ptr: *const T) -> Result<&'a T, Refusal> {
    ptr.as_ref().ok_or((LambdaStatus::NullArgument, None))
}

/// Copies the request out of C memory and parses its options; the caller
/// validates it for its operation.
///
/// # Safety
/// The pointers of `request` follow `LambdaInvokeRequest`'s rules.
pub(super) unsafe fn read_request(request: &LambdaInvokeRequest) -> Result<InvokeRequest, Refusal> {
    let plain = |status| (status, None);
    let function_name = text(request.function_name, request.function_name_len).map_err(plain)?;
    let payload = bytes(request.payload, request.payload_len).map_err(plain)?;
    let invocation_type =
        text(request.invocation_type, request.invocation_type_len).map_err(plain)?;
    let log_type = text(request.log_type, request.log_type_len).map_err(plain)?;
    let client_context = text(request.client_context, request.client_context_len).map_err(plain)?;
    let qualifier = text(request.qualifier, request.qualifier_len).map_err(plain)?;
    let tenant_id = text(request.tenant_id, request.tenant_id_len).map_err(plain)?;
    let durable_execution_name = text(
        request.durable_execution_name,
        request.durable_execution_name_len,
    )
    .map_err(plain)?;
    let parsed = InvokeRequest {
        function_name: function_name.to_owned(),
        payload: payload.to_vec(),
        invocation_type: invocation_type.parse().map_err(invalid)?,
        log_type: log_type.parse().map_err(invalid)?,
        client_context: optional(client_context),
        qualifier: optional(qualifier),
        tenant_id: optional(tenant_id),
        durable_execution_name: optional(durable_execution_name),
    };
    Ok(parsed)
}

/// Hands a refusal over: its error through `out_error`, its status back.
///
/// # Safety
/// `out_error` is NULL or valid for a pointer write.
unsafe fn refuse(out_error: *mut *mut c_char, (status, error): Refusal) -> LambdaStatus {
    if let Some(error) = error {
        give_string(out_error, error.to_json());
    }
    status
}

/// Starts an invocation and returns at once; the outcome arrives through
/// `callback(user_data, ...)`, exactly once, on a runtime thread.
///
/// On `LAMBDA_STATUS_OK` writes the invocation to `*out_invocation` (free
/// it with `lambda_invocation_free`). On `LAMBDA_STATUS_INVALID_REQUEST`
/// nothing was sent, the callback will not be called, and `*out_error`
/// (if not NULL) receives the error JSON, in the callback's error shape
/// (free it with `lambda_string_free`).
///
/// # Safety
/// `client` is a live client; `request` follows `LambdaInvokeRequest`'s
/// rules; `out_invocation` is valid for a pointer write; `out_error` is
/// NULL or valid for a pointer write; `callback` is safe to call from any
/// thread until it has been called.
#[no_mangle]
pub unsafe extern "C" fn lambda_client_invoke(
    client: *const LambdaClient,
    request: *const LambdaInvokeRequest,
    callback: LambdaCompletionCallback,
    user_data: usize,
    out_invocation: *mut *mut LambdaInvocation,
    out_error: *mut *mut c_char,
) -> LambdaStatus {
    guard(|| {
        let Some(callback) = callback else {
            return LambdaStatus::NullArgument;
        };
        start(
            client,
            request,
            (out_invocation, Handle::Required),
            out_error,
            || Arc::new(Notify::new()),
            move |finished, in_flight: InFlight<'_>| {
                #[cfg(test)]
                fault::deliver(user_data);
                let json = finished.to_json();
                callback(user_data, json.as_ptr(), json.len());
                in_flight.delivered();
            },
        )
    })
}

/// As `lambda_client_invoke`, but the outcome is pushed to `queue`, tagged
/// with `user_data`, instead of calling back: the caller drains completions
/// in batches (its ring, or `lambda_completion_queue_take` and `_wait`).
///
/// `out_invocation` may be NULL: then no handle is made (nothing to free),
/// and the call is cancelled with `lambda_completion_queue_cancel(queue,
/// user_data)`, which works with or without a handle.
///
/// # Safety
/// As `lambda_client_invoke`, but `out_invocation` may be NULL; `queue` is
/// a live queue that outlives the invocation.
#[no_mangle]
pub unsafe extern "C" fn lambda_client_invoke_queued(
    client: *const LambdaClient,
    request: *const LambdaInvokeRequest,
    queue: *const LambdaCompletionQueue,
    user_data: usize,
    out_invocation: *mut *mut LambdaInvocation,
    out_error: *mut *mut c_char,
) -> LambdaStatus {
    guard(|| {
        let Some(queue) = queue.as_ref() else {
            return LambdaStatus::NullArgument;
        };
        let queue = queue.shared();
        let registry = Arc::clone(&queue);
        start(
            client,
            request,
            (out_invocation, Handle::Optional),
            out_error,
            move || registry.register(user_data),
            move |finished, in_flight| queue.push(user_data, finished, in_flight),
        )
    })
}

/// Validates and spawns one invocation; `deliver` receives how it ended
/// exactly once (success, error, cancellation or a caught panic).
///
/// # Safety
/// As `lambda_client_invoke`.
unsafe fn start(
    client: *const LambdaClient,
    request: *const LambdaInvokeRequest,
    (out_invocation, handle): (*mut *mut LambdaInvocation, Handle),
    out_error: *mut *mut c_char,
    cancel: impl FnOnce() -> Arc<Notify>,
    deliver: impl Fn(Finished, InFlight<'_>) + Send + 'static,
) -> LambdaStatus {
    let accepted = accept(client, (out_invocation, handle), out_error, || {
        read_request(required(request)?).and_then(|r| r.into_valid().map_err(invalid))
    });
    let (client, request): (Client, ValidRequest) = match accepted {
        Ok(accepted) => accepted,
        Err(status) => return status,
    };
    let cancel = cancel();
    hand_over(out_invocation, &cancel);
    launch(
        cancel,
        deliver,
        Finished::Failed,
        move |cancelled| async move {
            // Boxed once: the invocation's future is large, and moving it
            // through select/catch_unwind/spawn would copy it each time.
            let invocation = Box::pin(client.invoke(request));
            tokio::select! {
                invoked = invocation => Finished::Invoked(invoked),
                // notify_one stores a permit, so a cancel that comes before
                // this task first runs is not missed.
                _ = cancelled.notified() => Finished::Failed(InvokeError::cancelled()),
            }
        },
    );
    LambdaStatus::Ok
}

/// What every entry point that starts a call checks first, in this
/// order: the output pointer (cleared), the client, then whatever `read`
/// reads and validates. A refusal's error goes to `out_error`; its status
/// comes back as the `Err`.
///
/// # Safety
/// `client` is NULL or a live client; `out_invocation` and `out_error`
/// are as for `lambda_client_invoke`.
pub(super) unsafe fn accept<R>(
    client: *const LambdaClient,
    (out_invocation, handle): (*mut *mut LambdaInvocation, Handle),
    out_error: *mut *mut c_char,
    read: impl FnOnce() -> Result<R, Refusal>,
) -> Result<(Client, R), LambdaStatus> {
    if out_invocation.is_null() {
        if handle == Handle::Required {
            return Err(LambdaStatus::NullArgument);
        }
    } else {
        *out_invocation = std::ptr::null_mut();
    }
    let Some(client) = client.as_ref() else {
        return Err(LambdaStatus::NullArgument);
    };
    match read() {
        Ok(request) => Ok((client.inner.clone(), request)),
        Err(refusal) => Err(refuse(out_error, refusal)),
    }
}

/// Whether a start function must hand the caller the call's handle: the
/// callback API's always does; a queued call's only when the caller asks
/// (a non-NULL `out_invocation`), since it can cancel through its queue
/// (`lambda_completion_queue_cancel`) and then has nothing to free.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Handle {
    Required,
    Optional,
}

/// Writes the call's handle to `out_invocation`, unless that is NULL.
///
/// # Safety
/// `out_invocation` is NULL or valid for a pointer write.
pub(super) unsafe fn hand_over(out_invocation: *mut *mut LambdaInvocation, cancel: &Arc<Notify>) {
    if !out_invocation.is_null() {
        *out_invocation = Box::into_raw(Box::new(LambdaInvocation {
            cancel: Arc::clone(cancel),
            _live: live::INVOCATIONS.token(),
        }));
    }
}

/// Spawns a call that was accepted: `work` gets the call's cancellation
/// signal and returns how the call ended, which `deliver` receives exactly
/// once; a panic in `work`, or in `deliver` before it handed the outcome
/// over, is delivered as `panicked` makes it.
pub(super) fn launch<Fut>(
    cancel: Arc<Notify>,
    deliver: impl Fn(Finished, InFlight<'_>) + Send + 'static,
    panicked: fn(InvokeError) -> Finished,
    work: impl FnOnce(Arc<Notify>) -> Fut,
) where
    Fut: Future<Output = Finished> + Send + 'static,
{
    let work = work(cancel);
    // The runtime first (starting it may panic), then the count, which
    // `deliver` lowers as it hands the outcome over (see `InFlight`).
    let runtime = runtime();
    let started = InFlight::start();
    runtime.spawn(async move {
        // A panic in the SDK or in this library must still complete the
        // call: the caller is waiting for exactly one completion.
        let finished = match AssertUnwindSafe(work).catch_unwind().await {
            Ok(finished) => finished,
            Err(panic) => panicked(InvokeError::internal(format!(
                "xk6-lambda panicked during the invocation: {}",
                panic_message(&*panic)
            ))),
        };
        // Delivered (or, after two panics, never: then it stays counted
        // in flight, as a leak check must see).
        deliver_once(&deliver, finished, panicked, &started);
    });
}

/// Hands `finished` to `deliver`, inside the panic boundary: a panic
/// before the outcome was handed over (`InFlight::delivered`) gets the
/// call `panicked`'s outcome instead, delivered once more; a panic after
/// it changes nothing (the outcome is out). Should that second attempt
/// panic too, nothing can reach the caller: it is said on stderr.
fn deliver_once(
    deliver: &impl Fn(Finished, InFlight<'_>),
    finished: Finished,
    panicked: fn(InvokeError) -> Finished,
    started: &live::Started,
) {
    let done = Cell::new(false);
    let first = catch_unwind(AssertUnwindSafe(|| {
        deliver(finished, started.attempt(&done))
    }));
    let Err(panic) = first else {
        return;
    };
    if done.get() {
        return;
    }
    let error = InvokeError::internal(format!(
        "xk6-lambda panicked while delivering the outcome: {}",
        panic_message(&*panic)
    ));
    let second = catch_unwind(AssertUnwindSafe(|| {
        deliver(panicked(error), started.attempt(&done))
    }));
    if second.is_err() && !done.get() {
        eprintln!("xk6-lambda: an outcome could not be delivered (deliver panicked twice)");
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown panic")
}

/// Asks an invocation to stop. Its callback is then called promptly with
/// a `CancelledError`, unless the invocation had completed already (then
/// this is a no-op). NULL is a no-op.
///
/// # Safety
/// `invocation` is NULL or an invocation not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lambda_invocation_cancel(invocation: *const LambdaInvocation) {
    guard_void(|| {
        if let Some(invocation) = invocation.as_ref() {
            invocation.cancel.notify_one();
        }
    });
}

/// Frees an invocation handle. It does not cancel it: the callback is still
/// called once. NULL is a no-op.
///
/// # Safety
/// `invocation` is NULL or an invocation not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lambda_invocation_free(invocation: *mut LambdaInvocation) {
    if invocation.is_null() {
        return;
    }
    guard_void(|| drop(Box::from_raw(invocation)));
}

/// Fault injection for the tests: a panic inside `deliver` (as it takes
/// the outcome over), for the user data a test armed it for, so that other
/// tests' calls are left alone.
#[cfg(test)]
pub(crate) mod fault {
    use std::sync::Mutex;

    static ARMED: Mutex<Vec<usize>> = Mutex::new(Vec::new());

    /// The next delivery for `user_data` panics (once per call to arm).
    pub(crate) fn arm(user_data: usize) {
        ARMED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(user_data);
    }

    /// Called first thing by each `deliver`.
    pub(crate) fn deliver(user_data: usize) {
        let mut armed = ARMED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = armed.iter().position(|&u| u == user_data) {
            armed.remove(at);
            drop(armed);
            panic!("a panic injected into deliver (user data {user_data})");
        }
    }
}

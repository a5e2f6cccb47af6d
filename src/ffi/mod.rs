//! The C ABI of xk6-lambda.
//!
//! Ownership rules (also in `include/xk6_lambda.h`):
//! - Every `lambda_*_new` / `lambda_client_invoke` output handle is owned
//!   by the caller and released with its matching `lambda_*_free`, once.
//! - Strings this library returns through `char **out_error` are owned by
//!   the caller and released with `lambda_string_free`.
//! - A descriptor from `lambda_completion_queue_wake_fd` is owned by the
//!   caller, who closes it.
//! - The example event text from `lambda_example_event` is static: borrowed
//!   for the life of the process, never freed.
//! - Input pointers are borrowed for the duration of the call only: the
//!   library copies what it keeps, so Go memory may be passed directly.
//! - The completion callback's `response_json` is borrowed for the duration
//!   of the callback only: copy it before returning.
//! - No entry point unwinds into the caller: a panic becomes
//!   `LAMBDA_STATUS_PANIC` (or, inside an invocation, an `InternalError`
//!   result). Every started invocation calls its callback exactly once.
//! - `lambda_live_counts` tells how many of each allocation above the
//!   caller holds, and how many invocations are still owed a completion
//!   (see `live`): a leak check for the end of a test.

mod boundary;
mod client;
mod examples;
mod invocation;
mod live;
mod queue;
mod result;
mod ring;
mod stream;
mod strings;
mod wake;

pub use client::{lambda_client_free, lambda_client_new, lambda_config_validate, LambdaClient};
pub use examples::lambda_example_event;
pub use invocation::{
    lambda_client_invoke, lambda_client_invoke_queued, lambda_invocation_cancel,
    lambda_invocation_free, LambdaCompletionCallback, LambdaInvocation, LambdaInvokeRequest,
};
pub use live::{lambda_live_counts, LambdaLiveCounts};
pub use queue::{
    lambda_completion_queue_cancel, lambda_completion_queue_free, lambda_completion_queue_new,
    lambda_completion_queue_refill, lambda_completion_queue_ring, lambda_completion_queue_take,
    lambda_completion_queue_wait, lambda_completion_queue_wait_ready,
    lambda_completion_queue_wake_fd, lambda_completions_free, LambdaCompletion,
    LambdaCompletionQueue,
};
pub use result::{LambdaCompletionData, LambdaCompletionKind, LambdaResult, LambdaText};
pub use ring::LambdaCompletionRing;
pub use stream::{
    lambda_client_invoke_stream_queued, lambda_client_invoke_url_queued, LambdaHeader,
    LambdaUrlRequest,
};
pub use strings::{lambda_string_free, lambda_version};

/// Serialises this crate's unit tests that create or free what
/// `lambda_live_counts` counts, so that each sees only its own changes.
#[cfg(test)]
pub(crate) static TEST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Result of every fallible entry point.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LambdaStatus {
    Ok = 0,
    /// A required pointer was NULL.
    NullArgument = 1,
    /// A string argument was not UTF-8.
    InvalidUtf8 = 2,
    /// The configuration was refused; `*out_error` says why.
    InvalidConfig = 3,
    /// The invocation was refused before sending; `*out_error` says why.
    InvalidRequest = 4,
    /// The library panicked; the call had no effect beyond what it reports.
    Panic = 5,
}

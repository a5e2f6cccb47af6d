//! Rust core of xk6-lambda: AWS Lambda `Invoke` for k6 load tests.
//!
//! The crate has two layers:
//! - the core ([`config`], [`request`], [`client`], [`transport`], [`network`],
//!   [`response`], [`outcome`], [`error`]; [`stream`] for
//!   InvokeWithResponseStream and function URLs),
//!   plain async Rust on one process-wide tokio [`runtime`];
//! - the C ABI in [`ffi`], which the Go shim of the k6 extension links
//!   statically and which owns every `unsafe` pointer rule.

// `InvokeError` (about 130 bytes) is returned by value on the error path only,
// where it is serialized at once; boxing it would add an allocation and save nothing.
#![allow(clippy::result_large_err)]

/// mimalloc for the library's own allocations: an invocation makes many
/// small, short-lived ones on the runtime's threads, where glibc's malloc
/// measured several percent of k6's CPU (scripts/bench.sh, perf). The
/// `system-allocator` feature leaves malloc in place, for the sanitizers
/// and valgrind (scripts/sanitize.sh), which track malloc's allocations.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod client;
pub mod config;
pub mod error;
pub mod examples;
pub mod ffi;
pub mod fuzzing;
pub(crate) mod keyed;
pub mod limits;
pub mod metering;
pub mod network;
pub mod outcome;
pub mod redact;
pub mod report;
pub mod request;
pub mod response;
pub mod runtime;
pub mod stream;
pub mod transport;

pub use client::Client;
pub use config::ClientConfig;
pub use error::{ErrorKind, InvokeError};
pub use outcome::{Invoked, WireStats};
pub use report::Report;
pub use request::{InvocationType, InvokeRequest, LogType, ValidRequest};
pub use response::InvocationResponse;
pub use stream::{
    StreamEvent, StreamResponse, StreamStats, Streamed, UrlRequest, UrlResponse,
    ValidStreamRequest, ValidUrlRequest,
};

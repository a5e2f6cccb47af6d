//! The one tokio runtime of the process.
//!
//! Every invocation of every k6 VU runs on it, so an in-flight invocation
//! costs a task, not an OS thread: a thousand VUs awaiting Lambda keep the
//! process at a handful of threads.

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

/// Worker threads: half the cores, at least one, at most eight. The other
/// half runs k6's VUs (Go); the runtime only moves bytes and signs, and
/// with more workers than that the hand-offs between threads cost more than
/// they give (scripts/bench.sh on 2 cores: 1 worker used 13% less CPU per
/// invocation than 2). `XK6_LAMBDA_WORKER_THREADS` overrides it.
fn worker_threads() -> usize {
    if let Some(n) = std::env::var("XK6_LAMBDA_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=64).contains(n))
    {
        return n;
    }
    std::thread::available_parallelism()
        .map(|n| n.get() / 2)
        .unwrap_or(1)
        .clamp(1, 8)
}

static RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    Builder::new_multi_thread()
        .worker_threads(worker_threads())
        // Blocking work (profile files, DNS lookups) is rare; keep the pool
        // small so the thread count stays bounded under load.
        .max_blocking_threads(8)
        .thread_name("xk6-lambda")
        .enable_all()
        .build()
        .expect("xk6-lambda: cannot start the tokio runtime")
});

/// The process-wide runtime, started on first use.
pub fn runtime() -> &'static Runtime {
    &RUNTIME
}

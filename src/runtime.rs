//! The one tokio runtime of the process.
//!
//! Every invocation of every k6 VU runs on it, so an in-flight invocation
//! costs a task, not an OS thread: a thousand VUs awaiting Lambda keep the
//! process at a handful of threads.

use once_cell::sync::Lazy;
use tokio::runtime::{Builder, Runtime};

/// Worker threads: at least two, so a slow callback into Go on one worker
/// never stalls every in-flight invocation, and no more than the cores.
fn worker_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8)
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

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
        .on_thread_start(block_sigpipe)
        .enable_all()
        .build()
        .expect("xk6-lambda: cannot start the tokio runtime")
});

/// Blocks SIGPIPE on the calling thread: every thread of the runtime, the
/// workers and the blocking pool alike, which are all the threads this
/// library creates.
///
/// Why: writing to a socket the peer has reset raises SIGPIPE on the
/// writing thread (hyper writes with `writev`, which cannot pass
/// `MSG_NOSIGNAL`). A Rust program ignores SIGPIPE from `main`; inside k6
/// these are foreign threads to Go, whose runtime forwards a SIGPIPE there
/// to the default action: the whole k6 process ended with status 141
/// mid-test. Blocked, the signal stays pending on the thread and the write
/// fails with EPIPE, which the invocation reports as a TCPError.
fn block_sigpipe() {
    // SAFETY: sigemptyset/sigaddset initialise a local set; pthread_sigmask
    // changes only the calling thread's mask. None of them can fail with
    // these arguments.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// The process-wide runtime, started on first use.
pub fn runtime() -> &'static Runtime {
    &RUNTIME
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every runtime thread has SIGPIPE blocked, blocking-pool threads too.
    #[test]
    fn runtime_threads_block_sigpipe() {
        fn sigpipe_blocked() -> bool {
            // SAFETY: reads the calling thread's mask into a local set.
            unsafe {
                let mut current: libc::sigset_t = std::mem::zeroed();
                libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut current);
                libc::sigismember(&current, libc::SIGPIPE) == 1
            }
        }
        let rt = runtime();
        assert!(rt.block_on(async { tokio::spawn(async { sigpipe_blocked() }).await.unwrap() }));
        assert!(rt.block_on(async { tokio::task::spawn_blocking(sigpipe_blocked).await.unwrap() }));
    }
}

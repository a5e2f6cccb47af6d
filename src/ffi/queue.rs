//! A completion queue: invocations started with
//! `lambda_client_invoke_queued` push their outcome here, and one caller
//! thread drains them in batches.
//!
//! Why: a callback per invocation makes a runtime thread enter Go (a cgo
//! callback from a foreign thread, which must find an idle Go processor)
//! for each completion. Draining a queue costs one call and one wake-up per
//! batch, from a goroutine that Go schedules like any other.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::boundary::{guard_void, guard_with};
use super::live::{self, Token};
use super::result::{Finished, LambdaCompletionData, LambdaResult};

/// One completion, handed to the caller by `lambda_completion_queue_wait`:
/// the invocation's `user_data`, its flat `result`, and the `data` that
/// result points into, owned by the caller until it passes the batch to
/// `lambda_completions_free`.
#[repr(C)]
pub struct LambdaCompletion {
    pub user_data: usize,
    pub result: LambdaResult,
    pub data: *mut LambdaCompletionData,
}

impl LambdaCompletion {
    /// A slot for `lambda_completion_queue_wait` to fill.
    pub const EMPTY: Self = Self {
        user_data: 0,
        result: LambdaResult::EMPTY,
        data: std::ptr::null_mut(),
    };
}

#[derive(Default)]
pub(super) struct Shared {
    pending: Mutex<VecDeque<(usize, Box<LambdaCompletionData>)>>,
    ready: Condvar,
}

impl Shared {
    pub(super) fn push(&self, user_data: usize, finished: Finished) {
        // Counted (its token) before a drain can see it and free it.
        let data = LambdaCompletionData::new(finished);
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.push_back((user_data, data));
        drop(pending);
        self.ready.notify_one();
    }
}

/// An opaque completion queue. Thread-safe.
pub struct LambdaCompletionQueue {
    shared: Arc<Shared>,
    _live: Token,
}

impl LambdaCompletionQueue {
    pub(super) fn shared(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }
}

/// Creates a completion queue; free it with `lambda_completion_queue_free`
/// once no invocation started on it is in flight.
#[no_mangle]
pub extern "C" fn lambda_completion_queue_new() -> *mut LambdaCompletionQueue {
    guard_with(std::ptr::null_mut(), || {
        Box::into_raw(Box::new(LambdaCompletionQueue {
            shared: Arc::new(Shared::default()),
            _live: live::QUEUES.token(),
        }))
    })
}

/// Frees a queue. Completions still in it are dropped. NULL is a no-op.
///
/// # Safety
/// `queue` is NULL or a queue from `lambda_completion_queue_new`, not yet
/// freed, with no `lambda_completion_queue_wait` running on it.
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_free(queue: *mut LambdaCompletionQueue) {
    if queue.is_null() {
        return;
    }
    guard_void(|| drop(Box::from_raw(queue)));
}

/// Waits up to `timeout_ms` for completions, then moves up to `capacity` of
/// them into `out` and returns how many. 0 means none arrived in time.
///
/// # Safety
/// `queue` is a live queue; `out` is valid for `capacity` writes.
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_wait(
    queue: *const LambdaCompletionQueue,
    out: *mut LambdaCompletion,
    capacity: usize,
    timeout_ms: u32,
) -> usize {
    guard_with(0, || {
        let Some(queue) = queue.as_ref() else {
            return 0;
        };
        if out.is_null() || capacity == 0 {
            return 0;
        }
        let shared = &queue.shared;
        let pending = shared.pending.lock().unwrap_or_else(|p| p.into_inner());
        let (mut pending, _) = shared
            .ready
            .wait_timeout_while(pending, Duration::from_millis(timeout_ms.into()), |p| {
                p.is_empty()
            })
            .unwrap_or_else(|p| p.into_inner());
        let n = pending.len().min(capacity);
        for (i, (user_data, data)) in pending.drain(..n).enumerate() {
            out.add(i).write(LambdaCompletion {
                user_data,
                result: data.result(),
                data: Box::into_raw(data),
            });
        }
        n
    })
}

/// Frees the completions of a batch from `lambda_completion_queue_wait`
/// (their results point into them: read them first).
///
/// # Safety
/// `completions` holds `count` completions from one wait, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lambda_completions_free(completions: *mut LambdaCompletion, count: usize) {
    if completions.is_null() {
        return;
    }
    guard_void(|| {
        for i in 0..count {
            let completion = &mut *completions.add(i);
            if !completion.data.is_null() {
                drop(Box::from_raw(completion.data));
                // A second free of the same batch finds nothing to free.
                completion.data = std::ptr::null_mut();
            }
        }
    });
}

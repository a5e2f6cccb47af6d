//! A completion queue: invocations started with
//! `lambda_client_invoke_queued` push their outcome here, and one consumer
//! drains them in batches: in place, from the queue's ring
//! (`lambda_completion_queue_ring`, what Go does), or by taking them
//! (`lambda_completion_queue_take` and `_wait`, simpler for C).
//!
//! Why: a callback per invocation makes a runtime thread enter Go (a cgo
//! callback from a foreign thread, which must find an idle Go processor)
//! for each completion. Draining a queue costs one wake-up per batch, from
//! a goroutine that Go schedules like any other; reading the ring costs no
//! call into the library at all (see `ring`).

use std::collections::HashMap;
use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::boundary::{guard_void, guard_with};
use super::live::{self, InFlight, Token};
use super::result::{
    Finished, LambdaCompletionData, LambdaCompletionKind, LambdaResult, LambdaText,
};
use super::ring::{LambdaCompletionRing, Ring};
use super::wake::WakeFd;

/// One completion, handed to the caller by `lambda_completion_queue_take`
/// or `lambda_completion_queue_wait`: the call's `user_data`, what it
/// carries (`kind` says which fields are set), and the `data` they point
/// into, owned by the caller until it passes the batch to
/// `lambda_completions_free`. The completions of one call arrive in order.
#[repr(C)]
pub struct LambdaCompletion {
    pub user_data: usize,
    pub kind: LambdaCompletionKind,
    /// `LAMBDA_COMPLETION_KIND_INVOKED`: the invocation's outcome.
    pub result: LambdaResult,
    /// `LAMBDA_COMPLETION_KIND_CHUNK`: the chunk;
    /// `LAMBDA_COMPLETION_KIND_STREAMED`: the outcome's JSON.
    pub bytes: LambdaText,
    /// `LAMBDA_COMPLETION_KIND_CHUNK`: nanoseconds since the call's
    /// previous chunk arrived (0 for the first).
    pub gap_ns: u64,
    pub data: *mut LambdaCompletionData,
}

impl LambdaCompletion {
    /// A slot for `lambda_completion_queue_take` to fill.
    pub const EMPTY: Self = Self {
        user_data: 0,
        kind: LambdaCompletionKind::Invoked,
        result: LambdaResult::EMPTY,
        bytes: LambdaText::ABSENT,
        gap_ns: 0,
        data: std::ptr::null_mut(),
    };

    /// Hands `data` over: the flat view of it, and the ownership.
    pub(super) fn handed_over(user_data: usize, data: Box<LambdaCompletionData>) -> Self {
        Self {
            user_data,
            kind: data.kind(),
            result: data.result(),
            bytes: data.bytes(),
            gap_ns: data.gap_ns(),
            data: Box::into_raw(data),
        }
    }
}

pub(super) struct Shared {
    ring: Ring,
    wake: WakeFd,
    /// Set once the ring was handed to a consumer
    /// (`lambda_completion_queue_ring`): take and wait then take nothing,
    /// so that the ring never has two consumers.
    ring_opened: AtomicBool,
    /// The cancellation signal of each call in flight, by user data: how a
    /// caller without the call's handle cancels it
    /// (`lambda_completion_queue_cancel`). Removed with the call's outcome.
    cancels: Mutex<HashMap<usize, Arc<Notify>>>,
}

impl Shared {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            ring: Ring::new(),
            wake: WakeFd::new()?,
            ring_opened: AtomicBool::new(false),
            cancels: Mutex::default(),
        })
    }

    /// A new call's cancellation signal, registered under its user data
    /// until its outcome is pushed.
    pub(super) fn register(&self, user_data: usize) -> Arc<Notify> {
        let cancel = Arc::new(Notify::new());
        self.lock_cancels().insert(user_data, Arc::clone(&cancel));
        cancel
    }

    fn lock_cancels(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Arc<Notify>>> {
        self.cancels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A call's outcome: counted as a completion (its token), then no
    /// longer in flight, before a consumer can see it and free it.
    pub(super) fn push(&self, user_data: usize, finished: Finished, in_flight: InFlight<'_>) {
        #[cfg(test)]
        super::invocation::fault::deliver(user_data);
        let data = LambdaCompletionData::new(finished);
        in_flight.delivered();
        self.lock_cancels().remove(&user_data);
        self.push_data(user_data, data);
    }

    /// A chunk of a streamed call; its outcome follows with `push`.
    pub(super) fn push_chunk(&self, user_data: usize, bytes: bytes::Bytes, gap_ns: u64) {
        self.push_data(user_data, LambdaCompletionData::chunk(bytes, gap_ns));
    }

    fn push_data(&self, user_data: usize, data: Box<LambdaCompletionData>) {
        self.ring.publish(user_data, data);
        // The consumer clears the flag before its last look at the ring: a
        // publication it did not see finds the flag clear and signals.
        if self.ring.signalled().swap(1, Ordering::SeqCst) == 0 {
            self.wake.signal();
        }
    }

    /// Moves up to `capacity` completions into `out`; never blocks.
    ///
    /// # Safety
    /// `out` is valid for `capacity` writes.
    unsafe fn take(&self, out: *mut LambdaCompletion, capacity: usize) -> usize {
        if self.ring_opened.load(Ordering::SeqCst) {
            return 0;
        }
        self.ring.take(out, capacity)
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
/// once no invocation started on it is in flight. NULL if the system
/// refused its wake descriptor (out of file descriptors).
#[no_mangle]
pub extern "C" fn lambda_completion_queue_new() -> *mut LambdaCompletionQueue {
    guard_with(std::ptr::null_mut(), || match Shared::new() {
        Ok(shared) => Box::into_raw(Box::new(LambdaCompletionQueue {
            shared: Arc::new(shared),
            _live: live::QUEUES.token(),
        })),
        Err(_) => std::ptr::null_mut(),
    })
}

/// Frees a queue. Completions still in it are dropped. NULL is a no-op.
/// Descriptors from `lambda_completion_queue_wake_fd` stay open (their
/// owner closes them) and are never signalled again.
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

/// A new file descriptor, owned by the caller (close it), that is readable
/// while completions may be waiting: wait for it with poll/epoll (Go's
/// network poller), read its 8-byte counter to reset it, then call
/// `lambda_completion_queue_take` until it returns 0. -1 on failure (the
/// caller can fall back to `lambda_completion_queue_wait`).
///
/// It may be readable with nothing to take (a completion taken between its
/// signal and the read): take returns 0 then, and the caller waits again.
///
/// # Safety
/// `queue` is NULL or a live queue.
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_wake_fd(
    queue: *const LambdaCompletionQueue,
) -> c_int {
    guard_with(-1, || {
        let Some(queue) = queue.as_ref() else {
            return -1;
        };
        queue.shared.wake.duplicate().unwrap_or(-1)
    })
}

/// Frees the first `release` completions of `out` (those the previous take
/// returned there, now read: 0 the first time), then moves up to
/// `capacity` waiting completions into `out` and returns how many; 0 at
/// once when none waits. Never blocks.
///
/// Why the free rides on the take: a caller draining with an event loop
/// makes two calls per batch (the take, and the take that frees it and
/// finds the queue empty) instead of three.
///
/// # Safety
/// `queue` is a live queue; `out` is valid for `capacity` writes and, for
/// `release` > 0, holds that many completions from the previous take, not
/// yet freed (`release` <= `capacity`).
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_take(
    queue: *const LambdaCompletionQueue,
    out: *mut LambdaCompletion,
    capacity: usize,
    release: usize,
) -> usize {
    guard_with(0, || {
        if out.is_null() {
            return 0;
        }
        lambda_completions_free(out, release.min(capacity));
        let Some(queue) = queue.as_ref() else {
            return 0;
        };
        if capacity == 0 {
            return 0;
        }
        queue.shared.take(out, capacity)
    })
}

/// Waits up to `timeout_ms` for completions, then moves up to `capacity` of
/// them into `out` and returns how many. 0 means none arrived in time.
/// Blocks the calling thread: callers with an event loop wait on
/// `lambda_completion_queue_wake_fd` instead.
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
        let deadline = Instant::now() + Duration::from_millis(timeout_ms.into());
        loop {
            let n = shared.take(out, capacity);
            if n > 0 {
                return n;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if !shared.wake.wait(left) {
                return 0;
            }
            shared.wake.clear();
        }
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

/// The queue's completion ring, for a consumer that reads completions in
/// place instead of taking them (see `LambdaCompletionRing`): valid as long
/// as the queue. From this call on, take and wait take nothing from this
/// queue. NULL for a NULL queue.
///
/// # Safety
/// `queue` is NULL or a live queue.
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_ring(
    queue: *const LambdaCompletionQueue,
) -> *mut LambdaCompletionRing {
    guard_with(std::ptr::null_mut(), || {
        let Some(queue) = queue.as_ref() else {
            return std::ptr::null_mut();
        };
        queue.shared.ring_opened.store(true, Ordering::SeqCst);
        queue.shared.ring.header()
    })
}

/// Frees the data of the ring's slots the consumer moved `head` past, and
/// moves completions waiting beyond a full ring into the slots that frees
/// (`overflow` goes back to 0 when all fit). A consumer calls it when it
/// finds `overflow` set; a leak check calls it before it counts, so that
/// completions already read are not counted as live. NULL is a no-op.
///
/// # Safety
/// `queue` is NULL or a live queue.
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_refill(queue: *const LambdaCompletionQueue) {
    guard_void(|| {
        if let Some(queue) = queue.as_ref() {
            queue.shared.ring.refill();
        }
    });
}

/// Waits up to `timeout_ms` until the ring has something to read (true) or
/// the time is up (false), resetting the wake descriptor: the ring
/// consumer's step 4 for a caller without an event loop. Blocks the
/// calling thread.
///
/// # Safety
/// `queue` is NULL or a live queue.
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_wait_ready(
    queue: *const LambdaCompletionQueue,
    timeout_ms: u32,
) -> bool {
    guard_with(false, || {
        let Some(queue) = queue.as_ref() else {
            return false;
        };
        let shared = &queue.shared;
        let deadline = Instant::now() + Duration::from_millis(timeout_ms.into());
        loop {
            if shared.ring.ready() {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if !shared.wake.wait(left) {
                return shared.ring.ready();
            }
            shared.wake.clear();
        }
    })
}

/// Cancels the call in flight on this queue that was started with
/// `user_data`, as `lambda_invocation_cancel` does with its handle: it
/// still completes, once. A call already completed (or never started) is
/// left alone. User data must be unique among a queue's calls in flight
/// for this to find the right one. NULL is a no-op.
///
/// # Safety
/// `queue` is NULL or a live queue.
#[no_mangle]
pub unsafe extern "C" fn lambda_completion_queue_cancel(
    queue: *const LambdaCompletionQueue,
    user_data: usize,
) {
    guard_void(|| {
        let Some(queue) = queue.as_ref() else {
            return;
        };
        let cancel = queue.shared.lock_cancels().get(&user_data).cloned();
        if let Some(cancel) = cancel {
            cancel.notify_one();
        }
    });
}

//! Live counts: what this library has handed to its caller and not yet had
//! back, and the invocations whose completion it still owes.
//!
//! Every allocation the C ABI hands over has its counter, raised when it is
//! handed over and lowered by its free function:
//!
//! | allocation | handed over by | freed by |
//! |---|---|---|
//! | `LambdaClient` | `lambda_client_new` | `lambda_client_free` |
//! | `LambdaCompletionQueue` | `lambda_completion_queue_new` | `lambda_completion_queue_free` |
//! | `LambdaInvocation` | `lambda_client_invoke`, the `_queued` starts given an `out_invocation` | `lambda_invocation_free` |
//! | a completion's data | `lambda_completion_queue_take`, `lambda_completion_queue_wait` | `lambda_completions_free`, the next `lambda_completion_queue_take` |
//! | a completion's data, read in the ring | its publication | the library, once `head` is past it: at the next publication or `lambda_completion_queue_refill` |
//! | an error string | every `char **out_error` | `lambda_string_free` |
//!
//! (`lambda_example_event` and `lambda_version` return static text: nothing
//! to count.) A completion is counted from the moment it is pushed to its
//! queue, so one that waits there, undrained, counts too; a queue freed
//! with completions in it drops them and their counts.
//!
//! The counters are process-wide atomics, always on (a few uncontended
//! increments per invocation), so a test can read them at the end of a real
//! k6 run: everything back to zero, or to what is alive by design.

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering};

use super::boundary::guard;
use super::LambdaStatus;

/// One process-wide count. Signed: a free without its allocation (a double
/// free that did not crash) shows as a negative count, not a huge one.
pub(super) struct Counter(AtomicI64);

impl Counter {
    const fn new() -> Self {
        Self(AtomicI64::new(0))
    }

    // SeqCst: a completion is counted in `COMPLETIONS` before it stops
    // being counted in `IN_FLIGHT`, and a reader must never see it in
    // neither. The cost is that of any atomic add on x86.
    pub(super) fn add(&self, n: usize) {
        self.0.fetch_add(n as i64, Ordering::SeqCst);
    }

    pub(super) fn sub(&self, n: usize) {
        self.0.fetch_sub(n as i64, Ordering::SeqCst);
    }

    fn get(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Counts one live object until the token is dropped.
    pub(super) fn token(&'static self) -> Token {
        self.add(1);
        Token(self)
    }
}

/// Held by a handle (client, queue, invocation): the handle counts as live
/// from its creation to its drop, whatever path drops it.
pub(super) struct Token(&'static Counter);

impl Drop for Token {
    fn drop(&mut self) {
        self.0.sub(1);
    }
}

/// An invocation's place in `IN_FLIGHT`, from its start until its outcome
/// is handed over. No `Drop`: a task that ends without delivering leaves
/// the invocation counted, which is what a leak check must see.
#[must_use = "an invocation stays in flight until one of its attempts is delivered"]
pub(super) struct Started(());

impl Started {
    /// One attempt at handing the outcome over; `done` records whether it
    /// got as far as `delivered` (so that after a panic in `deliver`, the
    /// task knows whether the outcome is out, or another attempt is owed).
    pub(super) fn attempt<'a>(&self, done: &'a Cell<bool>) -> InFlight<'a> {
        InFlight(done)
    }
}

/// The obligation a `deliver` discharges with `delivered`: for a queue,
/// after the completion is counted in `COMPLETIONS` and before a taker can
/// see it (so a caller that took it finds it in neither count, and a
/// reader never sees it in neither while it is on its way); for a
/// callback, once the callback has returned.
#[must_use = "an invocation stays in flight until `delivered` is called"]
pub(super) struct InFlight<'a>(&'a Cell<bool>);

impl InFlight<'_> {
    /// A new invocation, counted in flight from here.
    pub(super) fn start() -> Started {
        IN_FLIGHT.add(1);
        Started(())
    }

    pub(super) fn delivered(self) {
        IN_FLIGHT.sub(1);
        self.0.set(true);
    }
}

pub(super) static CLIENTS: Counter = Counter::new();
pub(super) static QUEUES: Counter = Counter::new();
pub(super) static INVOCATIONS: Counter = Counter::new();
static IN_FLIGHT: Counter = Counter::new();
pub(super) static COMPLETIONS: Counter = Counter::new();
pub(super) static STRINGS: Counter = Counter::new();

/// What is live in the whole process, for leak checks (`lambda_live_counts`).
/// Each count is the number handed over minus the number freed: after a
/// caller freed everything and every invocation completed, all are 0. A
/// negative count means more frees than allocations.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LambdaLiveCounts {
    /// Clients from `lambda_client_new` not yet freed with `lambda_client_free`.
    pub clients: i64,
    /// Queues from `lambda_completion_queue_new` not yet freed with
    /// `lambda_completion_queue_free`.
    pub queues: i64,
    /// Invocation handles from `lambda_client_invoke` and
    /// `lambda_client_invoke_queued` not yet freed with `lambda_invocation_free`.
    pub invocations: i64,
    /// Invocations started and not yet delivered: their callback has not
    /// returned, or their completion is not yet in its queue.
    pub in_flight: i64,
    /// Completions pushed to a queue and not yet freed: waiting in the
    /// queue, taken (`lambda_completion_queue_take` or `_wait`) and not yet
    /// passed to `lambda_completions_free`, or read in the ring and not yet
    /// reclaimed (call `lambda_completion_queue_refill` before counting).
    pub completions: i64,
    /// Strings written to a `char **out_error` not yet freed with
    /// `lambda_string_free`.
    pub strings: i64,
}

pub(super) fn snapshot() -> LambdaLiveCounts {
    // In field order: `in_flight` before `completions`, so that a
    // completion moving from one to the other is seen in at least one.
    LambdaLiveCounts {
        clients: CLIENTS.get(),
        queues: QUEUES.get(),
        invocations: INVOCATIONS.get(),
        in_flight: IN_FLIGHT.get(),
        completions: COMPLETIONS.get(),
        strings: STRINGS.get(),
    }
}

/// Writes the library's live counts to `*out`: diagnostic, for leak
/// checks at the end of a test. The counts are read one after the other,
/// while other threads may run: each is exact, the set is not a snapshot
/// of one instant, and an invocation completing as they are read may be
/// seen in both `in_flight` and `completions` (never in neither).
///
/// # Safety
/// `out` is NULL (`LAMBDA_STATUS_NULL_ARGUMENT`) or valid for one
/// `LambdaLiveCounts` write.
#[no_mangle]
pub unsafe extern "C" fn lambda_live_counts(out: *mut LambdaLiveCounts) -> LambdaStatus {
    guard(|| {
        if out.is_null() {
            return LambdaStatus::NullArgument;
        }
        out.write(snapshot());
        LambdaStatus::Ok
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::c_char;
    use std::net::TcpListener;
    use std::ptr;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::ffi::*;

    /// The change since `base`, field by field.
    fn delta(base: LambdaLiveCounts) -> LambdaLiveCounts {
        let now = counts();
        LambdaLiveCounts {
            clients: now.clients - base.clients,
            queues: now.queues - base.queues,
            invocations: now.invocations - base.invocations,
            in_flight: now.in_flight - base.in_flight,
            completions: now.completions - base.completions,
            strings: now.strings - base.strings,
        }
    }

    fn counts() -> LambdaLiveCounts {
        let mut out = LambdaLiveCounts::default();
        assert_eq!(unsafe { lambda_live_counts(&mut out) }, LambdaStatus::Ok);
        out
    }

    /// Polls until `delta(base)` is `want` (completions arrive on runtime
    /// threads), for at most 10 s times `XK6_LAMBDA_TEST_PATIENCE` (a
    /// factor for slow runs: valgrind, scripts/sanitize.sh).
    fn wait_for(base: LambdaLiveCounts, want: LambdaLiveCounts) {
        let patience = std::env::var("XK6_LAMBDA_TEST_PATIENCE")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(1)
            .max(1);
        let deadline = Instant::now() + Duration::from_secs(10) * patience;
        while delta(base) != want {
            assert!(
                Instant::now() < deadline,
                "live counts: {:?}, want {want:?}",
                delta(base)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn new_client(config: &str) -> (LambdaStatus, *mut LambdaClient, *mut c_char) {
        let mut client = ptr::null_mut();
        let mut error = ptr::null_mut();
        let status =
            unsafe { lambda_client_new(config.as_ptr(), config.len(), &mut client, &mut error) };
        (status, client, error)
    }

    /// An endpoint that accepts connections (the kernel's backlog) and never
    /// answers: invocations stay in flight until cancelled.
    fn silent_endpoint() -> (TcpListener, String) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        (listener, url)
    }

    fn request(name: &str) -> LambdaInvokeRequest {
        LambdaInvokeRequest {
            function_name: name.as_ptr(),
            function_name_len: name.len(),
            payload: ptr::null(),
            payload_len: 0,
            invocation_type: ptr::null(),
            invocation_type_len: 0,
            log_type: ptr::null(),
            log_type_len: 0,
            client_context: ptr::null(),
            client_context_len: 0,
            qualifier: ptr::null(),
            qualifier_len: 0,
            tenant_id: ptr::null(),
            tenant_id_len: 0,
            durable_execution_name: ptr::null(),
            durable_execution_name_len: 0,
        }
    }

    const ZERO: LambdaLiveCounts = LambdaLiveCounts {
        clients: 0,
        queues: 0,
        invocations: 0,
        in_flight: 0,
        completions: 0,
        strings: 0,
    };

    #[test]
    fn null_out_is_refused() {
        assert_eq!(
            unsafe { lambda_live_counts(ptr::null_mut()) },
            LambdaStatus::NullArgument
        );
    }

    /// Every counter goes up as its allocation is handed over, and back to
    /// zero as it is freed; invocations count as in flight until their
    /// completion is in the queue.
    #[test]
    fn queued_invocations_count_up_and_back_to_zero() {
        let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let base = counts();
        let (_listener, endpoint) = silent_endpoint();
        let config = format!(
            r#"{{"region":"us-east-1","endpoint":"{endpoint}","accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}"#
        );
        let (status, client, _) = new_client(&config);
        assert_eq!(status, LambdaStatus::Ok);
        let queue = lambda_completion_queue_new();
        assert_eq!(
            delta(base),
            LambdaLiveCounts {
                clients: 1,
                queues: 1,
                ..ZERO
            }
        );

        let name = "add-numbers";
        let raw = request(name);
        let mut invocations = Vec::new();
        for user_data in 0..3 {
            let mut invocation = ptr::null_mut();
            let status = unsafe {
                lambda_client_invoke_queued(
                    client,
                    &raw,
                    queue,
                    user_data,
                    &mut invocation,
                    ptr::null_mut(),
                )
            };
            assert_eq!(status, LambdaStatus::Ok);
            invocations.push(invocation);
        }
        // A refused request hands over an error string, no invocation.
        let mut bad = request(name);
        bad.log_type = "Full".as_ptr();
        bad.log_type_len = 4;
        let mut none = ptr::null_mut();
        let mut error = ptr::null_mut();
        let status =
            unsafe { lambda_client_invoke_queued(client, &bad, queue, 9, &mut none, &mut error) };
        assert_eq!(status, LambdaStatus::InvalidRequest);
        let all_in_flight = LambdaLiveCounts {
            clients: 1,
            queues: 1,
            invocations: 3,
            in_flight: 3,
            strings: 1,
            ..ZERO
        };
        assert_eq!(delta(base), all_in_flight);
        unsafe { lambda_string_free(error) };

        // Cancelled, they complete into the queue: no longer in flight, not
        // yet freed.
        for &invocation in &invocations {
            unsafe { lambda_invocation_cancel(invocation) };
        }
        let queued = LambdaLiveCounts {
            in_flight: 0,
            completions: 3,
            strings: 0,
            ..all_in_flight
        };
        wait_for(base, queued);
        // The client freed and in-flight work done: the client's count drops
        // at once (invocations keep their own reference to its state).
        unsafe { lambda_client_free(client) };
        let mut batch: Vec<LambdaCompletion> = (0..8).map(|_| LambdaCompletion::EMPTY).collect();
        let mut taken = 0;
        while taken < 3 {
            let n = unsafe {
                lambda_completion_queue_wait(queue, batch.as_mut_ptr(), batch.len(), 60_000)
            };
            assert!(n > 0);
            // Taken from the queue, not yet freed: still counted.
            assert_eq!(delta(base).completions, 3 - taken as i64);
            unsafe { lambda_completions_free(batch.as_mut_ptr(), n) };
            taken += n;
        }
        assert_eq!(
            delta(base),
            LambdaLiveCounts {
                clients: 0,
                completions: 0,
                ..queued
            }
        );
        for invocation in invocations {
            unsafe { lambda_invocation_free(invocation) };
        }
        unsafe { lambda_completion_queue_free(queue) };
        assert_eq!(delta(base), ZERO);
    }

    /// A queue freed with completions still in it drops them, and their counts.
    #[test]
    fn a_freed_queue_drops_its_completions_counts() {
        let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let base = counts();
        let queue = lambda_completion_queue_new();
        let shared = unsafe { &*queue }.shared();
        for user_data in [1, 2] {
            let done = Cell::new(false);
            shared.push(
                user_data,
                crate::ffi::result::Finished::Failed(crate::error::InvokeError::cancelled()),
                InFlight::start().attempt(&done),
            );
            assert!(done.get());
        }
        drop(shared);
        assert_eq!(
            delta(base),
            LambdaLiveCounts {
                queues: 1,
                completions: 2,
                ..ZERO
            }
        );
        unsafe { lambda_completion_queue_free(queue) };
        assert_eq!(delta(base), ZERO);
    }

    /// What `recording_callback` received: (user data, the outcome's JSON).
    static RECORDED: std::sync::Mutex<Vec<(usize, String)>> = std::sync::Mutex::new(Vec::new());

    unsafe extern "C" fn recording_callback(user_data: usize, json: *const u8, len: usize) {
        let json = String::from_utf8_lossy(std::slice::from_raw_parts(json, len)).into_owned();
        RECORDED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((user_data, json));
    }

    fn recorded(user_data: usize) -> Vec<String> {
        let recorded = RECORDED.lock().unwrap_or_else(|e| e.into_inner());
        recorded
            .iter()
            .filter(|(u, _)| *u == user_data)
            .map(|(_, json)| json.clone())
            .collect()
    }

    /// A panic inside `deliver`, as it takes the outcome over (the queue's
    /// push, the callback's closure), is caught inside the task: the call
    /// still completes, exactly once, with an InternalError that says so,
    /// and is no longer in flight. Both ways of delivering.
    #[test]
    fn a_panic_while_delivering_still_completes_once() {
        let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let base = counts();
        // Port 1 of loopback refuses every connection: every invocation
        // fails at once. (A port freed by closing a listener could be taken
        // by another test's server, or be a connection's own source port.)
        let endpoint = "http://127.0.0.1:1";
        let config = format!(
            r#"{{"region":"us-east-1","endpoint":"{endpoint}","accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}"#
        );
        let (status, client, _) = new_client(&config);
        assert_eq!(status, LambdaStatus::Ok);
        let queue = lambda_completion_queue_new();
        let raw = request("add-numbers");

        const QUEUED: usize = 0xDE11_7E12;
        crate::ffi::invocation::fault::arm(QUEUED);
        let mut invocation = ptr::null_mut();
        let status = unsafe {
            lambda_client_invoke_queued(
                client,
                &raw,
                queue,
                QUEUED,
                &mut invocation,
                ptr::null_mut(),
            )
        };
        assert_eq!(status, LambdaStatus::Ok);
        let mut batch: Vec<LambdaCompletion> = (0..8).map(|_| LambdaCompletion::EMPTY).collect();
        let n =
            unsafe { lambda_completion_queue_wait(queue, batch.as_mut_ptr(), batch.len(), 10_000) };
        assert_eq!(n, 1, "the invocation completed");
        let completion = &batch[0];
        assert_eq!(completion.user_data, QUEUED);
        let error = completion.result.error_json;
        let error =
            unsafe { std::str::from_utf8(std::slice::from_raw_parts(error.ptr, error.len)) };
        let error: serde_json::Value = serde_json::from_str(error.unwrap()).unwrap();
        assert_eq!(error["name"], "InternalError", "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("panicked while delivering"), "{message}");
        assert!(
            message.contains("a panic injected into deliver"),
            "{message}"
        );
        unsafe { lambda_completions_free(batch.as_mut_ptr(), n) };
        // Once: nothing else comes for it.
        let n =
            unsafe { lambda_completion_queue_wait(queue, batch.as_mut_ptr(), batch.len(), 300) };
        assert_eq!(n, 0);
        assert_eq!(
            delta(base),
            LambdaLiveCounts {
                clients: 1,
                queues: 1,
                invocations: 1,
                ..ZERO
            }
        );
        unsafe { lambda_invocation_free(invocation) };

        const CALLED: usize = 0xDE11_7E13;
        crate::ffi::invocation::fault::arm(CALLED);
        let mut invocation = ptr::null_mut();
        let status = unsafe {
            lambda_client_invoke(
                client,
                &raw,
                Some(recording_callback),
                CALLED,
                &mut invocation,
                ptr::null_mut(),
            )
        };
        assert_eq!(status, LambdaStatus::Ok);
        wait_for(
            base,
            LambdaLiveCounts {
                clients: 1,
                queues: 1,
                invocations: 1,
                ..ZERO
            },
        );
        std::thread::sleep(Duration::from_millis(300));
        let outcomes = recorded(CALLED);
        assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        let outcome: serde_json::Value = serde_json::from_str(&outcomes[0]).unwrap();
        assert_eq!(outcome["error"]["name"], "InternalError", "{outcome}");
        unsafe {
            lambda_invocation_free(invocation);
            lambda_client_free(client);
            lambda_completion_queue_free(queue);
        }
        assert_eq!(delta(base), ZERO);
    }

    static CALLBACKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    unsafe extern "C" fn count_callback(_: usize, _: *const u8, _: usize) {
        CALLBACKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// With a callback, an invocation is in flight until its callback
    /// returned; a refused configuration hands over one error string.
    #[test]
    fn callback_invocations_and_error_strings_count_too() {
        let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let base = counts();
        let (status, client, error) = new_client(r#"{"region":" "}"#);
        assert_eq!(status, LambdaStatus::InvalidConfig);
        assert!(client.is_null());
        assert_eq!(delta(base), LambdaLiveCounts { strings: 1, ..ZERO });
        unsafe { lambda_string_free(error) };
        assert_eq!(delta(base), ZERO);

        let (_listener, endpoint) = silent_endpoint();
        let config = format!(
            r#"{{"region":"us-east-1","endpoint":"{endpoint}","accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}"#
        );
        let (status, client, _) = new_client(&config);
        assert_eq!(status, LambdaStatus::Ok);
        let raw = request("add-numbers");
        let mut invocation = ptr::null_mut();
        let before = CALLBACKS.load(std::sync::atomic::Ordering::SeqCst);
        let status = unsafe {
            lambda_client_invoke(
                client,
                &raw,
                Some(count_callback),
                0,
                &mut invocation,
                ptr::null_mut(),
            )
        };
        assert_eq!(status, LambdaStatus::Ok);
        assert_eq!(
            delta(base),
            LambdaLiveCounts {
                clients: 1,
                invocations: 1,
                in_flight: 1,
                ..ZERO
            }
        );
        unsafe {
            lambda_invocation_cancel(invocation);
            lambda_invocation_free(invocation);
            lambda_client_free(client);
        }
        wait_for(base, ZERO);
        assert_eq!(
            CALLBACKS.load(std::sync::atomic::Ordering::SeqCst),
            before + 1
        );
    }
}

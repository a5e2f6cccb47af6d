//! The C ABI as a C caller uses it: ownership, status codes, exactly one
//! callback per started invocation, cancellation, and no unwinding. The
//! tests run one at a time, and each ends with nothing live
//! (`lambda_live_counts` all zero): whatever it was handed, it freed.

use std::ffi::{c_char, CStr};
use std::ptr;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use xk6_lambda::ffi::*;

mod common;
use common::{
    assert_nothing_live, client, patience, patient, refused_endpoint, serve, Request, OK_RESPONSE,
};

/// Completions arrive here, tagged with the user data they were started with.
static COMPLETIONS: Mutex<Option<Sender<(usize, String)>>> = Mutex::new(None);
static TEST_LOCK: Mutex<()> = Mutex::new(());

unsafe extern "C" fn on_complete(user_data: usize, json: *const u8, len: usize) {
    let text = String::from_utf8(std::slice::from_raw_parts(json, len).to_vec()).unwrap();
    if let Some(tx) = COMPLETIONS.lock().unwrap().as_ref() {
        let _ = tx.send((user_data, text));
    }
}

fn completions() -> Receiver<(usize, String)> {
    let (tx, rx) = channel();
    *COMPLETIONS.lock().unwrap() = Some(tx);
    rx
}

fn start(
    client: *mut LambdaClient,
    request: &Request,
    user_data: usize,
) -> (LambdaStatus, *mut LambdaInvocation, Option<String>) {
    let raw = request.raw();
    let mut invocation = ptr::null_mut();
    let mut error: *mut c_char = ptr::null_mut();
    let status = unsafe {
        lambda_client_invoke(
            client,
            raw.ptr(),
            Some(on_complete),
            user_data,
            &mut invocation,
            &mut error,
        )
    };
    let error = (!error.is_null()).then(|| unsafe {
        let text = CStr::from_ptr(error).to_string_lossy().into_owned();
        lambda_string_free(error);
        text
    });
    (status, invocation, error)
}

#[test]
fn a_started_invocation_completes_exactly_once() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rx = completions();
    let endpoint = serve(OK_RESPONSE, Duration::ZERO);
    let client = client(&endpoint);
    let (status, invocation, error) = start(client, &Request::new("add-numbers"), 7);
    assert_eq!(status, LambdaStatus::Ok);
    assert!(error.is_none());
    unsafe { lambda_client_free(client) }; // in-flight work survives its client
    let (user_data, json) = rx.recv_timeout(patient(Duration::from_secs(10))).unwrap();
    assert_eq!(user_data, 7);
    let response: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["executedVersion"], "$LATEST");
    assert_eq!(response["payload"], "3");
    // The wire bytes: a signed request with a 13-byte body, and the
    // response above (its headers as hyper hands them over).
    let sent = response["bytesSent"].as_u64().unwrap();
    let received = response["bytesReceived"].as_u64().unwrap();
    assert!((400..2000).contains(&sent), "bytesSent {sent}");
    assert!(
        (60..=OK_RESPONSE.len() as u64 + 20).contains(&received),
        "bytesReceived {received}"
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "a second callback"
    );
    unsafe { lambda_invocation_free(invocation) };
    assert_nothing_live();
}

#[test]
fn invalid_requests_are_refused_without_a_callback() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rx = completions();
    let client = client("http://127.0.0.1:9");
    let mut request = Request::new("add-numbers");
    request.log_type = "Full".into();
    let (status, invocation, error) = start(client, &request, 1);
    assert_eq!(status, LambdaStatus::InvalidRequest);
    assert!(invocation.is_null());
    let error = error.expect("an error JSON");
    assert!(error.contains(r#""field":"logType""#), "{error}");
    assert!(error.contains("None, Tail"), "{error}");
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    unsafe { lambda_client_free(client) };
    assert_nothing_live();
}

#[test]
fn cancelling_completes_promptly_with_cancelled() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rx = completions();
    let endpoint = serve(OK_RESPONSE, patient(Duration::from_secs(5)));
    let client = client(&endpoint);
    let (status, invocation, _) = start(client, &Request::new("add-numbers"), 3);
    assert_eq!(status, LambdaStatus::Ok);
    thread::sleep(Duration::from_millis(100));
    unsafe { lambda_invocation_cancel(invocation) };
    let (user_data, json) = rx.recv_timeout(patient(Duration::from_secs(2))).unwrap();
    assert_eq!(user_data, 3);
    assert!(json.contains(r#""kind":"cancelled""#), "{json}");
    unsafe {
        lambda_invocation_cancel(invocation); // after completion: a no-op
        lambda_invocation_free(invocation);
        lambda_client_free(client);
    }
    assert_nothing_live();
}

#[test]
fn refused_connections_are_network_errors() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let rx = completions();
    let client = client(&refused_endpoint());
    let (status, invocation, _) = start(client, &Request::new("add-numbers"), 5);
    assert_eq!(status, LambdaStatus::Ok);
    let (_, json) = rx.recv_timeout(patient(Duration::from_secs(10))).unwrap();
    assert!(json.contains(r#""name":"TCPError","code":1212"#), "{json}");
    unsafe {
        lambda_invocation_free(invocation);
        lambda_client_free(client);
    }
    assert_nothing_live();
}

#[test]
fn bad_arguments_get_status_codes_not_crashes() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut client = ptr::null_mut();
    let mut error: *mut c_char = ptr::null_mut();
    unsafe {
        assert_eq!(
            lambda_client_new(ptr::null(), 5, &mut client, &mut error),
            LambdaStatus::NullArgument
        );
        assert_eq!(
            lambda_client_new(b"{}".as_ptr(), 2, ptr::null_mut(), &mut error),
            LambdaStatus::NullArgument
        );
        let bad = br#"{"region":" "}"#;
        assert_eq!(
            lambda_client_new(bad.as_ptr(), bad.len(), &mut client, &mut error),
            LambdaStatus::InvalidConfig
        );
        assert!(client.is_null());
        let text = CStr::from_ptr(error).to_string_lossy().into_owned();
        assert!(
            text.contains("InvalidAWSConfigError") && text.contains("invalid AWS region"),
            "{text}"
        );
        lambda_string_free(error);
        let mut invocation = ptr::null_mut();
        let request = Request::new("f");
        let request = request.raw();
        assert_eq!(
            lambda_client_invoke(
                ptr::null(),
                request.ptr(),
                Some(on_complete),
                0,
                &mut invocation,
                ptr::null_mut()
            ),
            LambdaStatus::NullArgument
        );
        // Freeing NULL is a no-op everywhere.
        lambda_client_free(ptr::null_mut());
        lambda_invocation_free(ptr::null_mut());
        lambda_invocation_cancel(ptr::null());
        lambda_string_free(ptr::null_mut());
        assert_eq!(
            CStr::from_ptr(lambda_version()).to_str().unwrap(),
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(
            lambda_live_counts(ptr::null_mut()),
            LambdaStatus::NullArgument
        );
    }
    assert_nothing_live();
}

/// A result's error JSON as text ("" when it has none), for the message
/// of an assertion that failed on it.
fn error_text(result: &LambdaResult) -> String {
    if result.error_json.ptr.is_null() {
        return String::new();
    }
    let json = unsafe { std::slice::from_raw_parts(result.error_json.ptr, result.error_json.len) };
    String::from_utf8_lossy(json).into_owned()
}

/// Starts one queued invocation of `request` per user data in `ids`.
fn start_queued(
    client: *mut LambdaClient,
    request: &Request,
    queue: *mut LambdaCompletionQueue,
    ids: std::ops::RangeInclusive<usize>,
) -> Vec<*mut LambdaInvocation> {
    let raw = request.raw();
    ids.map(|user_data| {
        let mut invocation = ptr::null_mut();
        let status = unsafe {
            lambda_client_invoke_queued(
                client,
                raw.ptr(),
                queue,
                user_data,
                &mut invocation,
                ptr::null_mut(),
            )
        };
        assert_eq!(status, LambdaStatus::Ok);
        invocation
    })
    .collect()
}

#[test]
fn queued_invocations_complete_once_each_in_batches() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let endpoint = serve(OK_RESPONSE, Duration::ZERO);
    let client = client(&endpoint);
    let queue = lambda_completion_queue_new();
    assert!(!queue.is_null());
    let request = Request::new("add-numbers");
    let invocations = start_queued(client, &request, queue, 1..=20);
    let mut seen = Vec::new();
    let mut batch: Vec<LambdaCompletion> = (0..8).map(|_| LambdaCompletion::EMPTY).collect();
    let wait_ms = patient(Duration::from_secs(5)).as_millis() as u32;
    while seen.len() < 20 {
        let n = unsafe {
            lambda_completion_queue_wait(queue, batch.as_mut_ptr(), batch.len(), wait_ms)
        };
        assert!(n > 0, "timed out with {} of 20 completions", seen.len());
        for completion in &batch[..n] {
            let result = &completion.result;
            assert!(
                result.error_json.ptr.is_null(),
                "no error: {}",
                error_text(result)
            );
            assert_eq!(result.status_code, 200);
            let payload =
                unsafe { std::slice::from_raw_parts(result.payload.ptr, result.payload.len) };
            assert_eq!(payload, b"3");
            assert!(result.on_wire && result.duration_ns > 0 && result.end_unix_ns > 0);
            assert!(result.bytes_sent > 0 && result.bytes_received > 0);
            seen.push(completion.user_data);
        }
        unsafe { lambda_completions_free(batch.as_mut_ptr(), n) };
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=20).collect::<Vec<_>>(),
        "each invocation exactly once"
    );
    let n = unsafe { lambda_completion_queue_wait(queue, batch.as_mut_ptr(), batch.len(), 200) };
    assert_eq!(n, 0, "no completion twice");
    unsafe {
        for invocation in invocations {
            lambda_invocation_free(invocation);
        }
        lambda_client_free(client);
        lambda_completion_queue_free(queue);
    }
    assert_nothing_live();
}

/// A completion taken from its queue is no longer in flight: the header
/// says `in_flight` counts invocations whose completion is not yet in its
/// queue. A C caller that checks the counts once after draining (as
/// tests/c/smoke.c does) must not find its invocation still in flight.
/// The library used to lower the count after the push, so a taker could
/// get there first (CI saw it once; this loop saw it in 1,712 of 2,000
/// rounds). Fewer rounds where the library runs slower (valgrind).
#[test]
fn a_taken_completion_is_no_longer_in_flight() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let client = client(&refused_endpoint());
    let queue = lambda_completion_queue_new();
    let request = Request::new("add-numbers");
    let mut completion = [LambdaCompletion::EMPTY];
    let wait_ms = patient(Duration::from_secs(5)).as_millis() as u32;
    let rounds = 2_000 / patience() as usize;
    let mut still_in_flight = 0;
    for round in 0..rounds {
        let invocation = start_queued(client, &request, queue, round..=round).remove(0);
        let n = unsafe { lambda_completion_queue_wait(queue, completion.as_mut_ptr(), 1, wait_ms) };
        assert_eq!(n, 1, "round {round}: no completion");
        let mut counts = LambdaLiveCounts::default();
        assert_eq!(unsafe { lambda_live_counts(&mut counts) }, LambdaStatus::Ok);
        if counts.in_flight != 0 {
            still_in_flight += 1;
        }
        unsafe {
            lambda_completions_free(completion.as_mut_ptr(), 1);
            lambda_invocation_free(invocation);
        }
    }
    unsafe {
        lambda_client_free(client);
        lambda_completion_queue_free(queue);
    }
    assert_eq!(
        still_in_flight, 0,
        "of 2,000 taken completions, in flight when taken"
    );
    assert_nothing_live();
}

/// The drain a C caller runs with take (Go reads the ring instead,
/// tests/ffi_ring.rs): wait for the wake descriptor with poll, reset it,
/// take until empty. Every completion arrives once; a descriptor that is
/// not readable means nothing waits; the caller's descriptor is its own
/// (closing it leaves the queue working).
#[test]
fn wake_descriptor_signals_completions_to_take() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let endpoint = serve(OK_RESPONSE, Duration::ZERO);
    let client = client(&endpoint);
    let queue = lambda_completion_queue_new();
    assert!(!queue.is_null());
    let fd = unsafe { lambda_completion_queue_wake_fd(queue) };
    assert!(fd >= 0, "a wake descriptor");
    let readable = |timeout: Duration| {
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        unsafe { libc::poll(&mut poll, 1, timeout.as_millis() as libc::c_int) == 1 }
    };
    let reset = || {
        let mut counter = 0u64;
        unsafe { libc::read(fd, (&mut counter as *mut u64).cast(), 8) };
    };
    let mut batch: Vec<LambdaCompletion> = (0..4).map(|_| LambdaCompletion::EMPTY).collect();
    assert!(!readable(Duration::ZERO), "nothing signalled yet");
    assert_eq!(
        unsafe { lambda_completion_queue_take(queue, batch.as_mut_ptr(), batch.len(), 0) },
        0,
        "take never blocks"
    );

    let request = Request::new("add-numbers");
    let mut invocations = start_queued(client, &request, queue, 1..=10);
    let mut seen = Vec::new();
    while seen.len() < 10 {
        assert!(
            readable(patient(Duration::from_secs(5))),
            "signalled: {} of 10 taken",
            seen.len()
        );
        reset();
        // Each take frees the batch the previous one returned.
        let mut held = 0;
        loop {
            let n = unsafe {
                lambda_completion_queue_take(queue, batch.as_mut_ptr(), batch.len(), held)
            };
            held = n;
            seen.extend(batch[..n].iter().map(|c| c.user_data));
            for c in &batch[..n] {
                assert_eq!(c.result.status_code, 200, "{}", error_text(&c.result));
            }
            if n == 0 {
                break;
            }
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, (1..=10).collect::<Vec<_>>(), "each exactly once");
    // A spurious wake is allowed (the header: "It may be readable with
    // nothing to take"): a pusher signals after it released the lock, so a
    // take between the two drains its completion before the signal lands.
    // Such a wake must find nothing to take, and nothing is lost by it.
    if readable(Duration::ZERO) {
        reset();
        assert_eq!(
            unsafe { lambda_completion_queue_take(queue, batch.as_mut_ptr(), batch.len(), 0) },
            0,
            "a wake after everything was taken finds nothing to take"
        );
    }

    // The caller's descriptor is a copy: closing it leaves the queue's.
    unsafe { libc::close(fd) };
    invocations.extend(start_queued(client, &request, queue, 11..=11));
    let wait_ms = patient(Duration::from_secs(5)).as_millis() as u32;
    let n = unsafe { lambda_completion_queue_wait(queue, batch.as_mut_ptr(), 1, wait_ms) };
    assert_eq!((n, batch[0].user_data), (1, 11));
    unsafe {
        lambda_completions_free(batch.as_mut_ptr(), n);
        for invocation in invocations {
            lambda_invocation_free(invocation);
        }
        lambda_client_free(client);
        lambda_completion_queue_free(queue);
    }
    assert_nothing_live();
}

/// Not a test of the library: a deliberate leak of one completion (taken
/// from its queue, never passed to `lambda_completions_free`), the bug the
/// live counts and the leak checkers are there to catch. scripts/sanitize.sh
/// runs it alone and fails unless the checker reports the leak: proof that
/// the checker sees the library's allocations (with mimalloc, the default
/// allocator, it would see none of them).
#[test]
#[ignore = "a deliberate leak, for scripts/sanitize.sh"]
fn leak_canary() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let client = client(&refused_endpoint());
    let queue = lambda_completion_queue_new();
    let request = Request::new("add-numbers");
    let raw = request.raw();
    let mut invocation = ptr::null_mut();
    let status = unsafe {
        lambda_client_invoke_queued(
            client,
            raw.ptr(),
            queue,
            1,
            &mut invocation,
            ptr::null_mut(),
        )
    };
    assert_eq!(status, LambdaStatus::Ok);
    let mut batch = vec![LambdaCompletion::EMPTY];
    let wait_ms = patient(Duration::from_secs(10)).as_millis() as u32;
    let n = unsafe { lambda_completion_queue_wait(queue, batch.as_mut_ptr(), 1, wait_ms) };
    assert_eq!(n, 1);
    let mut counts = LambdaLiveCounts::default();
    unsafe { lambda_live_counts(&mut counts) };
    assert_eq!(counts.completions, 1, "the leaked completion is counted");
    drop(batch); // the leak: no lambda_completions_free
    unsafe {
        lambda_invocation_free(invocation);
        lambda_client_free(client);
        lambda_completion_queue_free(queue);
    }
}

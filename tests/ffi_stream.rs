//! The streamed calls of the C ABI (`lambda_client_invoke_stream_queued`,
//! `lambda_client_invoke_url_queued`) as a C caller drains them: a chunk
//! completion per chunk, in order, then exactly one outcome; refusals
//! before anything is sent; cancellation mid-stream; nothing left live.

use std::ffi::{c_char, CStr};
use std::ptr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use xk6_lambda::ffi::*;

mod common;
use common::{
    assert_nothing_live, client, patient, serve, serve_and_hold, serve_bytes, Request, OK_RESPONSE,
};

static TEST_LOCK: Mutex<()> = Mutex::new(());

/// One event-stream message of InvokeWithResponseStream.
fn event(event_type: &str, content_type: &str, payload: &[u8]) -> Vec<u8> {
    let message = Message::new(Bytes::copy_from_slice(payload))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event_type.to_owned().into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String(content_type.to_owned().into()),
        ))
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("event".into()),
        ));
    let mut out = Vec::new();
    write_message_to(&message, &mut out).unwrap();
    out
}

/// An InvokeWithResponseStream answer: `chunks`, then InvokeComplete with
/// `complete` (its JSON), in one chunked body.
fn stream_answer(chunks: &[&str], complete: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for chunk in chunks {
        body.extend(event(
            "PayloadChunk",
            "application/octet-stream",
            chunk.as_bytes(),
        ));
    }
    body.extend(event(
        "InvokeComplete",
        "application/json",
        complete.as_bytes(),
    ));
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n\
         X-Amz-Executed-Version: $LATEST\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend(body);
    answer
}

/// The InvokeWithResponseStream request the tests send (the servers'
/// answers are canned).
fn stream_request() -> Request {
    Request {
        payload: "{}".into(),
        ..Request::new("streamer")
    }
}

/// Starts `stream_request()` on `client`, its completions tagged
/// `user_data`; it must be accepted.
fn start_stream(
    client: *mut LambdaClient,
    queue: *mut LambdaCompletionQueue,
    user_data: usize,
) -> *mut LambdaInvocation {
    let request = stream_request();
    let raw = request.raw();
    let mut invocation = ptr::null_mut();
    let status = unsafe {
        lambda_client_invoke_stream_queued(
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
}

/// What a drained completion carried, copied out before it is freed.
#[derive(Debug, PartialEq)]
enum Seen {
    Chunk(usize, Vec<u8>, u64),
    Streamed(usize, serde_json::Value),
    Invoked(usize),
}

/// Drains `queue` until `finals` calls have ended (or the bound passes).
fn drain(queue: *mut LambdaCompletionQueue, finals: usize) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut batch: Vec<LambdaCompletion> = (0..4).map(|_| LambdaCompletion::EMPTY).collect();
    let deadline = Instant::now() + patient(Duration::from_secs(10));
    let wait_ms = patient(Duration::from_millis(500)).as_millis() as u32;
    let ended = |seen: &Vec<Seen>| {
        seen.iter()
            .filter(|s| !matches!(s, Seen::Chunk(..)))
            .count()
    };
    while ended(&seen) < finals {
        assert!(Instant::now() < deadline, "timed out: {seen:?}");
        let n = unsafe {
            lambda_completion_queue_wait(queue, batch.as_mut_ptr(), batch.len(), wait_ms)
        };
        for c in &batch[..n] {
            let bytes = || unsafe { std::slice::from_raw_parts(c.bytes.ptr, c.bytes.len).to_vec() };
            seen.push(match c.kind {
                LambdaCompletionKind::Chunk => Seen::Chunk(c.user_data, bytes(), c.gap_ns),
                LambdaCompletionKind::Streamed => Seen::Streamed(
                    c.user_data,
                    serde_json::from_slice(&bytes()).expect("the outcome is JSON"),
                ),
                LambdaCompletionKind::Invoked => Seen::Invoked(c.user_data),
            });
        }
        unsafe { lambda_completions_free(batch.as_mut_ptr(), n) };
    }
    seen
}

/// Frees what a test was handed (`invocation` may be NULL), then checks
/// that nothing is left live.
fn release(
    invocation: *mut LambdaInvocation,
    client: *mut LambdaClient,
    queue: *mut LambdaCompletionQueue,
) {
    unsafe {
        lambda_invocation_free(invocation);
        lambda_client_free(client);
        lambda_completion_queue_free(queue);
    }
    assert_nothing_live();
}

/// A header borrowing `name` and `value`.
fn header(name: &'static str, value: &'static str) -> LambdaHeader {
    LambdaHeader {
        name: name.as_ptr(),
        name_len: name.len(),
        value: value.as_ptr(),
        value_len: value.len(),
    }
}

/// A function URL request borrowing `url`, `method` and `headers`.
fn url_request(url: &str, method: &str, headers: &[LambdaHeader]) -> LambdaUrlRequest {
    LambdaUrlRequest {
        url: url.as_ptr(),
        url_len: url.len(),
        method: method.as_ptr(),
        method_len: method.len(),
        body: ptr::null(),
        body_len: 0,
        headers: headers.as_ptr(),
        headers_len: headers.len(),
    }
}

fn take_error(error: *mut c_char) -> Option<serde_json::Value> {
    (!error.is_null()).then(|| unsafe {
        let text = CStr::from_ptr(error).to_string_lossy().into_owned();
        lambda_string_free(error);
        serde_json::from_str(&text).unwrap()
    })
}

#[test]
fn a_stream_delivers_its_chunks_in_order_then_one_outcome() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let answer = stream_answer(
        &["one ", "", "two"],
        r#"{"LogResult":"","ErrorCode":null,"ErrorDetails":null}"#,
    );
    let client = client(&serve_bytes(answer, Duration::ZERO));
    let queue = lambda_completion_queue_new();
    let invocation = start_stream(client, queue, 7);
    let seen = drain(queue, 1);
    let chunks: Vec<&[u8]> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Chunk(7, bytes, _) => Some(bytes.as_slice()),
            _ => None,
        })
        .collect();
    assert_eq!(
        chunks,
        [&b"one "[..], b"", b"two"],
        "every chunk, the empty one too, in order"
    );
    assert!(
        matches!(seen[0], Seen::Chunk(7, _, 0)),
        "the first chunk has no gap"
    );
    let Some(Seen::Streamed(7, outcome)) = seen.last() else {
        panic!("the outcome comes last: {seen:?}");
    };
    assert_eq!(outcome["statusCode"], 200);
    assert_eq!(outcome["payload"], "one two");
    assert_eq!(outcome["chunks"], 3);
    assert_eq!(outcome["executedVersion"], "$LATEST");
    assert!(outcome["timeToFirstChunkNs"].as_u64().unwrap() > 0);
    assert!(outcome["bytesSent"].as_u64().unwrap() > 0);
    assert!(outcome.get("error").is_none(), "{outcome}");
    assert_eq!(seen.len(), 4, "nothing twice: {seen:?}");
    release(invocation, client, queue);
}

#[test]
fn a_function_url_answer_is_an_outcome_whatever_its_status() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // The client's endpoint is Lambda's; a function URL names its own host.
    let client = client(&serve(OK_RESPONSE, Duration::ZERO));
    let queue = lambda_completion_queue_new();
    let server = serve(
        "HTTP/1.1 503 Service Unavailable\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 4\r\n\r\nbusy",
        Duration::ZERO,
    );
    let url = format!("{server}/path?q=1");
    let headers = [header("x-custom", "v")];
    let request = url_request(&url, "DELETE", &headers);
    let mut invocation = ptr::null_mut();
    let status = unsafe {
        lambda_client_invoke_url_queued(
            client,
            &request,
            queue,
            9,
            &mut invocation,
            ptr::null_mut(),
        )
    };
    assert_eq!(status, LambdaStatus::Ok);
    let seen = drain(queue, 1);
    assert_eq!(seen[0], Seen::Chunk(9, b"busy".to_vec(), 0));
    let Some(Seen::Streamed(9, outcome)) = seen.last() else {
        panic!("the outcome comes last: {seen:?}");
    };
    assert_eq!(outcome["statusCode"], 503);
    assert_eq!(outcome["headers"]["x-a"], "1, 2");
    assert_eq!(outcome["payload"], "busy");
    release(invocation, client, queue);
}

#[test]
fn what_cannot_be_sent_is_refused_with_its_reason_and_no_completion() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let client = client(&serve(OK_RESPONSE, Duration::ZERO));
    let queue = lambda_completion_queue_new();
    let mut invocation = ptr::null_mut();

    // InvokeWithResponseStream has no Event invocations.
    let event = Request {
        invocation_type: "Event".into(),
        ..stream_request()
    };
    let raw = event.raw();
    let mut error = ptr::null_mut();
    let status = unsafe {
        lambda_client_invoke_stream_queued(client, raw.ptr(), queue, 1, &mut invocation, &mut error)
    };
    assert_eq!(status, LambdaStatus::InvalidRequest);
    assert!(invocation.is_null());
    let error = take_error(error).expect("the reason");
    assert_eq!(error["error"]["field"], "invocationType");

    // A header that signing sets.
    let headers = [header("Authorization", "mine")];
    let mut request = url_request("http://127.0.0.1:1/", "", &headers);
    let mut error = ptr::null_mut();
    let status = unsafe {
        lambda_client_invoke_url_queued(client, &request, queue, 2, &mut invocation, &mut error)
    };
    assert_eq!(status, LambdaStatus::InvalidRequest);
    assert!(take_error(error).unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("authorization"));

    // ABI misuse: statuses, not crashes.
    request.headers = ptr::null();
    let status = unsafe {
        lambda_client_invoke_url_queued(
            client,
            &request,
            queue,
            3,
            &mut invocation,
            ptr::null_mut(),
        )
    };
    assert_eq!(
        status,
        LambdaStatus::NullArgument,
        "headers_len without headers"
    );
    let request = stream_request();
    let raw = request.raw();
    for status in unsafe {
        [
            lambda_client_invoke_stream_queued(
                ptr::null(),
                raw.ptr(),
                queue,
                4,
                &mut invocation,
                ptr::null_mut(),
            ),
            lambda_client_invoke_stream_queued(
                client,
                ptr::null(),
                queue,
                4,
                &mut invocation,
                ptr::null_mut(),
            ),
            lambda_client_invoke_stream_queued(
                client,
                raw.ptr(),
                ptr::null(),
                4,
                &mut invocation,
                ptr::null_mut(),
            ),
            lambda_client_invoke_url_queued(
                client,
                ptr::null(),
                queue,
                4,
                &mut invocation,
                ptr::null_mut(),
            ),
        ]
    } {
        assert_eq!(status, LambdaStatus::NullArgument);
    }
    let mut batch = [LambdaCompletion::EMPTY];
    let n = unsafe { lambda_completion_queue_wait(queue, batch.as_mut_ptr(), 1, 200) };
    assert_eq!(n, 0, "a refused call never completes");
    release(ptr::null_mut(), client, queue);
}

#[test]
fn cancelling_mid_stream_ends_it_once_with_what_came_before() {
    let _serial = TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // Headers and one chunk, then nothing: the body never ends.
    let chunk = event("PayloadChunk", "application/octet-stream", b"first");
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        chunk.len()
    )
    .into_bytes();
    answer.extend(&chunk);
    answer.extend(b"\r\n");
    let client = client(&serve_and_hold(answer));
    let queue = lambda_completion_queue_new();
    let invocation = start_stream(client, queue, 5);
    let mut batch = [LambdaCompletion::EMPTY];
    let wait_ms = patient(Duration::from_secs(10)).as_millis() as u32;
    let n = unsafe { lambda_completion_queue_wait(queue, batch.as_mut_ptr(), 1, wait_ms) };
    assert_eq!(n, 1);
    assert_eq!(batch[0].kind, LambdaCompletionKind::Chunk);
    unsafe { lambda_completions_free(batch.as_mut_ptr(), 1) };
    unsafe { lambda_invocation_cancel(invocation) };
    let seen = drain(queue, 1);
    let [Seen::Streamed(5, outcome)] = seen.as_slice() else {
        panic!("one outcome, nothing else: {seen:?}");
    };
    assert_eq!(outcome["error"]["kind"], "cancelled");
    assert_eq!(outcome["chunks"], 1, "what came before the cancel");
    release(invocation, client, queue);
}

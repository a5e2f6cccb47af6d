//! `lambda_client_invoke_queued` (or `lambda_client_invoke_stream_queued`,
//! which takes the same request) with arbitrary requests: function name,
//! invocation type, log type, client context and qualifier as arbitrary
//! bytes (invalid UTF-8, NULL with a length, unset), and a small payload.
//! Every refusal must come with the right status (and for an invalid
//! request, the error JSON); every start with exactly one completion on
//! the queue.
//!
//! The clients' endpoint is http://127.0.0.1:9, where nothing listens:
//! each started invocation ends at once with a refused connection. Static
//! keys and a region, so nothing probes the network for them.
//!
//! Input: one flags byte (bit 0: cancel before waiting; bit 1: free the
//! invocation handle before waiting; bit 2: no `out_error`; bit 3: the
//! `sdk` transport's client; bit 4: a payload of 1 MiB + 1 byte; bit 5:
//! InvokeWithResponseStream, whose one completion is its outcome JSON); then the
//! five text fields in the order above, each a tag byte `t`:
//! `t % 4 == 0` unset, `1` NULL with length `t / 4 + 1`, `2` the next
//! byte's count of bytes, `3` a known value (`t / 4` picks it, see
//! `KNOWN`); the rest is the payload.

use std::ffi::{c_char, CStr};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde_json::Value;
use xk6_lambda::ffi::{
    lambda_client_invoke_queued, lambda_client_invoke_stream_queued, lambda_client_new,
    lambda_completion_queue_new, lambda_completion_queue_wait, lambda_completions_free,
    lambda_invocation_cancel, lambda_invocation_free, lambda_string_free, LambdaClient,
    LambdaCompletion, LambdaCompletionKind, LambdaCompletionQueue, LambdaInvocation,
    LambdaInvokeRequest, LambdaStatus,
};

/// Known values per field: valid ones, and near misses.
const KNOWN: [&[&str]; 5] = [
    &[
        "f",
        "add-numbers",
        "add-numbers:prod",
        "add-numbers:$LATEST",
        "123456789012:function:f",
        "123456789012:function:f:7",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:alias_1",
        "arn:aws:lambda:us-east-1:12345:function:f",
        "a:b:c",
        "f:bad qualifier",
        "zoë",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
    &["RequestResponse", "Event", "DryRun", "event", ""],
    &["None", "Tail", "tail", ""],
    &["eyJhIjoxfQ==", "e30=", "not base64!", "=", ""],
    &["$LATEST", "1", "prod", "alias_1", "bad/qualifier", "$", ""],
];

const FIELDS: [&str; 5] = [
    "functionName",
    "invocationType",
    "logType",
    "clientContext",
    "qualifier",
];

/// A field as the C caller passes it.
#[derive(Debug, Clone, Copy)]
enum Field<'a> {
    Unset,
    NullWithLength(usize),
    Bytes(&'a [u8]),
}

impl Field<'_> {
    fn raw(self) -> (*const u8, usize) {
        match self {
            Field::Unset => (ptr::null(), 0),
            Field::NullWithLength(len) => (ptr::null(), len),
            Field::Bytes(bytes) => (bytes.as_ptr(), bytes.len()),
        }
    }

    fn is_null_with_length(self) -> bool {
        matches!(self, Field::NullWithLength(_))
    }

    fn is_invalid_utf8(self) -> bool {
        matches!(self, Field::Bytes(b) if std::str::from_utf8(b).is_err())
    }
}

struct Clients {
    direct: usize,
    sdk: usize,
    queue: usize,
}

fn clients() -> &'static Clients {
    static CLIENTS: OnceLock<Clients> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        // Before the library's runtime starts any thread.
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/xk6-lambda-fuzz");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/xk6-lambda-fuzz",
        );
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_ENDPOINT_URL");
        std::env::remove_var("AWS_ENDPOINT_URL_LAMBDA");
        let client = |transport: &str| {
            let config = format!(
                r#"{{"region":"us-east-1","accessKeyId":"AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "endpoint":"http://127.0.0.1:9","timeoutMs":2000,"maxAttempts":1,
                "transport":"{transport}"}}"#
            );
            let mut client: *mut LambdaClient = ptr::null_mut();
            let status = unsafe {
                lambda_client_new(config.as_ptr(), config.len(), &mut client, ptr::null_mut())
            };
            assert_eq!(status, LambdaStatus::Ok);
            client as usize
        };
        Clients {
            direct: client("direct"),
            sdk: client("sdk"),
            queue: lambda_completion_queue_new() as usize,
        }
    })
}

fn take(data: &mut &[u8]) -> Option<u8> {
    let (&first, rest) = data.split_first()?;
    *data = rest;
    Some(first)
}

fn field<'a>(data: &mut &'a [u8], known: &'static [&'static str]) -> Field<'a> {
    let Some(tag) = take(data) else {
        return Field::Unset;
    };
    let arg = usize::from(tag / 4);
    match tag % 4 {
        0 => Field::Unset,
        1 => Field::NullWithLength(arg + 1),
        2 => {
            let len = usize::from(take(data).unwrap_or(0)).min(data.len());
            let (bytes, rest) = data.split_at(len);
            *data = rest;
            Field::Bytes(bytes)
        }
        _ => Field::Bytes(known[arg % known.len()].as_bytes()),
    }
}

static USER_DATA: AtomicUsize = AtomicUsize::new(1);

/// One input: the fuzzer's (`fuzz/fuzz_targets`), or a corpus file's
/// (`tests/fuzz_replay.rs`).
pub fn run(data: &[u8]) {
    let clients = clients();
    let mut data = data;
    let flags = take(&mut data).unwrap_or(0);
    let fields: Vec<Field> = KNOWN.iter().map(|known| field(&mut data, known)).collect();
    let payload: &[u8] = if flags & 16 != 0 {
        // Above Event's limit, below RequestResponse's. Made once.
        static BIG: OnceLock<Vec<u8>> = OnceLock::new();
        BIG.get_or_init(|| vec![b'x'; (1 << 20) + 1])
    } else {
        data
    };

    let raw: Vec<(*const u8, usize)> = fields.iter().map(|f| f.raw()).collect();
    let request = LambdaInvokeRequest {
        function_name: raw[0].0,
        function_name_len: raw[0].1,
        payload: payload.as_ptr(),
        payload_len: payload.len(),
        invocation_type: raw[1].0,
        invocation_type_len: raw[1].1,
        log_type: raw[2].0,
        log_type_len: raw[2].1,
        client_context: raw[3].0,
        client_context_len: raw[3].1,
        qualifier: raw[4].0,
        qualifier_len: raw[4].1,
        // The tenant and the durable name are validated as text by
        // request.rs (its unit tests); the corpus keeps its format.
        tenant_id: ptr::null(),
        tenant_id_len: 0,
        durable_execution_name: ptr::null(),
        durable_execution_name_len: 0,
    };
    let client = if flags & 8 != 0 {
        clients.sdk
    } else {
        clients.direct
    } as *const LambdaClient;
    let queue = clients.queue as *const LambdaCompletionQueue;
    let user_data = USER_DATA.fetch_add(1, Ordering::Relaxed);
    let mut invocation: *mut LambdaInvocation = ptr::dangling_mut();
    let mut error: *mut c_char = ptr::null_mut();
    let out_error = if flags & 4 != 0 {
        ptr::null_mut()
    } else {
        &mut error as *mut _
    };
    let start = if flags & 32 != 0 {
        lambda_client_invoke_stream_queued
    } else {
        lambda_client_invoke_queued
    };
    let status = unsafe {
        start(
            client,
            &request,
            queue,
            user_data,
            &mut invocation,
            out_error,
        )
    };

    let null_field = fields.iter().any(|f| f.is_null_with_length());
    let invalid_utf8 = fields.iter().any(|f| f.is_invalid_utf8());
    match status {
        LambdaStatus::Ok => {
            assert!(!null_field && !invalid_utf8, "started despite {fields:?}");
            assert!(error.is_null(), "OK with an error string");
            assert!(!invocation.is_null(), "OK without an invocation");
            complete(queue, invocation, user_data, flags);
        }
        LambdaStatus::NullArgument | LambdaStatus::InvalidUtf8 => {
            assert!(
                (status == LambdaStatus::NullArgument && null_field)
                    || (status == LambdaStatus::InvalidUtf8 && invalid_utf8),
                "{status:?} for {fields:?}"
            );
            assert!(error.is_null(), "{status:?} with an error string");
            assert!(invocation.is_null(), "{status:?} and an invocation");
        }
        LambdaStatus::InvalidRequest => {
            assert!(
                !null_field && !invalid_utf8,
                "InvalidRequest for {fields:?}"
            );
            assert!(invocation.is_null(), "InvalidRequest and an invocation");
            if flags & 4 == 0 {
                assert!(!error.is_null(), "InvalidRequest without an error string");
                let text = unsafe { CStr::from_ptr(error) }
                    .to_str()
                    .expect("UTF-8")
                    .to_owned();
                unsafe { lambda_string_free(error) };
                let json: Value = serde_json::from_str(&text).expect("the error is JSON");
                let e = &json["error"];
                assert_eq!(e["kind"], "validation", "{text}");
                assert_eq!(e["name"], "InvalidInvocationError", "{text}");
                assert!(e["code"].is_string(), "{text}");
                assert!(
                    e["message"].as_str().is_some_and(|m| !m.is_empty()),
                    "{text}"
                );
                let field = e["field"].as_str().expect("the field at fault");
                assert!(
                    field == "name" || field == "payload" || FIELDS.contains(&field),
                    "{text}"
                );
            }
        }
        other => panic!("unexpected status {other:?}"),
    }
    // Nothing else is in the queue.
    let mut stray = [LambdaCompletion::EMPTY];
    let n = unsafe { lambda_completion_queue_wait(queue, stray.as_mut_ptr(), 1, 0) };
    assert_eq!(n, 0, "a stray completion");
}

/// Waits for the invocation's one completion and checks it: nothing
/// listens, so a network error (or, when cancelled, possibly a cancellation).
fn complete(
    queue: *const LambdaCompletionQueue,
    invocation: *mut LambdaInvocation,
    user_data: usize,
    flags: u8,
) {
    let cancel = flags & 1 != 0;
    if cancel {
        unsafe { lambda_invocation_cancel(invocation) };
    }
    let mut invocation = invocation;
    if flags & 2 != 0 {
        unsafe { lambda_invocation_free(invocation) };
        invocation = ptr::null_mut();
    }
    let mut out = [LambdaCompletion::EMPTY, LambdaCompletion::EMPTY];
    let n = unsafe { lambda_completion_queue_wait(queue, out.as_mut_ptr(), out.len(), 10_000) };
    assert_eq!(n, 1, "one completion within 10 s");
    let completion = &out[0];
    assert_eq!(completion.user_data, user_data);
    let result = completion.result;
    let text = |t: xk6_lambda::ffi::LambdaText| {
        assert!(!t.ptr.is_null(), "nothing listens: an error");
        let bytes = unsafe { std::slice::from_raw_parts(t.ptr, t.len) };
        serde_json::from_slice::<Value>(bytes).expect("the error is JSON")
    };
    let (e, ended) = if flags & 32 != 0 {
        // A streamed call's outcome: JSON, with what came before (nothing).
        assert_eq!(completion.kind, LambdaCompletionKind::Streamed);
        assert!(
            result.error_json.ptr.is_null(),
            "a streamed call's error is in its JSON"
        );
        let outcome = text(completion.bytes);
        assert_eq!(outcome["chunks"], 0, "{outcome}");
        let ended = outcome["endUnixNs"].as_u64().is_some_and(|t| t > 0);
        (outcome["error"].clone(), ended)
    } else {
        assert_eq!(completion.kind, LambdaCompletionKind::Invoked);
        assert!(
            completion.bytes.ptr.is_null(),
            "an invocation's completion has no bytes"
        );
        (text(result.error_json), result.end_unix_ns > 0)
    };
    unsafe { lambda_completions_free(out.as_mut_ptr(), n) };
    unsafe { lambda_invocation_free(invocation) };

    let kind = e["kind"]
        .as_str()
        .unwrap_or_else(|| panic!("an error without its kind: {e}"));
    assert!(
        kind == "network" || (cancel && kind == "cancelled"),
        "unexpected outcome {e}"
    );
    assert!(e["name"].as_str().is_some_and(|s| !s.is_empty()), "{e}");
    assert!(e["code"].is_string() || e["code"].is_u64(), "{e}");
    assert!(e["message"].as_str().is_some_and(|s| !s.is_empty()), "{e}");
    // An error: no payload, no status. A completion from the network ends
    // at a time; a cancellation before the invocation started has none.
    assert!(
        result.payload.ptr.is_null() && result.status_code == 0,
        "{e}"
    );
    assert!(kind == "cancelled" || ended, "{e}");
}

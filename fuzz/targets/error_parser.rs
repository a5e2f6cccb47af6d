//! The service-error parser (`error::service_error`, both transports use
//! it): an HTTP status, three headers and a body, arbitrary. Its error's
//! JSON must always hold what the Go shim reads.
//!
//! Input: 2 bytes of status (big-endian); then `X-Amzn-ErrorType`,
//! `X-Amzn-RequestId` and `Retry-After`, each as one length byte (255:
//! absent) and that many bytes of text (invalid UTF-8 replaced); the rest
//! is the body.

use serde_json::Value;
use xk6_lambda::fuzzing::service_error;

const HEADERS: [&str; 3] = ["x-amzn-errortype", "x-amzn-requestid", "retry-after"];

/// One input: the fuzzer's (`fuzz/fuzz_targets`), or a corpus file's
/// (`tests/fuzz_replay.rs`).
pub fn run(data: &[u8]) {
    let (status, mut rest) = match data {
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => (500, data),
    };
    let mut values: [Option<String>; 3] = [None, None, None];
    for value in &mut values {
        let Some((&len, tail)) = rest.split_first() else {
            break;
        };
        if len == 255 {
            rest = tail;
            continue;
        }
        let (text, tail) = tail.split_at(usize::from(len).min(tail.len()));
        *value = Some(String::from_utf8_lossy(text).into_owned());
        rest = tail;
    }
    let body = rest;
    let header = |name: &str| {
        let at = HEADERS.iter().position(|h| *h == name)?;
        values[at].as_deref()
    };

    let error = service_error(status, header, body);
    let _ = error.to_string();

    let json: Value = serde_json::from_slice(&error.to_json()).expect("the error JSON parses");
    let e = &json["error"];
    assert_eq!(e["kind"], "service", "{json}");
    let name = e["name"].as_str().expect("a name");
    assert!(!name.is_empty(), "an empty name: {json}");
    assert_eq!(
        e["code"].as_str(),
        Some(name),
        "the code is the name: {json}"
    );
    let message = e["message"].as_str().expect("a message");
    assert!(!message.is_empty(), "an empty message: {json}");
    // A few KiB of the body at most (4 KiB, a note that says it was cut,
    // and what redacting user information may add).
    assert!(
        message.len() <= 8 * 1024,
        "a message of {} bytes",
        message.len()
    );
    assert_eq!(e["statusCode"], status, "{json}");
    assert_eq!(
        e.get("requestId").and_then(Value::as_str),
        header("x-amzn-requestid")
    );
    if let Some(seconds) = e.get("retryAfterSeconds") {
        assert_eq!(status, 429, "retryAfterSeconds without throttling: {json}");
        // The Go shim decodes it into an int64 (internal/native/outcome.go):
        // a larger number would make the whole outcome unreadable there.
        let seconds = seconds.as_u64().expect("a whole number of seconds");
        assert!(
            i64::try_from(seconds).is_ok(),
            "retryAfterSeconds {seconds} overflows int64"
        );
    }
    if let Some(reason) = e.get("reason") {
        assert_eq!(status, 429, "a reason without throttling: {json}");
        assert!(reason.is_string(), "{json}");
    }
    assert!(
        e.get("field").is_none(),
        "a service error with a field: {json}"
    );
}

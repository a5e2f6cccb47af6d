//! The C ABI's configuration entry points, `lambda_config_validate` and
//! `lambda_client_new` + `lambda_client_free`, on arbitrary bytes: as the
//! configuration JSON, and with a NULL pointer (of the input's length, and
//! of length 0).
//!
//! Input: the configuration bytes.

use std::ffi::{c_char, CStr};
use std::ptr;

use serde_json::Value;
use xk6_lambda::ffi::{
    lambda_client_free, lambda_client_new, lambda_config_validate, lambda_string_free,
    LambdaClient, LambdaStatus,
};

/// One input: the fuzzer's (`fuzz/fuzz_targets`), or a corpus file's
/// (`tests/fuzz_replay.rs`).
pub fn run(data: &[u8]) {
    // Nothing here may do I/O; the environment must not matter either.
    // (Set once; idempotent.)
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");

    let validated = validate(data.as_ptr(), data.len());
    let created = new_client(data.as_ptr(), data.len());
    assert_eq!(validated, created, "validate and new disagree");
    // The same call without anywhere to put the error.
    let status = unsafe { lambda_config_validate(data.as_ptr(), data.len(), ptr::null_mut()) };
    assert_eq!(status, validated);

    // A NULL pointer with a length is refused; with length 0 it is the
    // empty text, which is no JSON.
    let null_status = validate(ptr::null(), data.len());
    if data.is_empty() {
        assert_eq!(null_status, LambdaStatus::InvalidConfig);
    } else {
        assert_eq!(null_status, LambdaStatus::NullArgument);
    }
    assert_eq!(new_client(ptr::null(), data.len()), null_status);

    // No out_client: refused before reading anything.
    let status =
        unsafe { lambda_client_new(data.as_ptr(), data.len(), ptr::null_mut(), ptr::null_mut()) };
    assert_eq!(status, LambdaStatus::NullArgument);
}

fn validate(json: *const u8, len: usize) -> LambdaStatus {
    let mut error: *mut c_char = ptr::null_mut();
    let status = unsafe { lambda_config_validate(json, len, &mut error) };
    check(status, error);
    status
}

fn new_client(json: *const u8, len: usize) -> LambdaStatus {
    // Not NULL, so that the call is seen to write it.
    let mut client: *mut LambdaClient = ptr::dangling_mut();
    let mut error: *mut c_char = ptr::null_mut();
    let status = unsafe { lambda_client_new(json, len, &mut client, &mut error) };
    check(status, error);
    if status == LambdaStatus::Ok {
        assert!(!client.is_null(), "OK without a client");
    } else {
        assert!(client.is_null(), "{status:?} and a client");
    }
    unsafe { lambda_client_free(client) };
    status
}

/// The status is one of the enum's, and an error string comes exactly with
/// `InvalidConfig`, as JSON with the error's kind, name and message.
fn check(status: LambdaStatus, error: *mut c_char) {
    assert!(
        matches!(
            status,
            LambdaStatus::Ok | LambdaStatus::NullArgument | LambdaStatus::InvalidConfig
        ),
        "unexpected status {status:?} ({})",
        status as i32
    );
    if status != LambdaStatus::InvalidConfig {
        assert!(error.is_null(), "{status:?} with an error string");
        return;
    }
    assert!(!error.is_null(), "InvalidConfig without an error string");
    let text = unsafe { CStr::from_ptr(error) }
        .to_str()
        .expect("the error is UTF-8")
        .to_owned();
    unsafe { lambda_string_free(error) };
    let json: Value = serde_json::from_str(&text).expect("the error is JSON");
    let e = &json["error"];
    assert_eq!(e["kind"], "config", "{text}");
    assert_eq!(e["name"], "InvalidAWSConfigError", "{text}");
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{text}"
    );
}

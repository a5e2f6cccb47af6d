//! `lambda_example_event` as a C caller uses it: a static, NUL-terminated
//! text that is never freed, or an error JSON that is.

use std::ffi::{c_char, CStr};
use std::ptr;

use xk6_lambda::examples::example_event;
use xk6_lambda::ffi::{lambda_example_event, lambda_string_free, LambdaStatus};

struct Outcome {
    status: LambdaStatus,
    json: *const u8,
    len: usize,
    error: Option<String>,
}

fn lookup(name: &[u8]) -> Outcome {
    let mut json: *const u8 = ptr::dangling();
    let mut len = usize::MAX;
    let mut error: *mut c_char = ptr::null_mut();
    let status =
        unsafe { lambda_example_event(name.as_ptr(), name.len(), &mut json, &mut len, &mut error) };
    let error = (!error.is_null()).then(|| unsafe {
        let text = CStr::from_ptr(error).to_string_lossy().into_owned();
        lambda_string_free(error);
        text
    });
    Outcome {
        status,
        json,
        len,
        error,
    }
}

#[test]
fn returns_the_static_text_of_an_example() {
    let outcome = lookup(b"example-sqs-event.json");
    assert_eq!(outcome.status, LambdaStatus::Ok);
    assert!(outcome.error.is_none());
    let text = unsafe { std::slice::from_raw_parts(outcome.json, outcome.len) };
    assert_eq!(text, example_event("sqs-event").unwrap().as_bytes());
    // NUL-terminated, for C callers; the NUL is not counted.
    let c_text = unsafe { CStr::from_ptr(outcome.json.cast()) };
    assert_eq!(c_text.to_bytes(), text);
    // Static: the same pointer every time, valid after the call.
    assert_eq!(lookup(b"sqs-event").json, outcome.json);
}

#[test]
fn unknown_names_get_an_error_json_with_close_matches() {
    let outcome = lookup(b"apigw-reqest");
    assert_eq!(outcome.status, LambdaStatus::InvalidRequest);
    assert!(outcome.json.is_null());
    assert_eq!(outcome.len, 0);
    let error: serde_json::Value = serde_json::from_str(&outcome.error.unwrap()).unwrap();
    let error = &error["error"];
    assert_eq!(error["kind"], "validation");
    assert_eq!(error["name"], "InvalidInvocationError");
    assert_eq!(error["code"], "UnknownExample");
    assert_eq!(error["field"], "name");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with("unknown example event `apigw-reqest`; close matches: apigw-request"),
        "{message}"
    );
}

#[test]
fn refuses_null_outputs_and_bad_names() {
    let name = b"s3-event";
    let mut len = 0;
    let mut json: *const u8 = ptr::null();
    let status = unsafe {
        lambda_example_event(
            name.as_ptr(),
            name.len(),
            ptr::null_mut(),
            &mut len,
            ptr::null_mut(),
        )
    };
    assert_eq!(status, LambdaStatus::NullArgument);
    let status = unsafe {
        lambda_example_event(
            name.as_ptr(),
            name.len(),
            &mut json,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    assert_eq!(status, LambdaStatus::NullArgument);
    let status =
        unsafe { lambda_example_event(ptr::null(), 3, &mut json, &mut len, ptr::null_mut()) };
    assert_eq!(status, LambdaStatus::NullArgument);
    assert_eq!(lookup(&[0xff, 0xfe]).status, LambdaStatus::InvalidUtf8);
    // An empty name is just unknown; out_error may be NULL.
    let status =
        unsafe { lambda_example_event(ptr::null(), 0, &mut json, &mut len, ptr::null_mut()) };
    assert_eq!(status, LambdaStatus::InvalidRequest);
}

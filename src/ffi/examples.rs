//! Example Lambda events for k6 scripts (`exampleEvent` in JS).

use std::ffi::c_char;

use super::boundary::{give_string, guard, text};
use super::LambdaStatus;
use crate::error::{ErrorCode, InvokeError};
use crate::examples::example_event_with_nul;

/// Looks up an example event of the `aws_lambda_events` crate by name
/// (`apigw-request`, `sqs-event`, `s3-event`, ...; `example-NAME` and
/// `example-NAME.json` are accepted too). The events are embedded in the
/// library: no I/O.
///
/// On success writes to `*out_json` a pointer to the event's JSON text,
/// exactly as the fixture file has it, and to `*out_len` its length in
/// bytes. The text is static and NUL-terminated (the NUL is not counted in
/// `*out_len`): it is borrowed for the life of the process and must NOT be
/// freed.
///
/// On `LAMBDA_STATUS_INVALID_REQUEST` (no such example) writes
/// `{"error": {"kind": "validation", "name": "InvalidInvocationError",
/// "code": "UnknownExample", "message": "unknown example event `x`; close
/// matches: ...", "field": "name"}}` to `*out_error` if `out_error` is not
/// NULL (free it with `lambda_string_free`), and NULL and 0 to the outputs.
///
/// # Safety
/// `name` points to `name_len` readable bytes (it may be NULL when
/// `name_len` is 0); `out_json` and `out_len` are valid for a write;
/// `out_error` is NULL or valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn lambda_example_event(
    name: *const u8,
    name_len: usize,
    out_json: *mut *const u8,
    out_len: *mut usize,
    out_error: *mut *mut c_char,
) -> LambdaStatus {
    guard(|| {
        if out_json.is_null() || out_len.is_null() {
            return LambdaStatus::NullArgument;
        }
        *out_json = std::ptr::null();
        *out_len = 0;
        let name = match text(name, name_len) {
            Ok(name) => name,
            Err(status) => return status,
        };
        match example_event_with_nul(name) {
            Ok(event) => {
                *out_json = event.as_ptr();
                *out_len = event.len() - 1; // without the NUL
                LambdaStatus::Ok
            }
            Err(unknown) => {
                let mut error = InvokeError::validation("name", unknown.to_string());
                error.code = ErrorCode::Text("UnknownExample".into());
                give_string(out_error, error.to_json());
                LambdaStatus::InvalidRequest
            }
        }
    })
}

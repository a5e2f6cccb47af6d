//! Client handles.

use std::ffi::c_char;

use super::boundary::{bytes, give_string, guard, guard_void};
use super::live::{self, Token};
use super::LambdaStatus;
use crate::client::Client;
use crate::config::ClientConfig;

/// An opaque Lambda client. Thread-safe: one client may start invocations
/// from any number of threads at once.
pub struct LambdaClient {
    pub(super) inner: Client,
    _live: Token,
}

fn config_error_json(message: &str) -> Vec<u8> {
    // Redacted as InvokeError's are: a refused endpoint is quoted in it.
    let message = crate::redact::message(message.to_owned());
    serde_json::to_vec(&serde_json::json!({
        "error": { "kind": "config", "name": "InvalidAWSConfigError", "message": message }
    }))
    .unwrap_or_default()
}

/// Creates a client from its configuration, as JSON:
/// `{"region": "...", "accessKeyId": "...", "secretAccessKey": "...",
///   "sessionToken": "...", "endpoint": "...", "timeoutMs": 60000, "maxAttempts": 1}`.
/// Only `region` is required. Does no I/O.
///
/// On success writes a client to `*out_client` (free it with
/// `lambda_client_free`). On `LAMBDA_STATUS_INVALID_CONFIG` writes
/// `{"error": {"name": "InvalidAWSConfigError", "message": "..."}}` to
/// `*out_error` if `out_error` is not NULL (free it with `lambda_string_free`).
///
/// # Safety
/// `config_json` points to `config_len` readable bytes; `out_client` is
/// valid for a pointer write; `out_error` is NULL or valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn lambda_client_new(
    config_json: *const u8,
    config_len: usize,
    out_client: *mut *mut LambdaClient,
    out_error: *mut *mut c_char,
) -> LambdaStatus {
    guard(|| {
        if out_client.is_null() {
            return LambdaStatus::NullArgument;
        }
        *out_client = std::ptr::null_mut();
        let json = match bytes(config_json, config_len) {
            Ok(json) => json,
            Err(status) => return status,
        };
        let client = ClientConfig::from_json(json).and_then(Client::new);
        match client {
            Ok(inner) => {
                *out_client = Box::into_raw(Box::new(LambdaClient {
                    inner,
                    _live: live::CLIENTS.token(),
                }));
                LambdaStatus::Ok
            }
            Err(err) => {
                give_string(out_error, config_error_json(&err.message));
                LambdaStatus::InvalidConfig
            }
        }
    })
}

/// Validates a configuration (same JSON as `lambda_client_new`) without
/// creating a client: `AWSConfig`'s constructor uses it to fail early.
/// On `LAMBDA_STATUS_INVALID_CONFIG` writes the error JSON to `*out_error`
/// as `lambda_client_new` does.
///
/// # Safety
/// As `lambda_client_new`, without `out_client`.
#[no_mangle]
pub unsafe extern "C" fn lambda_config_validate(
    config_json: *const u8,
    config_len: usize,
    out_error: *mut *mut c_char,
) -> LambdaStatus {
    guard(|| {
        let json = match bytes(config_json, config_len) {
            Ok(json) => json,
            Err(status) => return status,
        };
        match ClientConfig::from_json(json) {
            Ok(_) => LambdaStatus::Ok,
            Err(err) => {
                give_string(out_error, config_error_json(&err.message));
                LambdaStatus::InvalidConfig
            }
        }
    })
}

/// Frees a client. Invocations it started run on and complete as usual.
/// NULL is a no-op.
///
/// # Safety
/// `client` is NULL or a client from `lambda_client_new`, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lambda_client_free(client: *mut LambdaClient) {
    if client.is_null() {
        return;
    }
    guard_void(|| drop(Box::from_raw(client)));
}

//! What a successful invocation gives the script: the k6-jslib-aws
//! `InvocationResponse`, plus `functionError` so the shim can raise
//! `LambdaInvocationError` with the whole response attached.

use base64::Engine;
use serde::Serialize;

use crate::report::Report;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationResponse {
    /// 200 for RequestResponse, 202 for Event, 204 for DryRun.
    pub status_code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed_version: Option<String>,
    /// The decoded `X-Amz-Log-Result` (the last 4 KB of the function's log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_result: Option<String>,
    /// The function's response body as text; empty for Event and DryRun.
    pub payload: String,
    /// `Handled` or `Unhandled` when the function itself failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_error: Option<String>,
    /// Lambda's own measurements, from the REPORT line of a Tail log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
    /// `X-Amz-Durable-Execution-Arn`: the execution a durable function's
    /// invocation started (or, for a name already started with the same
    /// payload, the one it returned). Absent for other functions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable_execution_arn: Option<String>,
}

impl InvocationResponse {
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_else(|e| {
            crate::error::InvokeError::internal(format!("cannot encode the response: {e}"))
                .to_json()
        })
    }
}

/// Decodes `X-Amz-Log-Result`. A header that is not base64 is passed on as
/// it came rather than dropped: the log is for people to read.
pub fn decode_log(header: &str) -> String {
    match base64::engine::general_purpose::STANDARD.decode(header.trim()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => header.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_logs() {
        assert_eq!(decode_log("aGVsbG8="), "hello");
        assert_eq!(decode_log("not base64!"), "not base64!");
    }

    #[test]
    fn omits_absent_fields() {
        let response = InvocationResponse {
            status_code: 202,
            executed_version: None,
            log_result: None,
            payload: String::new(),
            function_error: None,
            report: None,
            durable_execution_arn: None,
        };
        assert_eq!(
            String::from_utf8(response.to_json()).unwrap(),
            r#"{"statusCode":202,"payload":""}"#
        );
    }
}

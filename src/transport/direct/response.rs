//! Reading Lambda's answer into an InvocationResponse, or a service error.

use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::error::{error_chain, k6_code, service_error, InvokeError};
use crate::metering::Traffic;
use crate::report::Report;
use crate::response::{decode_log, InvocationResponse};

pub async fn read(
    answer: http::Response<Incoming>,
    traffic: &Traffic,
) -> Result<InvocationResponse, InvokeError> {
    let (parts, body) = answer.into_parts();
    let status = parts.status.as_u16();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let mut error = InvokeError::network(
                "GeneralError",
                k6_code::GENERIC,
                format!("invalid response (HTTP {status}): {}", error_chain(&e)),
            );
            // The answer had begun: for a 2xx the function ran, and a retry
            // would invoke it again (Invoke is not idempotent).
            error.not_retryable = status < 300;
            return Err(error);
        }
    };
    let header_len: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    // "HTTP/1.1 200 OK\r\n" + headers + "\r\n" + body, as the SDK path counts.
    traffic.add_received((17 + header_len + 2 + body.len()) as u64);

    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if status >= 300 {
        return Err(service_error(status, header, &body));
    }
    let log_result = header("x-amz-log-result").map(decode_log);
    let payload = match String::from_utf8(body.to_vec()) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok(InvocationResponse {
        status_code: status,
        executed_version: header("x-amz-executed-version").map(str::to_owned),
        report: log_result.as_deref().and_then(Report::from_log),
        log_result,
        payload,
        function_error: header("x-amz-function-error").map(str::to_owned),
    })
}

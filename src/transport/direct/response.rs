//! Reading Lambda's answer into an InvocationResponse, or a service error,
//! within Lambda's bounds (`crate::limits`): a 2xx body of at most
//! `MAX_RESPONSE` bytes (a larger one is refused, from its Content-Length
//! or as soon as it is over, and not read further), an error body read to
//! `MAX_ERROR_BODY`.

use bytes::Bytes;
use hyper::body::Body;

use crate::error::{error_chain, k6_code, service_error, InvokeError};
use crate::limits::{read_at_most, TooLarge, MAX_ERROR_BODY, MAX_RESPONSE};
use crate::metering::Traffic;
use crate::report::Report;
use crate::response::{decode_log, InvocationResponse};

pub async fn read<B>(
    answer: http::Response<B>,
    traffic: &Traffic,
) -> Result<InvocationResponse, InvokeError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    let (parts, mut body) = answer.into_parts();
    let status = parts.status.as_u16();
    let header_len: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    // "HTTP/1.1 200 OK\r\n" + headers + "\r\n", as the SDK path counts
    // (with the body, once read).
    let head_len = (17 + header_len + 2) as u64;
    let limit = if status >= 300 {
        MAX_ERROR_BODY
    } else {
        MAX_RESPONSE
    };
    let announced = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if status < 300 && announced.is_some_and(|n| n > MAX_RESPONSE as u64) {
        traffic.add_received(head_len);
        return Err(TooLarge::RESPONSE.error(status, None));
    }
    let body = match read_at_most(&mut body, limit).await {
        Ok(body) => body,
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
    traffic.add_received(head_len + body.len() as u64);

    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if status >= 300 {
        // At most MAX_ERROR_BODY and one byte: service_error says if cut.
        return Err(service_error(status, header, &body));
    }
    if body.len() > MAX_RESPONSE {
        return Err(TooLarge::RESPONSE.error(status, None));
    }
    let log_result = header("x-amz-log-result").map(decode_log);
    // Vec::from takes the bytes over without a copy when it can.
    let payload = match String::from_utf8(Vec::from(body)) {
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
        durable_execution_arn: header("x-amz-durable-execution-arn").map(str::to_owned),
    })
}

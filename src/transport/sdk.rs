//! The SDK transport (`transport: 'sdk'`): aws-sdk-lambda's own
//! orchestration (its endpoint rules, FIPS and dual-stack, its retry
//! policy with [`retry::NoRetryAfterSuccess`]), over the policy-bound HTTP
//! client of `crate::network`, metered by `crate::metering::TrafficMeter`.

pub(crate) mod retry;
// InvokeWithResponseStream (its own file).
mod stream;
pub(crate) use stream::invoke_stream;

use std::sync::Arc;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType as SdkInvocationType, LogType as SdkLogType};

use crate::error::InvokeError;
use crate::metering::{Traffic, TrafficMeter};
use crate::report::Report;
use crate::request::{InvokeRequest, LogType};
use crate::response::{decode_log, InvocationResponse};

/// One invocation through aws-sdk-lambda.
pub(crate) async fn invoke(
    sdk: &aws_sdk_lambda::Client,
    request: InvokeRequest,
    traffic: &Arc<Traffic>,
) -> Result<InvocationResponse, InvokeError> {
    let mut call = sdk
        .invoke()
        .function_name(request.function_name)
        .invocation_type(SdkInvocationType::from(request.invocation_type.as_str()))
        .payload(Blob::new(request.payload));
    if request.log_type == LogType::Tail {
        call = call.log_type(SdkLogType::Tail);
    }
    if let Some(context) = request.client_context {
        call = call.client_context(context);
    }
    if let Some(qualifier) = request.qualifier {
        call = call.qualifier(qualifier);
    }
    let mut output = call
        .customize()
        .interceptor(TrafficMeter(Arc::clone(traffic)))
        .send()
        .await?;
    let payload = match output.payload.take() {
        Some(blob) => String::from_utf8(blob.into_inner())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        None => String::new(),
    };
    let log_result = output.log_result.as_deref().map(decode_log);
    Ok(InvocationResponse {
        status_code: u16::try_from(output.status_code).unwrap_or(0),
        executed_version: output.executed_version.take(),
        report: log_result.as_deref().and_then(Report::from_log),
        log_result,
        payload,
        function_error: output.function_error.take(),
    })
}

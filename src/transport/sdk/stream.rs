//! InvokeWithResponseStream through aws-sdk-lambda (`transport: 'sdk'`):
//! the SDK's request, retries (before the answer only: its event stream
//! is never retried), and its event stream reader, whose events are
//! handed on as they come.
//!
//! Differences from the direct transport, which the SDK's reader imposes:
//! a frame's prelude CRC is checked once the whole frame has arrived (a
//! damaged length waits for bytes: the client's timeout ends that), a
//! frame is not refused for its size, and `data_received` counts the
//! answer's head and the chunks' payloads, not the frames around them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    InvokeWithResponseStreamResponseEvent as Event, LogType as SdkLogType,
    ResponseStreamingInvocationType,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;

use crate::error::{error_chain, find_source, k6_code, InvokeError};
use crate::limits::{error_message, BoundedAnswer, TooLarge};
use crate::metering::{Traffic, TrafficMeter};
use crate::report::Report;
use crate::request::{InvokeRequest, LogType};
use crate::response::decode_log;
use crate::stream::{Progress, StreamResponse};

/// One InvokeWithResponseStream call, bounded by `timeout` (the client's)
/// to its InvokeComplete.
pub(crate) async fn invoke_stream(
    sdk: &aws_sdk_lambda::Client,
    request: InvokeRequest,
    timeout: Duration,
    traffic: &Arc<Traffic>,
    progress: &mut Progress<'_>,
) -> Result<StreamResponse, InvokeError> {
    let work = call(sdk, request, traffic, progress);
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(InvokeError::network(
            "GeneralError",
            k6_code::REQUEST_TIMEOUT,
            format!(
                "request timeout: the answer did not end within {timeout:?} (the client's \
                 timeout option, which bounds the whole call, the stream included); it stopped {}",
                progress.so_far()
            ),
        )),
    }
}

async fn call(
    sdk: &aws_sdk_lambda::Client,
    request: InvokeRequest,
    traffic: &Arc<Traffic>,
    progress: &mut Progress<'_>,
) -> Result<StreamResponse, InvokeError> {
    let mut call = sdk
        .invoke_with_response_stream()
        .function_name(request.function_name)
        .invocation_type(ResponseStreamingInvocationType::from(
            request.invocation_type.as_str(),
        ))
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
    // The operation has no durable execution name (ValidStreamRequest
    // refuses one).
    if let Some(tenant) = request.tenant_id {
        call = call.tenant_id(tenant);
    }
    let remapped = RemappedContentType::default();
    let mut output = call
        .customize()
        .interceptor(TrafficMeter(Arc::clone(traffic)))
        .interceptor(BoundedAnswer::STREAM)
        .interceptor(remapped.clone())
        .send()
        .await?;
    let status = u16::try_from(output.status_code).unwrap_or(0);
    progress.began = true;
    let mut response = StreamResponse {
        status_code: status,
        executed_version: output.executed_version.take(),
        // The function's own, as the direct transport reports it (the
        // SDK's `response_stream_content_type` is the event stream's).
        content_type: remapped.take(),
        payload: String::new(),
        log_result: None,
        report: None,
        error_code: None,
        error_details: None,
    };
    if status == 204 {
        return Ok(response); // DryRun: no stream
    }
    let complete = loop {
        match output.event_stream.recv().await {
            Ok(Some(Event::PayloadChunk(update))) => {
                let chunk = update
                    .payload
                    .map_or_else(Bytes::new, |blob| Bytes::from(blob.into_inner()));
                traffic.add_received(chunk.len() as u64);
                progress
                    .deliver(chunk, traffic)
                    .map_err(|too_large| too_large.error(status, Some(&progress.so_far())))?;
            }
            Ok(Some(Event::InvokeComplete(complete))) => break complete,
            Ok(Some(_)) => {} // an event this SDK version does not know
            Ok(None) => {
                return Err(broken(
                    status,
                    format!(
                        "the event stream ended {} without InvokeComplete: the function's \
                         result is unknown",
                        progress.so_far()
                    ),
                ))
            }
            Err(SdkError::ServiceError(context)) => {
                let error = context.err();
                let mut error = InvokeError::service(
                    error.code().unwrap_or("ServiceException").to_owned(),
                    format!(
                        "{} (in the event stream, {})",
                        error_message(error.message().unwrap_or("no message").to_owned(), false),
                        progress.so_far()
                    ),
                    status,
                    None,
                );
                error.status_code = None;
                error.not_retryable = true;
                return Err(error);
            }
            Err(other) => {
                if let Some(too_large) = find_source::<TooLarge>(&other) {
                    // A frame over its bound (limits::BoundedAnswer).
                    return Err(too_large.error(status, Some(&progress.so_far())));
                }
                let what = if matches!(other, SdkError::ResponseError(_)) {
                    "cannot be read" // damaged frames
                } else {
                    "broke off"
                };
                return Err(broken(
                    status,
                    format!(
                        "the event stream {what} {}: {}",
                        progress.so_far(),
                        error_chain(&other)
                    ),
                ));
            }
        }
    };
    response.log_result = complete
        .log_result
        .filter(|log| !log.is_empty())
        .map(|log| decode_log(&log));
    response.report = response.log_result.as_deref().and_then(Report::from_log);
    response.error_code = complete.error_code.filter(|c| !c.is_empty());
    response.error_details = complete.error_details.filter(|d| !d.is_empty());
    response.payload = progress.take_payload();
    Ok(response)
}

/// Keeps `X-Amzn-Remapped-Content-Type`, which the SDK's output lacks.
#[derive(Debug, Clone, Default)]
struct RemappedContentType(Arc<Mutex<Option<String>>>);

impl RemappedContentType {
    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl Intercept for RemappedContentType {
    fn name(&self) -> &'static str {
        "xk6-lambda remapped content type"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let value = context
            .response()
            .headers()
            .get("x-amzn-remapped-content-type")
            .map(str::to_owned);
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = value;
        Ok(())
    }
}

fn broken(status: u16, what: String) -> InvokeError {
    let mut error = InvokeError::network(
        "GeneralError",
        k6_code::GENERIC,
        format!("invalid response (HTTP {status}): {what}"),
    );
    error.not_retryable = true;
    error
}

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
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use crate::error::InvokeError;
use crate::limits::BoundedAnswer;
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
    if let Some(tenant) = request.tenant_id {
        call = call.tenant_id(tenant);
    }
    if let Some(name) = request.durable_execution_name {
        call = call.durable_execution_name(name);
    }
    let mut output = call
        .customize()
        .interceptor(TrafficMeter(Arc::clone(traffic)))
        .interceptor(BoundedAnswer::INVOKE)
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
        durable_execution_arn: output.durable_execution_arn.take(),
    })
}

/// The SDK transport's HTTP client (`client::build_backend` wraps the
/// policy client in it): the headers that carry credentials go out
/// sensitive, as the direct transport sends them. aws-sigv4 marks the
/// session token, not `Authorization`, and the SDK's own header map keeps
/// no mark through its `insert` (it stores a string): so the mark is made
/// here, on the signed request as http 1.x, whose conversion back keeps
/// it. (`Proxy-Authorization` is added later by the pools, sensitive.)
/// Sensitive values are left out of `Debug` output and never indexed by
/// HTTP/2's HPACK.
#[derive(Debug, Clone)]
pub(crate) struct SensitiveHeaders<C>(pub C);

/// The headers [`SensitiveHeaders`] marks.
const CREDENTIAL_HEADERS: [&str; 3] = [
    "authorization",
    "x-amz-security-token",
    "proxy-authorization",
];

impl<C> HttpClient for SensitiveHeaders<C>
where
    C: HttpConnector + Clone + std::fmt::Debug + 'static,
{
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl<C: HttpConnector + std::fmt::Debug> HttpConnector for SensitiveHeaders<C> {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let mut request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        for name in CREDENTIAL_HEADERS {
            if let Some(value) = request.headers_mut().get_mut(name) {
                value.set_sensitive(true);
            }
        }
        match HttpRequest::try_from(request) {
            Ok(request) => self.0.call(request),
            Err(e) => HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use aws_credential_types::Credentials;
    use aws_smithy_runtime_api::http::Response as HttpResponse;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    /// An HTTP client that records each header's name and whether it is
    /// sensitive, as the policy client receives them (after the same
    /// conversion to http 1.x), and answers 200.
    #[derive(Debug, Clone, Default)]
    struct Capture(Arc<Mutex<Vec<(String, bool)>>>);

    impl HttpClient for Capture {
        fn http_connector(
            &self,
            _settings: &HttpConnectorSettings,
            _components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    impl HttpConnector for Capture {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let request = request.try_into_http1x().unwrap();
            let mut seen = self.0.lock().unwrap();
            for (name, value) in request.headers() {
                seen.push((name.to_string(), value.is_sensitive()));
            }
            let answer = HttpResponse::new(200.try_into().unwrap(), SdkBody::from("{}"));
            HttpConnectorFuture::ready(Ok(answer))
        }
    }

    #[tokio::test]
    async fn the_sdk_transport_sends_credentials_as_sensitive_headers() {
        let capture = Capture::default();
        let config = aws_sdk_lambda::Config::builder()
            .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
            .region(aws_sdk_lambda::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(Credentials::new(
                "AKID",
                "SECRET",
                Some("s3cretTOKEN".into()),
                None,
                "test",
            ))
            .http_client(SensitiveHeaders(capture.clone()))
            .build();
        let client = aws_sdk_lambda::Client::from_conf(config);
        client.invoke().function_name("f").send().await.unwrap();
        let seen = capture.0.lock().unwrap().clone();
        for name in ["authorization", "x-amz-security-token"] {
            assert_eq!(
                seen.iter().find(|(n, _)| n == name),
                Some(&(name.to_owned(), true)),
                "{seen:?}"
            );
        }
        assert!(
            seen.iter().any(|(n, s)| n == "x-amz-date" && !s),
            "{seen:?}"
        );
    }
}

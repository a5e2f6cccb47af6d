//! The HTTP client `transport: 'sdk'` gives aws-sdk-lambda: the SDK's own
//! (aws-smithy-http-client) cannot take k6's options (a blacklist, a local
//! address, `insecureSkipTLSVerify`, TLS versions), so its requests go
//! through the same policy-bound pools as the direct transport's.

use std::sync::Arc;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::retries::ErrorKind;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::body::SdkBody;

use super::pools::SendError;
use super::{DialError, Network};
use crate::error::find_source;

#[derive(Debug, Clone)]
pub struct PolicyHttpClient {
    network: Arc<Network>,
}

impl PolicyHttpClient {
    pub fn new(network: Arc<Network>) -> Self {
        Self { network }
    }
}

impl HttpClient for PolicyHttpClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        // Timeouts: the client's own (the operation timeout) and the
        // dialer's connect timeout apply.
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for PolicyHttpClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        let network = Arc::clone(&self.network);
        HttpConnectorFuture::new(async move {
            match network.sdk_pools().send(&network, request).await {
                Ok(answer) => HttpResponse::try_from(answer.map(SdkBody::from_body_1_x))
                    .map_err(|e| ConnectorError::other(e.into(), None)),
                Err(SendError::Config(e)) => Err(ConnectorError::user(e.into())),
                Err(SendError::Http(e)) => Err(connector_error(e)),
            }
        })
    }
}

/// The SDK retries by the kind of a connector error, as its own client
/// sorts hyper's: a refused or reset connection is I/O (retried), a
/// refusal by the test's options is the user's (never retried).
fn connector_error(error: hyper_util::client::legacy::Error) -> ConnectorError {
    if find_source::<DialError>(&error).is_some_and(|e| e.by_policy) {
        return ConnectorError::user(error.into());
    }
    if error.is_connect() || find_source::<std::io::Error>(&error).is_some() {
        return ConnectorError::io(error.into());
    }
    match find_source::<hyper::Error>(&error) {
        Some(e) if e.is_timeout() => ConnectorError::timeout(error.into()),
        Some(e) if e.is_user() => ConnectorError::user(error.into()),
        Some(e) if e.is_closed() || e.is_canceled() => ConnectorError::io(error.into()),
        Some(e) if e.is_incomplete_message() => {
            ConnectorError::other(error.into(), Some(ErrorKind::TransientError))
        }
        _ => ConnectorError::other(error.into(), None),
    }
}

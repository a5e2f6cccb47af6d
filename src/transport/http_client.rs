//! One pooled HTTP/1.1 client (with rustls) for the whole process: every
//! client and VU shares its connections, per host.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::rt::TokioExecutor;
use once_cell::sync::OnceCell;

use crate::error::{classify_network, error_chain, InvokeError};

type Hyper = PooledClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

#[derive(Clone)]
pub struct HttpClient(Arc<Hyper>);

static SHARED: OnceCell<HttpClient> = OnceCell::new();

impl HttpClient {
    pub fn shared() -> Result<Self, InvokeError> {
        SHARED.get_or_try_init(Self::build).cloned()
    }

    fn build() -> Result<Self, InvokeError> {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(Duration::from_secs(10)));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|e| {
                InvokeError::internal(format!("cannot load the system's CA certificates: {e}"))
            })?
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = PooledClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        Ok(Self(Arc::new(client)))
    }

    pub async fn send(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> Result<http::Response<Incoming>, InvokeError> {
        self.0.request(request).await.map_err(|e| {
            let mut error = classify_network(&e, error_chain(&e));
            error.malformed_response = is_parse_error(&e);
            error
        })
    }
}

/// True when hyper could not parse the answer (as opposed to a connection
/// that failed or closed).
fn is_parse_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(current) = source {
        if let Some(hyper_error) = current.downcast_ref::<hyper::Error>() {
            return hyper_error.is_parse() || hyper_error.is_parse_status();
        }
        source = current.source();
    }
    false
}

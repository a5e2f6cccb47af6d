//! HTTP/1.1 connection pools over the policy's [`Dialer`]: one for
//! `http://` endpoints, which needs no TLS and so no certificates (a
//! scratch image runs an `http://` test with none), and one for
//! `https://`, set up at its first use. `B` is the request body type: the
//! direct transport's metered body, or the SDK's.

use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::rt::TokioExecutor;
use once_cell::sync::OnceCell;

use super::dial::Dialer;
use super::Network;
use crate::config::ConfigError;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct Pools<B> {
    plain: OnceCell<PooledClient<Dialer, B>>,
    tls: OnceCell<PooledClient<HttpsConnector<Dialer>, B>>,
}

impl<B> Default for Pools<B> {
    fn default() -> Self {
        Self {
            plain: OnceCell::new(),
            tls: OnceCell::new(),
        }
    }
}

/// Why a request got no response.
#[derive(Debug)]
pub enum SendError {
    /// The TLS configuration could not be made (reported at the first call).
    Config(ConfigError),
    Http(hyper_util::client::legacy::Error),
}

impl<B> Pools<B>
where
    B: Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    pub async fn send(
        &self,
        network: &Network,
        request: http::Request<B>,
    ) -> Result<http::Response<Incoming>, SendError> {
        if request.uri().scheme() == Some(&http::uri::Scheme::HTTPS) {
            let pool = self
                .tls
                .get_or_try_init(|| {
                    let connector = hyper_rustls::HttpsConnectorBuilder::new()
                        .with_tls_config((*network.tls()?).clone())
                        .https_only()
                        .enable_http1()
                        .wrap_connector(network.dialer.clone());
                    Ok(pool(connector))
                })
                .map_err(SendError::Config)?;
            pool.request(request).await.map_err(SendError::Http)
        } else {
            let mut request = request;
            if let Some(auth) = network.dialer.forward_proxy_authorization(request.uri()) {
                // A forward proxy reads its credentials from each request.
                request
                    .headers_mut()
                    .insert(http::header::PROXY_AUTHORIZATION, auth);
            }
            let pool = self.plain.get_or_init(|| pool(network.dialer.clone()));
            pool.request(request).await.map_err(SendError::Http)
        }
    }
}

fn pool<C, B>(connector: C) -> PooledClient<C, B>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
{
    PooledClient::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(connector)
}

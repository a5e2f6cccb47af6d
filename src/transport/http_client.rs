//! One pooled HTTP/1.1 client (with rustls) for the whole process: every
//! client and VU shares its connections, per host.

use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::rt::TokioExecutor;
use once_cell::sync::OnceCell;
use rustls::RootCertStore;

use super::metered_body::MeteredBody;
use crate::error::{classify_network, error_chain, find_source, InvokeError};

type Body = MeteredBody;

/// A pool for `http://` endpoints needs no TLS at all, so no certificates:
/// a scratch or distroless image runs an `http://` test with none.
#[derive(Clone)]
pub enum HttpClient {
    Plain(Arc<PooledClient<HttpConnector, Body>>),
    Tls(Arc<PooledClient<HttpsConnector<HttpConnector>, Body>>),
}

static PLAIN: OnceCell<HttpClient> = OnceCell::new();
static TLS: OnceCell<HttpClient> = OnceCell::new();

impl HttpClient {
    /// The process's pool for the endpoint's scheme. The TLS pool, and its
    /// trust anchors, are set up on the first `https://` endpoint only.
    pub fn shared(https: bool) -> Result<Self, InvokeError> {
        if https {
            TLS.get_or_try_init(|| {
                let tls = tls_config()?;
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_tls_config(tls)
                    .https_only()
                    .enable_http1()
                    .wrap_connector(tcp_connector());
                Ok(Self::Tls(Arc::new(pool(https))))
            })
            .cloned()
        } else {
            Ok(PLAIN
                .get_or_init(|| Self::Plain(Arc::new(pool(tcp_connector()))))
                .clone())
        }
    }

    pub async fn send(
        &self,
        request: http::Request<Body>,
    ) -> Result<http::Response<Incoming>, InvokeError> {
        let answer = match self {
            Self::Plain(pool) => pool.request(request).await,
            Self::Tls(pool) => pool.request(request).await,
        };
        answer.map_err(|e| {
            let mut error = classify_network(&e, error_chain(&e));
            error.not_retryable = is_parse_error(&e);
            error
        })
    }
}

fn tcp_connector() -> HttpConnector {
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(Duration::from_secs(10)));
    tcp
}

fn pool<C>(connector: C) -> PooledClient<C, Body>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    PooledClient::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(60))
        .build(connector)
}

fn tls_config() -> Result<rustls::ClientConfig, InvokeError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| InvokeError::internal(format!("cannot set up TLS: {e}")))
        .map(|builder| {
            builder
                .with_root_certificates(trust_anchors())
                .with_no_client_auth()
        })
}

/// The system's CA certificates (rustls-native-certs reads SSL_CERT_FILE
/// and SSL_CERT_DIR first, then the distribution's bundle), or, when it
/// has none that parse, the Mozilla roots bundled at build time
/// (webpki-roots): an image without /etc/ssl/certs still reaches AWS.
pub fn trust_anchors() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let (added, _unparsable) =
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if added == 0 {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    roots
}

/// True when hyper could not parse the answer (as opposed to a connection
/// that failed or closed).
fn is_parse_error(error: &(dyn std::error::Error + 'static)) -> bool {
    find_source::<hyper::Error>(error).is_some_and(|e| e.is_parse() || e.is_parse_status())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A root filesystem without certificates (scratch, distroless) still
    /// gets trust anchors: the bundled ones. SSL_CERT_FILE / SSL_CERT_DIR
    /// pointing nowhere is how rustls-native-certs finds none; no other
    /// test in this binary reads them.
    #[test]
    fn falls_back_to_the_bundled_roots_when_the_system_has_none() {
        std::env::set_var("SSL_CERT_FILE", "/nonexistent/ca-certificates.crt");
        std::env::set_var("SSL_CERT_DIR", "/nonexistent/certs");
        assert_eq!(trust_anchors().len(), webpki_roots::TLS_SERVER_ROOTS.len());
    }
}

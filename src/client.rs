//! A Lambda client: validated configuration plus a backend (the transport
//! and the SDK client) built on first use and shared by every client with
//! the same configuration; it owns the invocation.
//! (InvokeWithResponseStream and function URLs: `streaming.rs`.)
//!
//! k6 scripts create one client per VU; with a thousand VUs that is a
//! thousand `new LambdaClient(...)` calls with one configuration. They all
//! get the same SDK client, so one connection pool, one identity cache and
//! one endpoint resolver serve them all. Configurations that differ only
//! in network options or transport (k6's `localIPs` gives each VU options
//! of its own) still share one account: credentials, the AWS
//! configuration, function URL signers (`account.rs`).

use std::sync::Arc;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use once_cell::sync::Lazy;
use tokio::sync::OnceCell;

use crate::config::{ClientConfig, ConfigError, TransportKind};
use crate::error::InvokeError;
use crate::keyed::Shared;
use crate::metering::Traffic;
use crate::network::sdk_client::PolicyHttpClient;
use crate::network::Network;
use crate::outcome::{Invoked, WireStats};
use crate::request::{InvokeRequest, ValidRequest};
use crate::response::InvocationResponse;
use crate::transport::direct::{Transport, UrlSender};
use crate::transport::sdk;

mod account;
mod streaming;

use account::Account;
pub(crate) use account::Loaded;

/// What sends the invocations of one configuration: the SDK client, and
/// the direct transport unless the configuration asks for the SDK.
struct Backend {
    pub sdk: aws_sdk_lambda::Client,
    /// The direct transport, unless the configuration asks for the SDK.
    pub direct: Option<Transport>,
    /// Function URLs, whatever the transport.
    pub url: UrlSender,
    /// Held so that the clients of its AWS configuration keep sharing it.
    _account: Arc<Account>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("sdk", &self.sdk)
            .field("direct", &self.direct)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A backend, or why none could be set up (no region from the script or
/// the AWS chain, an invalid endpoint, no TLS): every invocation of the
/// configuration then reports that error.
type BackendResult = Result<Backend, InvokeError>;

type SharedBackend = Arc<OnceCell<BackendResult>>;

/// Live backends by configuration: a configuration no script uses any
/// more frees its connections.
static REGISTRY: Lazy<Shared<ClientConfig, OnceCell<BackendResult>>> = Lazy::new(Shared::default);

#[derive(Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    backend: SharedBackend,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the keys.
        f.debug_struct("Client")
            .field("region", &self.config.region)
            .field(
                "endpoint",
                &self.config.endpoint.as_deref().map(crate::redact::url),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Validates the configuration. Does no I/O: the SDK client (and, with
    /// no static keys, the credential chain) is set up on the first call.
    pub fn new(config: ClientConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let backend = REGISTRY.get_or_insert_with(&config, OnceCell::new);
        Ok(Self {
            config: Arc::new(config),
            backend,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// True when both clients use one backend (and so one connection pool).
    pub fn shares_connections_with(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.backend, &other.backend)
    }

    /// Sends the invocation and waits for Lambda's answer.
    ///
    /// A function error is a response (with `function_error` set), not an
    /// `Err`: the caller decides how to surface it, with the payload intact.
    pub async fn invoke(&self, request: ValidRequest) -> Invoked {
        let traffic = Arc::new(Traffic::default());
        let result = self.send(request.into_inner(), &traffic).await;
        let mut wire = WireStats::measure(&traffic);
        if matches!(&result, Err(e) if e.by_policy) && wire.bytes_sent == 0 {
            // Refused by the test's own network options before a byte left:
            // not an invocation of the function (k6 codes 1110, 1111).
            wire.duration_ns = None;
        }
        Invoked { result, wire }
    }

    async fn send(
        &self,
        request: InvokeRequest,
        traffic: &Arc<Traffic>,
    ) -> Result<InvocationResponse, InvokeError> {
        let backend = self.backend().await?;
        match &backend.direct {
            Some(transport) => transport.invoke(request, traffic).await,
            None => sdk::invoke(&backend.sdk, request, traffic).await,
        }
    }

    async fn backend(&self) -> Result<&Backend, InvokeError> {
        self.backend
            .get_or_init(|| build_backend(&self.config))
            .await
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A backend of the configuration's own network, over its AWS
/// configuration's shared account (credentials, SDK configuration).
async fn build_backend(config: &ClientConfig) -> BackendResult {
    let account = Account::shared(config);
    let loaded = account.loaded(config).await?;
    let direct = match config.transport() {
        TransportKind::Direct => Some(Transport::new(config, loaded)?),
        TransportKind::Sdk => None,
    };
    // Only the Lambda calls obey the test's network options: the
    // credential providers (instance metadata, SSO, STS) are the
    // extension's own, not traffic of the test. The SDK clients built
    // from one SdkConfig share its identity cache.
    let network = Network::shared(&config.network())?;
    let sdk = aws_sdk_lambda::config::Builder::from(&loaded.sdk_config)
        .retry_classifier(sdk::retry::NoRetryAfterSuccess)
        .http_client(sdk::SensitiveHeaders(PolicyHttpClient::new(network)))
        .build();
    Ok(Backend {
        sdk: aws_sdk_lambda::Client::from_conf(sdk),
        url: UrlSender::new(config, loaded)?,
        direct,
        _account: Arc::clone(&account),
    })
}

/// The standard AWS configuration chain (environment, profile, SSO, web
/// identity, container and instance metadata; `AWS_ENDPOINT_URL_LAMBDA`,
/// `AWS_ENDPOINT_URL`), overridden by what the script set explicitly.
async fn load_sdk_config(config: &ClientConfig) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts()))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(config.timeout())
                .build(),
        );
    if let Some(region) = config.region() {
        loader = loader.region(Region::new(region.to_owned()));
    }
    if let Some(profile) = config.profile() {
        loader = loader.profile_name(profile);
    }
    if let Some((access_key, secret_key, session_token)) = config.static_keys() {
        // Static keys: no credential-chain probing at all.
        loader = loader.credentials_provider(Credentials::new(
            access_key,
            secret_key,
            session_token.map(str::to_owned),
            None,
            "xk6-lambda",
        ));
    } else if let Some(profile) = config.profile() {
        // A profile named explicitly is meant: the default chain would let
        // AWS_ACCESS_KEY_ID in the environment win over it.
        loader = loader.credentials_provider(
            ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .build(),
        );
    }
    if let Some(endpoint) = config.endpoint_url() {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(region: &str) -> ClientConfig {
        ClientConfig {
            region: region.into(),
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
            ..Default::default()
        }
    }

    #[test]
    fn equal_configurations_share_one_sdk_client() {
        let a = Client::new(config("us-east-1")).unwrap();
        let b = Client::new(config("us-east-1")).unwrap();
        let c = Client::new(config("eu-west-1")).unwrap();
        assert!(a.shares_connections_with(&b));
        assert!(!a.shares_connections_with(&c));
    }

    #[test]
    fn refuses_invalid_configurations() {
        assert!(Client::new(config("")).is_err());
    }

    #[test]
    fn debug_output_hides_the_keys() {
        let client = Client::new(ClientConfig {
            endpoint: Some("http://user:s3cretPW@127.0.0.1:9000".into()),
            ..config("us-east-1")
        })
        .unwrap();
        let text = format!("{client:?}");
        assert!(!text.contains("EXAMPLEKEY"), "{text}");
        assert!(!text.contains("AKIA"), "{text}");
        assert!(!text.contains("s3cretPW"), "{text}");
        assert!(text.contains("user:***@127.0.0.1:9000"), "{text}");
    }
}

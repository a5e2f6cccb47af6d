//! A Lambda client: validated configuration plus an SDK client built on
//! first use and shared by every client with the same configuration.
//!
//! k6 scripts create one client per VU; with a thousand VUs that is a
//! thousand `new LambdaClient(...)` calls with one configuration. They all
//! get the same SDK client, so one connection pool, one identity cache and
//! one endpoint resolver serve them all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use once_cell::sync::Lazy;
use tokio::sync::OnceCell;

use crate::config::{ClientConfig, ConfigError};

type SharedSdk = Arc<OnceCell<aws_sdk_lambda::Client>>;

/// Live SDK clients by configuration. Weak, so a configuration no script
/// uses any more frees its connections.
static REGISTRY: Lazy<Mutex<HashMap<ClientConfig, Weak<OnceCell<aws_sdk_lambda::Client>>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

#[derive(Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    sdk: SharedSdk,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the keys.
        f.debug_struct("Client")
            .field("region", &self.config.region)
            .field("endpoint", &self.config.endpoint)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Validates the configuration. Does no I/O: the SDK client (and, with
    /// no static keys, the credential chain) is set up on the first call.
    pub fn new(config: ClientConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut registry = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
        let sdk = match registry.get(&config).and_then(Weak::upgrade) {
            Some(shared) => shared,
            None => {
                registry.retain(|_, weak| weak.strong_count() > 0);
                let shared: SharedSdk = Arc::new(OnceCell::new());
                registry.insert(config.clone(), Arc::downgrade(&shared));
                shared
            }
        };
        Ok(Self {
            config: Arc::new(config),
            sdk,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// True when both clients use one SDK client (and so one connection pool).
    pub fn shares_connections_with(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.sdk, &other.sdk)
    }

    pub(crate) async fn sdk(&self) -> &aws_sdk_lambda::Client {
        self.sdk
            .get_or_init(|| build_sdk_client(&self.config))
            .await
    }
}

/// The standard AWS configuration chain (environment, profile, SSO, web
/// identity, container and instance metadata; `AWS_ENDPOINT_URL_LAMBDA`,
/// `AWS_ENDPOINT_URL`), overridden by what the script set explicitly.
async fn build_sdk_client(config: &ClientConfig) -> aws_sdk_lambda::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(config.region.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts()))
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(config.timeout())
                .build(),
        );
    if let Some((access_key, secret_key, session_token)) = config.static_keys() {
        // Static keys: no credential-chain probing at all.
        loader = loader.credentials_provider(Credentials::new(
            access_key,
            secret_key,
            session_token.map(str::to_owned),
            None,
            "xk6-lambda",
        ));
    }
    if let Some(endpoint) = config.endpoint_url() {
        loader = loader.endpoint_url(endpoint);
    }
    aws_sdk_lambda::Client::new(&loader.load().await)
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
        let client = Client::new(config("us-east-1")).unwrap();
        let text = format!("{client:?}");
        assert!(!text.contains("EXAMPLEKEY"), "{text}");
        assert!(!text.contains("AKIA"), "{text}");
    }
}

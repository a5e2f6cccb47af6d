//! Credentials for signing: the script's static keys, resolved once, or
//! the AWS credential chain, cached until shortly before they expire.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::identity::Identity;
use tokio::sync::RwLock;

use crate::config::ClientConfig;
use crate::error::InvokeError;

/// Refresh chain credentials this long before they expire, as the SDK's
/// identity cache does.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

pub enum CredentialSource {
    Static(Identity),
    Chain {
        provider: Option<SharedCredentialsProvider>,
        cached: RwLock<Option<(Identity, Option<SystemTime>)>>,
    },
}

fn fresh(expiry: Option<SystemTime>) -> bool {
    expiry.is_none_or(|at| SystemTime::now() + REFRESH_BEFORE_EXPIRY < at)
}

impl CredentialSource {
    pub fn new(config: &ClientConfig, sdk_config: &SdkConfig) -> Self {
        match config.static_keys() {
            Some((key, secret, token)) => Self::Static(Identity::from(Credentials::new(
                key,
                secret,
                token.map(str::to_owned),
                None,
                "xk6-lambda",
            ))),
            None => Self::Chain {
                provider: sdk_config.credentials_provider(),
                cached: RwLock::new(None),
            },
        }
    }

    pub async fn identity(&self) -> Result<Identity, InvokeError> {
        let (provider, cached) = match self {
            Self::Static(identity) => return Ok(identity.clone()),
            Self::Chain { provider, cached } => (provider, cached),
        };
        if let Some((identity, expiry)) = cached.read().await.as_ref() {
            if fresh(*expiry) {
                return Ok(identity.clone());
            }
        }
        let mut slot = cached.write().await;
        if let Some((identity, expiry)) = slot.as_ref() {
            if fresh(*expiry) {
                return Ok(identity.clone()); // another task refreshed it
            }
        }
        let provider = provider.as_ref().ok_or_else(|| {
            InvokeError::credentials("no credentials: give accessKeyId and secretAccessKey, or configure the AWS credential chain".into())
        })?;
        let credentials = provider.provide_credentials().await.map_err(|e| {
            InvokeError::credentials(format!(
                "no credentials from the AWS credential chain: {}",
                crate::error::error_chain(&e)
            ))
        })?;
        let expiry = credentials.expiry();
        let identity = Identity::from(credentials);
        *slot = Some((identity.clone(), expiry));
        Ok(identity)
    }
}

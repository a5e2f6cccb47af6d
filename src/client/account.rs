//! What every client of one AWS configuration shares, whatever its
//! network options and transport: the SDK configuration (region,
//! endpoint, credential provider and the SDK's identity cache), the direct
//! transport's credentials cache (Invoke, streams and function URLs sign
//! with it) and the signers of function URL regions.
//!
//! Backends are one per whole configuration, network options included,
//! and k6's `localIPs` gives each VU network options of its own: before
//! accounts, N such VUs loaded the AWS configuration N times and asked
//! the credential provider (STS, SSO, instance metadata) 2N times.

use std::sync::Arc;

use aws_config::SdkConfig;
use once_cell::sync::Lazy;
use tokio::sync::OnceCell;

use super::load_sdk_config;
use crate::config::ClientConfig;
use crate::error::InvokeError;
use crate::keyed::Shared;
use crate::transport::direct::{CredentialSource, RegionSigners};

/// One AWS configuration's shared state, loaded by its first invocation.
pub struct Account {
    loaded: OnceCell<Result<Loaded, InvokeError>>,
}

pub struct Loaded {
    pub sdk_config: SdkConfig,
    /// The script's, else the AWS region chain's.
    pub region: String,
    pub credentials: CredentialSource,
    pub url_signers: Arc<RegionSigners>,
}

/// Live accounts by configuration without what does not touch AWS
/// (network options, transport): forgotten when no backend holds them.
static ACCOUNTS: Lazy<Shared<ClientConfig, Account>> = Lazy::new(Shared::default);

impl Account {
    /// The account of `config`'s AWS configuration.
    pub fn shared(config: &ClientConfig) -> Arc<Self> {
        let key = ClientConfig {
            network: None,
            transport: None,
            ..config.clone()
        };
        ACCOUNTS.get_or_insert_with(&key, || Self {
            loaded: OnceCell::new(),
        })
    }

    /// The account, loaded once (the AWS configuration chain); a failure
    /// is every invocation's error.
    pub async fn loaded(&self, config: &ClientConfig) -> Result<&Loaded, InvokeError> {
        self.loaded
            .get_or_init(|| load(config))
            .await
            .as_ref()
            .map_err(Clone::clone)
    }
}

async fn load(config: &ClientConfig) -> Result<Loaded, InvokeError> {
    let sdk_config = load_sdk_config(config).await;
    let region = sdk_config
        .region()
        .map(|r| r.as_ref().to_owned())
        .ok_or_else(|| {
            InvokeError::config(
                "invalid AWS region; reason: none was given and the AWS chain has none: set \
             AWSConfig's region, AWS_REGION or AWS_DEFAULT_REGION, or a region in the profile",
            )
        })?;
    Ok(Loaded {
        credentials: CredentialSource::new(config, &sdk_config),
        url_signers: Arc::default(),
        sdk_config,
        region,
    })
}

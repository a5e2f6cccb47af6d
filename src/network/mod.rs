//! Where connections go, under k6's network options: both transports dial
//! through here, so `blacklistIPs`, `blockHostnames`, `hosts`, `dns`,
//! `localIPs`, `insecureSkipTLSVerify`, `tlsVersion` and the proxy
//! environment (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) hold for every
//! invocation as they hold for `k6/http`.
//!
//! The options themselves are `crate::config::network` (what the Go shim
//! reads from the VU).
//! - [`resolve`]: host name to one address (k6's DNS cache, select, policy).
//! - [`proxy`]: the proxy environment, with Go's rules, and CONNECT tunnels.
//! - [`dial`]: the connector the HTTP pools use.
//! - [`tls`]: the rustls configuration.
//! - [`pools`]: one set of pools per policy, for the direct transport and
//!   for the SDK's HTTP client.

pub mod dial;
pub mod pools;
pub mod proxy;
pub mod resolve;
pub mod sdk_client;
pub mod tls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use once_cell::sync::OnceCell;

pub use crate::config::network::NetworkPolicy;

use crate::config::ConfigError;
pub use crate::error::DialError;

/// Everything connections of one policy share: the parsed options, the
/// DNS cache, the proxies, the TLS configuration and the pools.
pub struct Network {
    pub policy: NetworkPolicy,
    pub(crate) dialer: dial::Dialer,
    tls: OnceCell<Arc<rustls::ClientConfig>>,
    direct_pools: pools::Pools<crate::metering::MeteredBody>,
    sdk_pools: pools::Pools<aws_smithy_types::body::SdkBody>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// One `Network` per policy for the whole process: every client and VU
/// with the same options shares connections and DNS answers.
static NETWORKS: Lazy<Mutex<HashMap<NetworkPolicy, Arc<Network>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

impl Network {
    /// The process's network for `policy` (the proxy settings are read
    /// from the environment the first time).
    pub fn shared(policy: &NetworkPolicy) -> Result<Arc<Self>, ConfigError> {
        let mut networks = NETWORKS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(network) = networks.get(policy) {
            return Ok(Arc::clone(network));
        }
        let network = Arc::new(Self::new(policy.clone(), proxy::Proxies::from_env()?)?);
        networks.insert(policy.clone(), Arc::clone(&network));
        Ok(network)
    }

    pub fn new(policy: NetworkPolicy, proxies: proxy::Proxies) -> Result<Self, ConfigError> {
        let routes = dial::Routes {
            parsed: policy.parse()?,
            resolver: resolve::Resolver::new(policy.dns.clone()),
            proxies,
        };
        Ok(Self {
            dialer: dial::Dialer::new(routes),
            policy,
            tls: OnceCell::new(),
            direct_pools: pools::Pools::default(),
            sdk_pools: pools::Pools::default(),
        })
    }

    /// The TLS configuration, made at the first `https://` connection (an
    /// `http://` test needs no certificates at all).
    pub fn tls(&self) -> Result<Arc<rustls::ClientConfig>, ConfigError> {
        self.tls
            .get_or_try_init(|| tls::client_config(&self.policy).map(Arc::new))
            .cloned()
    }

    pub fn direct_pools(&self) -> &pools::Pools<crate::metering::MeteredBody> {
        &self.direct_pools
    }

    pub fn sdk_pools(&self) -> &pools::Pools<aws_smithy_types::body::SdkBody> {
        &self.sdk_pools
    }
}

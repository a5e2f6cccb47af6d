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
//! - [`pools`]: one set of pools per policy and local address, for the
//!   direct transport and for the SDK's HTTP client.

pub mod dial;
pub mod pools;
pub mod proxy;
pub mod resolve;
pub mod sdk_client;
pub mod tls;

use std::net::IpAddr;
use std::sync::Arc;

use once_cell::sync::Lazy;
use once_cell::sync::OnceCell;

pub use crate::config::network::NetworkPolicy;

use crate::config::ConfigError;
pub use crate::error::DialError;
use crate::keyed::Shared;

/// What every VU of one policy shares, whatever its `localIPs` address:
/// the parsed options, the DNS cache, the proxies and the TLS
/// configuration (with its root store, read from disk once).
struct Routing {
    /// The policy without a local address.
    policy: NetworkPolicy,
    routes: Arc<dial::Routes>,
    tls: OnceCell<Arc<rustls::ClientConfig>>,
}

/// Connections of one policy from one local address: the shared
/// [`Routing`], and the pools, which cannot be shared across addresses (a
/// connection leaves from the address it was opened from). Without
/// `localIPs`, every VU of the policy has the same one.
pub struct Network {
    pub policy: NetworkPolicy,
    routing: Arc<Routing>,
    pub(crate) dialer: dial::Dialer,
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

/// The process's networks, by policy (local address included), and their
/// routing, by policy without it: every client and VU with the same
/// options shares them while any client uses them, and they are
/// forgotten (connections closed) when none does.
static NETWORKS: Lazy<Shared<NetworkPolicy, Network>> = Lazy::new(Shared::default);
static ROUTINGS: Lazy<Shared<NetworkPolicy, Routing>> = Lazy::new(Shared::default);

impl Network {
    /// The process's network for `policy` (the proxy settings are read
    /// from the environment when its routing is made).
    pub fn shared(policy: &NetworkPolicy) -> Result<Arc<Self>, ConfigError> {
        NETWORKS.get_or_try_insert_with(policy, || {
            let routing_policy = NetworkPolicy {
                local_ip: None,
                ..policy.clone()
            };
            let routing = ROUTINGS.get_or_try_insert_with(&routing_policy, || {
                Routing::new(routing_policy.clone(), proxy::Proxies::from_env()?)
            })?;
            Ok(Self::with_routing(
                policy.clone(),
                routing,
                policy.parse()?.local_ip,
            ))
        })
    }

    /// A network of its own, not shared, with the given proxy settings
    /// instead of the environment's: for tests.
    #[cfg(test)]
    pub(crate) fn with_proxies(
        policy: NetworkPolicy,
        proxies: proxy::Proxies,
    ) -> Result<Self, ConfigError> {
        let local_ip = policy.parse()?.local_ip;
        let routing = Arc::new(Routing::new(policy.clone(), proxies)?);
        Ok(Self::with_routing(policy, routing, local_ip))
    }

    fn with_routing(
        policy: NetworkPolicy,
        routing: Arc<Routing>,
        local_ip: Option<IpAddr>,
    ) -> Self {
        Self {
            dialer: dial::Dialer::new(Arc::clone(&routing.routes), local_ip),
            policy,
            routing,
            direct_pools: pools::Pools::default(),
            sdk_pools: pools::Pools::default(),
        }
    }

    /// The TLS configuration, made at the first `https://` connection (an
    /// `http://` test needs no certificates at all), once per policy
    /// whatever the local address.
    pub fn tls(&self) -> Result<Arc<rustls::ClientConfig>, ConfigError> {
        let routing = &self.routing;
        routing
            .tls
            .get_or_try_init(|| tls::client_config(&routing.policy).map(Arc::new))
            .cloned()
    }

    pub fn direct_pools(&self) -> &pools::Pools<crate::metering::MeteredBody> {
        &self.direct_pools
    }

    pub fn sdk_pools(&self) -> &pools::Pools<aws_smithy_types::body::SdkBody> {
        &self.sdk_pools
    }
}

impl Routing {
    fn new(policy: NetworkPolicy, proxies: proxy::Proxies) -> Result<Self, ConfigError> {
        let routes = dial::Routes {
            parsed: policy.parse()?,
            resolver: resolve::Resolver::new(policy.dns.clone()),
            proxies,
        };
        Ok(Self {
            policy,
            routes: Arc::new(routes),
            tls: OnceCell::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_no_client_uses_are_dropped() {
        for i in 0..1000 {
            let policy = NetworkPolicy {
                blacklist_ips: vec![format!("10.{}.{}.0/24", i / 256, i % 256)],
                ..Default::default()
            };
            drop(Network::shared(&policy).unwrap());
        }
        let kept = NETWORKS.len();
        println!("networks kept after 1,000 policies used and dropped: {kept}");
        // Other tests of this process hold a few of their own.
        assert!(kept < 100, "{kept}");
    }

    #[test]
    fn vus_of_one_policy_share_the_tls_configuration_whatever_their_local_ip() {
        let policy = |local: &str| NetworkPolicy {
            insecure_skip_tls_verify: true,
            local_ip: Some(local.into()),
            ..Default::default()
        };
        let a = Network::shared(&policy("127.0.0.2")).unwrap();
        let b = Network::shared(&policy("127.0.0.3")).unwrap();
        assert!(Arc::ptr_eq(&a.tls().unwrap(), &b.tls().unwrap()));
        // The same routes (DNS cache, proxies), pools of their own; a VU
        // given the same address gets the same network.
        assert!(Arc::ptr_eq(&a.routing, &b.routing));
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(Arc::ptr_eq(
            &a,
            &Network::shared(&policy("127.0.0.2")).unwrap()
        ));
    }
}

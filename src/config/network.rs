//! k6's network options, as the Go shim reads them from the VU's state at
//! the first invocation: the same settings `k6/http` obeys, so that a test
//! kept away from some hosts or addresses by its options stays away from
//! them through `k6/x/lambda` too.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use super::address;
use super::ConfigError;

/// k6's options that decide where and how a connection is made. Equal
/// policies share one resolver cache and one set of connection pools.
///
/// Defaults are k6's: DNS cached for 5 minutes, a random address of the
/// preferred IPv4 family, certificates verified, TLS 1.2 or 1.3.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NetworkPolicy {
    /// `blacklistIPs`: CIDR ranges never connected to (k6 code 1110).
    #[serde(default, rename = "blacklistIPs")]
    pub blacklist_ips: Vec<String>,
    /// `blockHostnames`: host names (`*` as a leading wildcard) never
    /// looked up or connected to (k6 code 1111).
    #[serde(default)]
    pub block_hostnames: Vec<String>,
    /// `hosts`: `name` or `name:port` to `ip` or `ip:port`, used instead of DNS.
    #[serde(default)]
    pub hosts: BTreeMap<String, String>,
    #[serde(default)]
    pub dns: DnsOptions,
    /// `insecureSkipTLSVerify`: accept any server certificate.
    #[serde(default, rename = "insecureSkipTLSVerify")]
    pub insecure_skip_tls_verify: bool,
    /// `tlsVersion`: the lowest and highest version, as k6 names them
    /// (`tls1.2`); empty for no bound.
    #[serde(default)]
    pub tls_version: TlsVersions,
    /// The address the VU's connections leave from (k6's `localIPs` gives
    /// each VU one of its pool).
    #[serde(default, rename = "localIP")]
    pub local_ip: Option<String>,
}

/// k6's `dns` option.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DnsOptions {
    /// How long a lookup is reused; 0: every connection looks up.
    #[serde(default = "default_ttl_ms")]
    pub ttl_ms: u64,
    #[serde(default)]
    pub select: DnsSelect,
    #[serde(default)]
    pub policy: DnsPolicy,
}

fn default_ttl_ms() -> u64 {
    5 * 60 * 1000
}

impl Default for DnsOptions {
    fn default() -> Self {
        Self {
            ttl_ms: default_ttl_ms(),
            select: DnsSelect::default(),
            policy: DnsPolicy::default(),
        }
    }
}

impl DnsOptions {
    pub fn ttl(&self) -> Duration {
        Duration::from_millis(self.ttl_ms)
    }
}

/// Which of a name's addresses a connection uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DnsSelect {
    First,
    #[default]
    Random,
    RoundRobin,
}

/// Which address families a lookup keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DnsPolicy {
    #[default]
    #[serde(rename = "preferIPv4")]
    PreferIpv4,
    #[serde(rename = "preferIPv6")]
    PreferIpv6,
    #[serde(rename = "onlyIPv4")]
    OnlyIpv4,
    #[serde(rename = "onlyIPv6")]
    OnlyIpv6,
    Any,
}

impl DnsPolicy {
    /// The addresses to choose from, in the lookup's order.
    pub fn apply(self, ips: &[IpAddr]) -> Vec<IpAddr> {
        let (v4, v6): (Vec<IpAddr>, Vec<IpAddr>) = ips.iter().partition(|ip| ip.is_ipv4());
        match self {
            Self::Any => ips.to_vec(),
            Self::OnlyIpv4 => v4,
            Self::OnlyIpv6 => v6,
            Self::PreferIpv4 if v4.is_empty() => v6,
            Self::PreferIpv4 => v4,
            Self::PreferIpv6 if v6.is_empty() => v4,
            Self::PreferIpv6 => v6,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::PreferIpv4 => "preferIPv4",
            Self::PreferIpv6 => "preferIPv6",
            Self::OnlyIpv4 => "onlyIPv4",
            Self::OnlyIpv6 => "onlyIPv6",
            Self::Any => "any",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsVersions {
    #[serde(default)]
    pub min: String,
    #[serde(default)]
    pub max: String,
}

/// The TLS versions rustls implements, in k6's names.
const TLS12: &str = "tls1.2";
const TLS13: &str = "tls1.3";

/// k6's version names in order; rustls implements the last two only.
const TLS_NAMES: [&str; 5] = ["ssl3.0", "tls1.0", "tls1.1", TLS12, TLS13];

impl TlsVersions {
    /// The versions rustls may offer within the bounds.
    pub fn allowed(&self) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, ConfigError> {
        let rank = |name: &str, default: usize| -> Result<usize, ConfigError> {
            if name.is_empty() {
                return Ok(default);
            }
            TLS_NAMES
                .iter()
                .position(|known| *known == name)
                .ok_or_else(|| ConfigError {
                    message: format!(
                        "invalid tlsVersion; reason: expected one of {}, got `{name}`",
                        TLS_NAMES.join(", ")
                    ),
                })
        };
        let min = rank(&self.min, 0)?;
        let max = rank(&self.max, TLS_NAMES.len() - 1)?;
        let mut allowed = Vec::new();
        for (name, version) in [
            (TLS12, &rustls::version::TLS12),
            (TLS13, &rustls::version::TLS13),
        ] {
            let r = rank(name, 0)?;
            if (min..=max).contains(&r) {
                allowed.push(version);
            }
        }
        if allowed.is_empty() {
            return Err(ConfigError {
                message: format!(
                    "invalid tlsVersion; reason: {{min: `{}`, max: `{}`}} leaves no version this \
                     extension speaks (TLS 1.2 and TLS 1.3)",
                    self.min, self.max
                ),
            });
        }
        Ok(allowed)
    }
}

/// The policy in the form the dialer checks it, every address and range
/// canonical (`super::address`: IPv4 written as IPv6 is IPv4).
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub blacklist: Vec<IpNet>,
    pub blocked: Vec<HostPattern>,
    pub hosts: Vec<(HostPattern, HostTarget)>,
    pub local_ip: Option<IpAddr>,
}

/// A host name pattern of k6's `blockHostnames` and `hosts`: an exact name,
/// or `*` followed by a suffix, matching any name that ends with it. Case
/// does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    pub text: String,
}

impl HostPattern {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_ascii_lowercase(),
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        match self.text.strip_prefix('*') {
            Some(suffix) => name.ends_with(suffix),
            None => name == self.text,
        }
    }
}

/// Where a `hosts` entry sends a name: an address, and a port when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostTarget {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl HostTarget {
    fn parse(text: &str) -> Option<Self> {
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Some(Self {
                ip: address::canonical(ip),
                port: None,
            });
        }
        let addr = text.parse::<std::net::SocketAddr>().ok()?;
        Some(Self {
            ip: address::canonical(addr.ip()),
            port: Some(addr.port()).filter(|p| *p != 0),
        })
    }
}

impl NetworkPolicy {
    /// Checks every option and returns them in the dialer's form.
    pub fn parse(&self) -> Result<Parsed, ConfigError> {
        let invalid = |option: &str, reason: String| ConfigError {
            message: format!("invalid {option}; reason: {reason}"),
        };
        let blacklist = self
            .blacklist_ips
            .iter()
            .map(|cidr| {
                cidr.parse::<IpNet>()
                    .or_else(|_| cidr.parse::<IpAddr>().map(IpNet::from))
                    .map(address::canonical_net)
                    .map_err(|_| {
                        invalid(
                            "blacklistIPs",
                            format!("expected CIDR ranges (10.0.0.0/8), got `{cidr}`"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        let blocked = self
            .block_hostnames
            .iter()
            .map(|p| HostPattern::new(p))
            .collect();
        let hosts = self
            .hosts
            .iter()
            .map(|(name, target)| {
                HostTarget::parse(target)
                    .map(|t| (HostPattern::new(name), t))
                    .ok_or_else(|| {
                        invalid(
                            "hosts",
                            format!(
                                "expected an IP address or IP:port for `{name}`, got `{target}`"
                            ),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        let local_ip =
            match self.local_ip.as_deref().filter(|s| !s.is_empty()) {
                None => None,
                Some(text) => Some(text.parse::<IpAddr>().map(address::canonical).map_err(
                    |_| invalid("localIPs", format!("expected an IP address, got `{text}`")),
                )?),
            };
        self.tls_version.allowed()?;
        Ok(Parsed {
            blacklist,
            blocked,
            hosts,
            local_ip,
        })
    }
}

impl Parsed {
    /// The blacklisted range holding `ip`, if any, in whatever form `ip`
    /// is written (see `address::forms`).
    pub fn blacklisted(&self, ip: IpAddr) -> Option<&IpNet> {
        address::forms(ip).find_map(|ip| self.blacklist.iter().find(|net| net.contains(&ip)))
    }

    /// The `blockHostnames` pattern matching `host`, if any.
    pub fn blocked(&self, host: &str) -> Option<&HostPattern> {
        self.blocked.iter().find(|p| p.matches(host))
    }

    /// The `hosts` entry for `host:port`, else for `host` (keeping the
    /// request's port when the entry has none), as k6 looks them up.
    pub fn host_override(&self, host: &str, port: u16) -> Option<(IpAddr, u16)> {
        let with_port = format!("{host}:{port}");
        if let Some((_, t)) = self.hosts.iter().find(|(p, _)| p.matches(&with_port)) {
            return Some((t.ip, t.port.unwrap_or(port)));
        }
        self.hosts
            .iter()
            .find(|(p, _)| p.matches(host))
            .map(|(_, t)| (t.ip, t.port.unwrap_or(port)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> NetworkPolicy {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn defaults_are_k6s() {
        let p = policy("{}");
        assert_eq!(p.dns.ttl(), Duration::from_secs(300));
        assert_eq!(p.dns.select, DnsSelect::Random);
        assert_eq!(p.dns.policy, DnsPolicy::PreferIpv4);
        assert!(!p.insecure_skip_tls_verify);
        assert_eq!(p.tls_version.allowed().unwrap().len(), 2);
    }

    #[test]
    fn host_patterns_match_as_k6s() {
        let p = policy(r#"{"blockHostnames":["*.example.com","exact.org","*bare.net"]}"#)
            .parse()
            .unwrap();
        assert!(p.blocked("a.example.com").is_some());
        assert!(p.blocked("A.B.EXAMPLE.com").is_some());
        assert!(p.blocked("example.com").is_none());
        assert!(p.blocked("exact.org").is_some());
        assert!(p.blocked("x.exact.org").is_none());
        assert!(p.blocked("bare.net").is_some());
        assert!(p.blocked("unbare.net").is_some());
        assert!(p.blocked("other.net").is_none());
    }

    #[test]
    fn hosts_entries_with_and_without_port() {
        let p = policy(
            r#"{"hosts":{"fn.test":"127.0.0.1","fn.test:80":"127.0.0.2:9000","*.wild.test":"::1"}}"#,
        )
        .parse()
        .unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            p.host_override("fn.test", 80),
            Some((ip("127.0.0.2"), 9000))
        );
        assert_eq!(
            p.host_override("fn.test", 443),
            Some((ip("127.0.0.1"), 443))
        );
        assert_eq!(p.host_override("a.wild.test", 8), Some((ip("::1"), 8)));
        assert_eq!(p.host_override("other.test", 80), None);
    }

    #[test]
    fn blacklist_ranges_and_single_addresses() {
        let p = policy(r#"{"blacklistIPs":["127.0.0.0/8","10.1.2.3","::1/128"]}"#)
            .parse()
            .unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            p.blacklisted(ip("127.9.9.9")).unwrap().to_string(),
            "127.0.0.0/8"
        );
        assert!(p.blacklisted(ip("10.1.2.3")).is_some());
        assert!(p.blacklisted(ip("10.1.2.4")).is_none());
        assert!(p.blacklisted(ip("::1")).is_some());
        assert!(policy(r#"{"blacklistIPs":["nope"]}"#).parse().is_err());
    }

    #[test]
    fn ipv4_written_as_ipv6_is_in_ipv4_ranges() {
        let p = policy(
            r#"{"blacklistIPs":["127.0.0.0/8","169.254.169.254/32","::ffff:10.0.0.0/104"]}"#,
        )
        .parse()
        .unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for (address, range) in [
            ("::ffff:127.0.0.1", "127.0.0.0/8"),
            ("::ffff:7f00:1", "127.0.0.0/8"),
            ("::ffff:169.254.169.254", "169.254.169.254/32"),
            ("::ffff:a9fe:a9fe", "169.254.169.254/32"),
            // IPv4-compatible, deprecated: checked as the IPv4 it names.
            ("::127.0.0.1", "127.0.0.0/8"),
            ("::7f00:1", "127.0.0.0/8"),
            // A range written as mapped IPv6 holds the IPv4 addresses.
            ("10.1.2.3", "10.0.0.0/8"),
            ("::ffff:10.1.2.3", "10.0.0.0/8"),
        ] {
            let found = p.blacklisted(ip(address)).map(ToString::to_string);
            assert_eq!(found.as_deref(), Some(range), "{address}");
        }
        // IPv6's own loopback and unspecified addresses are not IPv4.
        for address in ["::1", "::", "::ffff:11.0.0.1", "64:ff9b::7f00:1"] {
            assert!(p.blacklisted(ip(address)).is_none(), "{address}");
        }
        // hosts targets and the local address are kept in IPv4 form.
        let p = policy(r#"{"hosts":{"fn.test":"::ffff:127.0.0.1"},"localIP":"::ffff:127.0.0.2"}"#)
            .parse()
            .unwrap();
        assert_eq!(p.host_override("fn.test", 80), Some((ip("127.0.0.1"), 80)));
        assert_eq!(p.local_ip, Some(ip("127.0.0.2")));
    }

    #[test]
    fn dns_policies_keep_the_families_asked_for() {
        let ips: Vec<IpAddr> = ["::1", "127.0.0.1", "::2", "127.0.0.2"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let v4_only: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap()];
        assert_eq!(DnsPolicy::PreferIpv4.apply(&ips).len(), 2);
        assert!(DnsPolicy::PreferIpv4
            .apply(&ips)
            .iter()
            .all(IpAddr::is_ipv4));
        assert!(DnsPolicy::PreferIpv6
            .apply(&ips)
            .iter()
            .all(IpAddr::is_ipv6));
        assert_eq!(DnsPolicy::PreferIpv6.apply(&v4_only), v4_only);
        assert!(DnsPolicy::OnlyIpv6.apply(&v4_only).is_empty());
        assert_eq!(DnsPolicy::Any.apply(&ips), ips);
    }

    #[test]
    fn tls_versions_within_bounds() {
        let versions = |json: &str| policy(json).tls_version.allowed().map(|v| v.len());
        assert_eq!(versions(r#"{"tlsVersion":{"min":"tls1.3"}}"#), Ok(1));
        assert_eq!(versions(r#"{"tlsVersion":{"max":"tls1.2"}}"#), Ok(1));
        assert_eq!(
            versions(r#"{"tlsVersion":{"min":"tls1.0","max":"tls1.3"}}"#),
            Ok(2)
        );
        assert!(versions(r#"{"tlsVersion":{"max":"tls1.1"}}"#).is_err());
        assert!(versions(r#"{"tlsVersion":{"min":"tls9"}}"#).is_err());
    }
}

//! IP addresses in the one form every network policy decision sees.
//!
//! An IPv4 address can be written as IPv6: IPv4-mapped
//! (`::ffff:127.0.0.1`, or in hex `::ffff:7f00:1`), which a dual-stack
//! socket connects to as the IPv4 address itself, and IPv4-compatible
//! (`::127.0.0.1`, deprecated). `ipnet` never matches an IPv4 range
//! against an IPv6 address, and `Ipv6Addr::is_loopback` is false for
//! `::ffff:127.0.0.1`: without this, `blacklistIPs: ['127.0.0.0/8']` let
//! `http://[::ffff:127.0.0.1]:port` through. Go's `net.IP` treats a mapped
//! address as IPv4 everywhere (k6/http refuses it), so here too: an
//! endpoint's literal, a `hosts` target, a DNS answer, a proxy's target,
//! the VU's `localIPs` address and the ranges of `blacklistIPs` and
//! `NO_PROXY` are all made [`canonical`] before they are judged or dialled.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

/// `ip`, an IPv4-mapped address turned into its IPv4 address: the address
/// a connection to it reaches, in the family the socket then uses.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The text of an IP address (brackets allowed), canonical; `None` for a
/// host name.
pub fn parse(host: &str) -> Option<IpAddr> {
    host.trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .ok()
        .map(canonical)
}

/// The addresses a range check tries for `ip`: the canonical one, and for
/// an IPv4-compatible address (`::a.b.c.d`, not `::` or `::1`) the IPv4
/// address it names. Such an address is IPv6 on the wire (and it is
/// dialled as written), but a blacklist that holds the IPv4 address is
/// meant for it: stricter than Go, which does not map these.
pub fn forms(ip: IpAddr) -> impl Iterator<Item = IpAddr> {
    let ip = canonical(ip);
    let compatible = match ip {
        IpAddr::V6(v6) => u32::try_from(u128::from(v6))
            .ok()
            .filter(|v4| *v4 > 1)
            .map(|v4| IpAddr::V4(Ipv4Addr::from(v4))),
        IpAddr::V4(_) => None,
    };
    std::iter::once(ip).chain(compatible)
}

/// A range written in IPv4-mapped form (`::ffff:10.0.0.0/104`) as the
/// IPv4 range it holds (`10.0.0.0/8`), as Go reads it; others as given.
pub fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        _ => net,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn mapped_addresses_are_ipv4() {
        assert_eq!(canonical(ip("::ffff:127.0.0.1")), ip("127.0.0.1"));
        assert_eq!(canonical(ip("::ffff:a9fe:a9fe")), ip("169.254.169.254"));
        for unchanged in ["10.0.0.1", "::1", "::", "::127.0.0.1", "2001:db8::1"] {
            assert_eq!(canonical(ip(unchanged)), ip(unchanged));
        }
        assert_eq!(parse("[::ffff:7f00:1]"), Some(ip("127.0.0.1")));
        assert_eq!(parse("lambda.test"), None);
    }

    #[test]
    fn compatible_addresses_are_also_checked_as_ipv4() {
        let all = |text: &str| forms(ip(text)).collect::<Vec<_>>();
        assert_eq!(all("::7f00:1"), [ip("::7f00:1"), ip("127.0.0.1")]);
        assert_eq!(all("::ffff:7f00:1"), [ip("127.0.0.1")]);
        assert_eq!(all("::1"), [ip("::1")]);
        assert_eq!(all("::"), [ip("::")]);
        assert_eq!(all("2001:db8::7f00:1"), [ip("2001:db8::7f00:1")]);
    }

    #[test]
    fn mapped_ranges_are_ipv4_ranges() {
        let net = |text: &str| text.parse::<IpNet>().unwrap();
        assert_eq!(canonical_net(net("::ffff:10.0.0.0/104")), net("10.0.0.0/8"));
        assert_eq!(canonical_net(net("::ffff:0:0/96")), net("0.0.0.0/0"));
        for unchanged in ["::/0", "::1/128", "10.0.0.0/8", "64:ff9b::/96"] {
            assert_eq!(canonical_net(net(unchanged)), net(unchanged));
        }
    }
}

//! The proxy environment, read as `k6/http` reads it (Go's
//! `http.ProxyFromEnvironment`): `HTTPS_PROXY` for `https://` endpoints,
//! `HTTP_PROXY` for `http://` ones (upper case first, then lower case),
//! `NO_PROXY` for the exceptions, and never a proxy for `localhost` or a
//! loopback address.
//!
//! An `https://` endpoint is reached through a CONNECT tunnel (TLS to the
//! endpoint inside it); an `http://` endpoint through a forward proxy
//! (the request in absolute form).

use std::net::IpAddr;

use base64::Engine as _;
use ipnet::IpNet;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::{address, ConfigError};

/// A proxy: where it listens, and the `Proxy-Authorization` its URL's
/// user and password make (`Debug`: in crate::redact, without it).
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    pub authorization: Option<String>,
}

/// The proxies of the environment, and its exceptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: NoProxy,
}

impl Proxies {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// From any variable source (the tests give theirs).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |upper: &str| {
            get(upper)
                .or_else(|| get(&upper.to_ascii_lowercase()))
                .filter(|v| !v.is_empty())
        };
        let parse = |name: &str| var(name).map(|v| Proxy::parse(name, &v)).transpose();
        Ok(Self {
            http: parse("HTTP_PROXY")?,
            https: parse("HTTPS_PROXY")?,
            no_proxy: NoProxy::parse(&var("NO_PROXY").unwrap_or_default()),
        })
    }

    /// The proxy for an endpoint, if it goes through one.
    pub fn for_target(&self, https: bool, host: &str, port: u16) -> Option<&Proxy> {
        let proxy = if https { &self.https } else { &self.http }.as_ref()?;
        if is_local(host) || self.no_proxy.excludes(host, port) {
            return None;
        }
        Some(proxy)
    }
}

impl Proxy {
    fn parse(variable: &str, value: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError {
            message: format!(
                "invalid {variable} `{}`: {reason}",
                crate::redact::url(value)
            ),
        };
        // Go takes a value without a scheme as http://.
        let with_scheme = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        let uri: http::Uri = with_scheme.parse().map_err(|_| invalid("not a URL"))?;
        match uri.scheme_str() {
            Some("http") => {}
            // TLS to the proxy and SOCKS are not implemented (README, k6's
            // network options): refused whatever the endpoint, rather than
            // sending past the proxy the test asked for.
            scheme => {
                return Err(invalid(&format!(
                    "{}:// proxies are not supported, only http:// proxies (https:// \
                     endpoints still go through them encrypted, in a CONNECT tunnel); \
                     set an http:// proxy, or unset {variable} / {} for k6: it is read \
                     for every invocation, whatever the endpoint",
                    scheme.unwrap_or_default(),
                    variable.to_ascii_lowercase(),
                )))
            }
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        let host = authority.host().trim_matches(['[', ']']).to_owned();
        let port = authority.port_u16().unwrap_or(80);
        // The authority keeps `user:password@`; http::Uri does not split it.
        let authorization = authority.as_str().rsplit_once('@').map(|(userinfo, _)| {
            let decoded = percent_encoding::percent_decode_str(userinfo).decode_utf8_lossy();
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(decoded.as_bytes())
            )
        });
        Ok(Self {
            host,
            port,
            authorization,
        })
    }
}

/// Go never proxies requests to localhost or a loopback address (in any
/// form: `::ffff:127.0.0.1` is loopback to Go's `IsLoopback` too).
fn is_local(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || address::parse(host).is_some_and(|ip| ip.is_loopback())
}

/// `NO_PROXY`: `*`, or a comma-separated list of IP addresses, CIDR
/// ranges and domain names (with an optional port); `example.com` also
/// covers its subdomains, `.example.com` and `*.example.com` only them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NoProxy {
    all: bool,
    ips: Vec<(IpAddr, Option<u16>)>,
    ranges: Vec<IpNet>,
    /// (suffix with a leading dot, the bare name also matches, port)
    domains: Vec<(String, bool, Option<u16>)>,
}

impl NoProxy {
    fn parse(list: &str) -> Self {
        let mut no_proxy = Self::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let entry = entry.to_ascii_lowercase();
            if entry == "*" {
                no_proxy.all = true;
                continue;
            }
            if let Ok(range) = entry.parse::<IpNet>() {
                no_proxy.ranges.push(address::canonical_net(range));
                continue;
            }
            let (host, port) = split_port(&entry);
            if let Some(ip) = address::parse(host) {
                no_proxy.ips.push((ip, port));
                continue;
            }
            let host = host.strip_prefix('*').unwrap_or(host);
            let (suffix, bare) = match host.strip_prefix('.') {
                Some(_) => (host.to_owned(), false),
                None => (format!(".{host}"), true),
            };
            no_proxy.domains.push((suffix, bare, port));
        }
        no_proxy
    }

    fn excludes(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let port_ok = |p: &Option<u16>| p.is_none_or(|p| p == port);
        if let Some(ip) = address::parse(host) {
            return self.ranges.iter().any(|r| r.contains(&ip))
                || self.ips.iter().any(|(i, p)| *i == ip && port_ok(p));
        }
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        self.domains.iter().any(|(suffix, bare, p)| {
            port_ok(p) && (host.ends_with(suffix.as_str()) || (*bare && host == suffix[1..]))
        })
    }
}

fn split_port(entry: &str) -> (&str, Option<u16>) {
    match entry.rsplit_once(':') {
        // An IPv6 address without brackets has colons but no port.
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// Opens a CONNECT tunnel to `host:port` over `stream`, a connection to
/// the proxy; the answer must be 2xx, else it is a GeneralError (k6 code
/// 1000, as k6/http reports a proxy's refusal). Nothing of the invocation
/// is sent before the tunnel stands.
pub async fn connect_tunnel(
    stream: &mut TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = &proxy.authorization {
        head.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;

    // Read the answer's head byte by byte: whatever follows it belongs
    // to the tunnel (the TLS handshake), so none may be consumed.
    let mut answer = Vec::with_capacity(128);
    while !answer.ends_with(b"\r\n\r\n") {
        if answer.len() >= 8192 {
            return Err(proxy_error("the proxy's answer to CONNECT has no end".into()).into());
        }
        let byte = stream.read_u8().await.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("the proxy closed the connection during CONNECT: {e}"),
            )
        })?;
        answer.push(byte);
    }
    let status_line = String::from_utf8_lossy(&answer);
    let status_line = status_line.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok());
    match status {
        Some(200..=299) => Ok(()),
        _ => Err(proxy_error(format!(
            "the proxy {}:{} refused CONNECT {target}: {status_line}",
            proxy.host, proxy.port
        ))
        .into()),
    }
}

fn proxy_error(message: String) -> crate::error::DialError {
    crate::error::DialError {
        name: "GeneralError",
        code: crate::error::k6_code::GENERIC,
        message,
        by_policy: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(vars: &[(&str, &str)]) -> Proxies {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Proxies::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap()
    }

    #[test]
    fn picks_the_proxy_of_the_scheme_upper_case_first() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://upper:3128"),
            ("https_proxy", "http://lower:3128"),
            ("http_proxy", "plain:8080"),
        ]);
        assert_eq!(
            p.for_target(true, "lambda.test", 443).unwrap().host,
            "upper"
        );
        let plain = p.for_target(false, "lambda.test", 80).unwrap();
        assert_eq!((plain.host.as_str(), plain.port), ("plain", 8080));
        assert!(proxies(&[]).for_target(true, "lambda.test", 443).is_none());
    }

    #[test]
    fn never_proxies_loopback_as_go_does() {
        let p = proxies(&[("HTTP_PROXY", "http://proxy:3128")]);
        for host in ["localhost", "127.0.0.1", "127.0.0.2", "[::1]", "::1"] {
            assert!(p.for_target(false, host, 80).is_none(), "{host}");
        }
        assert!(p.for_target(false, "10.0.0.1", 80).is_some());
    }

    #[test]
    fn loopback_written_as_ipv6_is_never_proxied() {
        let p = proxies(&[("HTTP_PROXY", "http://proxy:3128")]);
        for host in ["::ffff:127.0.0.1", "[::ffff:7f00:1]", "::ffff:127.1.2.3"] {
            assert!(p.for_target(false, host, 80).is_none(), "{host}");
        }
        assert!(p.for_target(false, "::ffff:10.0.0.1", 80).is_some());
    }

    #[test]
    fn no_proxy_matches_ipv4_written_as_ipv6() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            ("NO_PROXY", "10.0.0.0/8,192.168.1.1,::ffff:192.168.1.2"),
        ]);
        let proxied = |host: &str| p.for_target(true, host, 443).is_some();
        assert!(!proxied("::ffff:10.1.2.3"));
        assert!(!proxied("[::ffff:a01:203]"));
        assert!(!proxied("::ffff:192.168.1.1"));
        assert!(!proxied("192.168.1.2"));
        assert!(proxied("::ffff:192.168.1.3"));
    }

    #[test]
    fn no_proxy_entries() {
        let p = proxies(&[
            ("HTTPS_PROXY", "http://proxy:3128"),
            (
                "NO_PROXY",
                "example.com, .sub.test,*.wild.test, 10.0.0.0/8, 192.168.1.1, port.test:8443",
            ),
        ]);
        let proxied = |host: &str, port: u16| p.for_target(true, host, port).is_some();
        assert!(!proxied("example.com", 443));
        assert!(!proxied("a.example.com", 443));
        assert!(proxied("notexample.com", 443));
        assert!(proxied("sub.test", 443));
        assert!(!proxied("a.sub.test", 443));
        assert!(proxied("wild.test", 443));
        assert!(!proxied("a.wild.test", 443));
        assert!(!proxied("10.1.2.3", 443));
        assert!(!proxied("192.168.1.1", 443));
        assert!(proxied("192.168.1.2", 443));
        assert!(!proxied("port.test", 8443));
        assert!(proxied("port.test", 443));
        let all = proxies(&[("HTTPS_PROXY", "http://proxy:3128"), ("no_proxy", "*")]);
        assert!(all.for_target(true, "lambda.test", 443).is_none());
    }

    #[test]
    fn credentials_become_basic_authorization() {
        let p = proxies(&[("HTTPS_PROXY", "http://us%40er:p%3Ass@proxy:3128")]);
        let proxy = p.for_target(true, "lambda.test", 443).unwrap();
        assert_eq!((proxy.host.as_str(), proxy.port), ("proxy", 3128));
        let expected = base64::engine::general_purpose::STANDARD.encode("us@er:p:ss");
        assert_eq!(
            proxy.authorization.as_deref(),
            Some(&*format!("Basic {expected}"))
        );
    }

    #[test]
    fn refuses_proxies_it_cannot_speak_saying_what_it_speaks() {
        for (variable, value, scheme) in [
            ("HTTPS_PROXY", "https://proxy:3128", "https"),
            ("HTTP_PROXY", "socks5://proxy:1080", "socks5"),
            ("https_proxy", "socks5h://proxy:1080", "socks5h"),
        ] {
            let err =
                Proxies::from_lookup(|n| (n == variable).then(|| value.to_owned())).unwrap_err();
            for said in [
                format!("{scheme}:// proxies are not supported"),
                "only http:// proxies".to_owned(),
                "CONNECT tunnel".to_owned(),
                format!("unset {}", variable.to_ascii_uppercase()),
            ] {
                assert!(err.message.contains(&said), "{said}: {}", err.message);
            }
        }
    }

    #[tokio::test]
    async fn a_tunnel_needs_a_2xx_answer_and_keeps_what_follows() {
        use tokio::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            for answer in [
                "HTTP/1.1 200 Connection established\r\n\r\nTLS",
                "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
            ] {
                let (mut conn, _) = listener.accept().await.unwrap();
                let mut head = vec![0u8; 1024];
                let n = conn.read(&mut head).await.unwrap();
                let head = String::from_utf8_lossy(&head[..n]).to_string();
                assert!(
                    head.starts_with("CONNECT lambda.test:443 HTTP/1.1\r\n"),
                    "{head}"
                );
                assert!(head.contains("Proxy-Authorization: Basic "), "{head}");
                conn.write_all(answer.as_bytes()).await.unwrap();
            }
        });
        let proxy = Proxy {
            host: "127.0.0.1".into(),
            port: addr.port(),
            authorization: Some("Basic dTpw".into()),
        };
        let mut stream = TcpStream::connect(addr).await.unwrap();
        connect_tunnel(&mut stream, &proxy, "lambda.test", 443)
            .await
            .unwrap();
        let mut rest = [0u8; 3];
        stream.read_exact(&mut rest).await.unwrap();
        assert_eq!(
            &rest, b"TLS",
            "the bytes after the answer's head stay in the stream"
        );

        let mut stream = TcpStream::connect(addr).await.unwrap();
        let err = connect_tunnel(&mut stream, &proxy, "lambda.test", 443)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("407"), "{err}");
        let refused = err.downcast_ref::<crate::error::DialError>().unwrap();
        assert_eq!((refused.name, refused.code), ("GeneralError", 1000));
        server.await.unwrap();
    }
}

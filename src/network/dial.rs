//! The connector both transports' pools use: the endpoint's name is
//! checked against `blockHostnames`, mapped by `hosts` or resolved (k6's
//! DNS rules), the address checked against `blacklistIPs`, and the
//! connection made from the VU's `localIPs` address, directly or through
//! the environment's proxy. A refusal happens before a byte is sent.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};

use super::proxy::{connect_tunnel, Proxies};
use super::resolve::Resolver;
use super::DialError;
use crate::config::address;
use crate::config::network::Parsed;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long a TCP connection may take to open, as k6's dialer allows.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a connection of one policy obeys, whatever its local address.
pub struct Routes {
    pub parsed: Parsed,
    pub resolver: Resolver,
    pub proxies: Proxies,
}

/// A `Service<Uri>` for hyper's pooled client (and, wrapped by
/// hyper-rustls, for `https://`): the policy's routes, from the VU's
/// `localIPs` address when it has one.
#[derive(Clone)]
pub struct Dialer {
    routes: Arc<Routes>,
    local_ip: Option<IpAddr>,
}

impl Dialer {
    pub fn new(routes: Arc<Routes>, local_ip: Option<IpAddr>) -> Self {
        Self { routes, local_ip }
    }

    async fn connect(self, uri: Uri) -> Result<Conn, BoxError> {
        let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let host = uri
            .host()
            .ok_or_else(|| io::Error::other(format!("no host in {uri}")))?
            .trim_matches(['[', ']']);
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        // The endpoint's name is checked whatever the route: through a
        // proxy, k6 would only check the proxy's; stricter is safer here.
        self.check_name(host)?;
        let Some(proxy) = self.routes.proxies.for_target(https, host, port) else {
            return Ok(Conn::new(self.open(host, port).await?, false));
        };
        let mut stream = self.open(&proxy.host, proxy.port).await?;
        if https {
            connect_tunnel(&mut stream, proxy, host, port).await?;
            Ok(Conn::new(stream, false))
        } else {
            // hyper then writes the request in absolute form, for the proxy.
            Ok(Conn::new(stream, true))
        }
    }

    /// `Proxy-Authorization` for an `http://` request that goes through
    /// a forward proxy whose URL has credentials.
    pub fn forward_proxy_authorization(&self, uri: &Uri) -> Option<http::HeaderValue> {
        let host = uri.host()?.trim_matches(['[', ']']);
        let proxy = self
            .routes
            .proxies
            .for_target(false, host, uri.port_u16().unwrap_or(80))?;
        crate::redact::sensitive_header(proxy.authorization.as_deref()?)
    }

    fn check_name(&self, host: &str) -> Result<(), DialError> {
        if host.parse::<IpAddr>().is_ok() {
            return Ok(());
        }
        match self.routes.parsed.blocked(host) {
            Some(pattern) => Err(DialError::blocked(host, &pattern.text)),
            None => Ok(()),
        }
    }

    /// The address for `host:port`: `hosts`, else the address itself, else
    /// DNS; made canonical (IPv4 written as IPv6 is dialled as IPv4, from
    /// an IPv4 `localIPs` address too); then `blacklistIPs`.
    pub(crate) async fn address(&self, host: &str, port: u16) -> Result<SocketAddr, DialError> {
        self.check_name(host)?;
        let parsed = &self.routes.parsed;
        let (ip, port) = match parsed.host_override(host, port) {
            Some(target) => target,
            None => match host.parse::<IpAddr>() {
                Ok(ip) => (ip, port),
                Err(_) => (self.routes.resolver.resolve(host).await?, port),
            },
        };
        // Every route (hosts, a literal, DNS) meets here: the one place
        // the address to dial is decided.
        let ip = address::canonical(ip);
        if let Some(range) = parsed.blacklisted(ip) {
            return Err(DialError::blacklisted(ip, range));
        }
        Ok(SocketAddr::new(ip, port))
    }

    async fn open(&self, host: &str, port: u16) -> Result<TcpStream, BoxError> {
        let addr = self.address(host, port).await?;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        if let Some(local) = self.local_ip {
            socket.bind(SocketAddr::new(local, 0)).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot connect from {local} (localIPs) to {addr}: {e}"),
                )
            })?;
        }
        let stream = match tokio::time::timeout(CONNECT_TIMEOUT, socket.connect(addr)).await {
            Ok(connected) => connected?,
            Err(_) => {
                return Err(Box::new(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("dial tcp {addr}: i/o timeout"),
                )))
            }
        };
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

impl tower_service::Service<Uri> for Dialer {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

/// A connection, which tells hyper whether it leads to a forward proxy
/// (then requests go in absolute form).
pub struct Conn {
    io: TokioIo<TcpStream>,
    forward_proxy: bool,
}

impl Conn {
    fn new(stream: TcpStream, forward_proxy: bool) -> Self {
        Self {
            io: TokioIo::new(stream),
            forward_proxy,
        }
    }
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        Connected::new().proxy(self.forward_proxy)
    }
}

impl Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::network::NetworkPolicy;
    use crate::error::k6_code;

    fn dialer(policy: &str) -> Dialer {
        let policy: NetworkPolicy = serde_json::from_str(policy).unwrap();
        let parsed = policy.parse().unwrap();
        let local_ip = parsed.local_ip;
        let routes = Routes {
            parsed,
            resolver: Resolver::new(policy.dns.clone()),
            proxies: Proxies::default(),
        };
        Dialer::new(Arc::new(routes), local_ip)
    }

    #[tokio::test]
    async fn blacklisted_addresses_and_blocked_names_are_refused_before_dialing() {
        let d = dialer(
            r#"{"blacklistIPs":["127.0.0.0/8"],"blockHostnames":["*.lambda.test"],"hosts":{"ok.test":"127.0.0.1"}}"#,
        );
        let err = d.address("127.0.0.1", 9).await.unwrap_err();
        assert_eq!(
            (err.name, err.code, err.by_policy),
            ("DNSError", k6_code::BLACKLISTED_IP, true)
        );
        assert!(err.message.contains("127.0.0.0/8"), "{}", err.message);
        // A name mapped by `hosts` onto a blacklisted address is refused too.
        assert_eq!(
            d.address("ok.test", 9).await.unwrap_err().code,
            k6_code::BLACKLISTED_IP
        );
        let err = d.address("fn.lambda.test", 9).await.unwrap_err();
        assert_eq!((err.code, err.by_policy), (k6_code::BLOCKED_HOSTNAME, true));
        assert!(err.message.contains("*.lambda.test"), "{}", err.message);
    }

    /// A DNS answer of IPv4 written as IPv6, for the names the tests use.
    fn mapped_answers(host: String) -> crate::network::resolve::Answer {
        Box::pin(async move {
            let ips: &[&str] = match host.as_str() {
                "mapped.dns.test" => &["::ffff:127.0.0.1"],
                "hex.dns.test" => &["::ffff:7f00:1", "::ffff:7f00:2"],
                _ => &["10.9.9.9"],
            };
            Ok(ips.iter().map(|s| s.parse().unwrap()).collect())
        })
    }

    #[tokio::test]
    async fn ipv4_written_as_ipv6_is_refused_however_it_comes() {
        let policy: NetworkPolicy = serde_json::from_str(
            r#"{"blacklistIPs":["127.0.0.0/8"],"hosts":{"mapped.test":"::ffff:127.0.0.1","hex.test":"::ffff:7f00:1"}}"#,
        )
        .unwrap();
        let routes = Routes {
            parsed: policy.parse().unwrap(),
            resolver: Resolver::with_lookup(policy.dns.clone(), mapped_answers),
            proxies: Proxies::default(),
        };
        let d = Dialer::new(Arc::new(routes), None);
        for host in [
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "::127.0.0.1",
            "mapped.test",
            "hex.test",
            "mapped.dns.test",
            "hex.dns.test",
        ] {
            let err = d.address(host, 9).await.unwrap_err();
            assert_eq!(
                (err.name, err.code, err.by_policy),
                ("DNSError", k6_code::BLACKLISTED_IP, true),
                "{host}: {}",
                err.message
            );
            assert!(err.message.contains("127.0.0.0/8"), "{}", err.message);
        }
        // The Uri form, brackets and all, as the pools dial it.
        let uri: Uri = "http://[::ffff:7f00:1]:9/".parse().unwrap();
        let err = d.clone().connect(uri).await.err().unwrap();
        let refused = err.downcast_ref::<DialError>().unwrap();
        assert_eq!(refused.code, k6_code::BLACKLISTED_IP);
    }

    #[tokio::test]
    async fn ipv4_written_as_ipv6_is_dialled_as_ipv4() {
        let d = dialer(r#"{"hosts":{"mapped.test":"::ffff:127.0.0.3"}}"#);
        assert_eq!(
            d.address("::ffff:127.0.0.9", 1).await.unwrap(),
            "127.0.0.9:1".parse().unwrap()
        );
        assert_eq!(
            d.address("mapped.test", 2).await.unwrap(),
            "127.0.0.3:2".parse().unwrap()
        );
    }

    #[tokio::test]
    async fn a_mapped_endpoint_is_reached_from_an_ipv4_local_ip() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        for local in ["127.0.0.2", "::ffff:127.0.0.2"] {
            let d = dialer(&format!(r#"{{"localIP":"{local}"}}"#));
            let uri: Uri = format!("http://[::ffff:127.0.0.1]:{port}/")
                .parse()
                .unwrap();
            let conn = d.connect(uri).await.unwrap();
            let (_, peer) = listener.accept().await.unwrap();
            assert_eq!(peer.ip().to_string(), "127.0.0.2", "localIP {local}");
            drop(conn);
        }
    }

    #[tokio::test]
    async fn hosts_map_names_and_ports() {
        let d = dialer(r#"{"hosts":{"fn.test":"127.0.0.3","fn.test:80":"127.0.0.4:9000"}}"#);
        assert_eq!(
            d.address("fn.test", 80).await.unwrap(),
            "127.0.0.4:9000".parse().unwrap()
        );
        assert_eq!(
            d.address("fn.test", 443).await.unwrap(),
            "127.0.0.3:443".parse().unwrap()
        );
        assert_eq!(
            d.address("127.0.0.9", 1).await.unwrap(),
            "127.0.0.9:1".parse().unwrap()
        );
    }

    #[tokio::test]
    async fn connects_from_the_local_ip() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let d = dialer(r#"{"localIP":"127.0.0.2"}"#);
        let uri: Uri = format!("http://127.0.0.1:{port}/").parse().unwrap();
        let conn = d.connect(uri).await.unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.ip().to_string(), "127.0.0.2");
        assert!(!conn.connected().is_proxied());
    }
}

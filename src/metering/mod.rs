//! Counts the bytes an invocation moves on the wire, for k6's `data_sent`
//! and `data_received`: the Rust HTTP stack bypasses k6's own network
//! layer, so k6 cannot see them.
//!
//! The count is of HTTP/1.1 as sent: request line, headers, blank line and
//! body; status line, headers, blank line and body. Retries add up. Bytes
//! that never left (a refused connection, a failed TLS handshake) are not
//! counted.
//!
//! It also keeps the instant the first attempt went to the network: the
//! invocation's duration is measured from there, in Rust, so that neither
//! the queue to Go nor the decoding of other completions is part of it.

mod body;

pub use body::MeteredBody;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Headers;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Default)]
pub struct Traffic {
    pub sent: AtomicU64,
    pub received: AtomicU64,
    /// The SDK transport's request size, counted once the attempt is known
    /// to have connected (see `TrafficMeter::read_after_attempt`).
    pending_sent: AtomicU64,
    /// When the first attempt was handed to the HTTP client (it dials, or
    /// takes a pooled connection, from here).
    first_attempt: OnceLock<Instant>,
}

impl Traffic {
    /// Marks the start of an attempt; only the first one counts.
    pub fn mark_attempt(&self) {
        let _ = self.first_attempt.get_or_init(Instant::now);
    }

    /// When the invocation first went to the network; None when it never
    /// did (credentials, configuration or internal errors).
    pub fn first_attempt(&self) -> Option<Instant> {
        self.first_attempt.get().copied()
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    pub fn add_sent(&self, bytes: u64) {
        self.sent.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn add_received(&self, bytes: u64) {
        self.received.fetch_add(bytes, Ordering::Relaxed);
    }
}

/// An SDK interceptor that adds one invocation's traffic to a [`Traffic`].
#[derive(Debug, Clone)]
pub struct TrafficMeter(pub Arc<Traffic>);

fn headers_len(headers: &Headers) -> u64 {
    // "name: value\r\n" each, then "\r\n".
    headers
        .iter()
        .map(|(name, value)| (name.len() + value.len() + 4) as u64)
        .sum::<u64>()
        + 2
}

impl Intercept for TrafficMeter {
    fn name(&self) -> &'static str {
        "xk6-lambda traffic meter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let uri = request.uri();
        // "POST <path?query> HTTP/1.1\r\n"; the URI may be absolute here.
        let path = uri
            .find("://")
            .and_then(|scheme| uri[scheme + 3..].find('/').map(|p| scheme + 3 + p))
            .map_or(uri, |start| &uri[start..]);
        let request_line = (request.method().len() + path.len() + 11) as u64;
        let body = request.body().bytes().map_or(0, <[u8]>::len) as u64;
        let host = if request.headers().contains_key("host") {
            0
        } else {
            // hyper adds Host from the URI.
            let authority = uri
                .split("://")
                .nth(1)
                .unwrap_or("")
                .split('/')
                .next()
                .unwrap_or("");
            (authority.len() + 8) as u64
        };
        self.0.mark_attempt();
        self.0.pending_sent.store(
            request_line + headers_len(request.headers()) + host + body,
            Ordering::Relaxed,
        );
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let pending = self.0.pending_sent.swap(0, Ordering::Relaxed);
        let connected = match context.output_or_error() {
            Some(Err(error)) => context.response().is_some() || !is_connect_error(error as &_),
            _ => true,
        };
        if connected {
            self.0.add_sent(pending);
        }
        if let Some(response) = context.response() {
            // "HTTP/1.1 200 OK\r\n": reason phrases vary; count a short one.
            let status_line = 17;
            let body = response.body().bytes().map_or(0, <[u8]>::len) as u64;
            self.0.received.fetch_add(
                status_line + headers_len(response.headers()) + body,
                Ordering::Relaxed,
            );
        }
        Ok(())
    }
}

/// True when an attempt failed before a connection existed (refused, DNS,
/// TLS handshake, dial timeout): nothing of the request was sent.
fn is_connect_error(error: &(dyn std::error::Error + 'static)) -> bool {
    crate::error::find_source::<hyper_util::client::legacy::Error>(error)
        .is_some_and(hyper_util::client::legacy::Error::is_connect)
}

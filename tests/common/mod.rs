//! What the C ABI tests share: loopback servers, a client, an invocation
//! request, bounds on waiting, and the check that nothing is left live.
#![allow(dead_code)] // each test binary uses some of these

use std::io::{Read, Write};
use std::marker::PhantomData;
use std::net::TcpListener;
use std::ptr;
use std::thread;
use std::time::{Duration, Instant};

use xk6_lambda::ffi::*;

/// A one-route HTTP server: answers every request with `response` after `delay`.
pub fn serve(response: &'static str, delay: Duration) -> String {
    serve_bytes(response.as_bytes().to_vec(), delay)
}

/// As `serve_bytes`, but each connection stays open after the response
/// until the client closes it (or 10 s pass): a body that never ends.
pub fn serve_and_hold(response: Vec<u8>) -> String {
    serve_with(response, Duration::ZERO, true)
}

/// As `serve`, with any bytes (an event stream, say).
pub fn serve_bytes(response: Vec<u8>, delay: Duration) -> String {
    serve_with(response, delay, false)
}

fn serve_with(response: Vec<u8>, delay: Duration, hold: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let response = std::sync::Arc::new(response);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let response = std::sync::Arc::clone(&response);
            thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                thread::sleep(delay);
                if hold {
                    let _ = stream.write_all(&response);
                } else {
                    // It closes after one answer, so it says so: a client
                    // that pooled the connection would send its next
                    // request there and get "connection closed before
                    // message completed" (valgrind's pace made CI see it).
                    let _ = stream.write_all(&with_connection_close(&response));
                }
                if hold {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
                }
            });
        }
    });
    format!("http://{addr}")
}

/// `response` with `Connection: close` after its status line.
fn with_connection_close(response: &[u8]) -> Vec<u8> {
    let status_line = response
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(response.len(), |i| i + 2);
    let mut out = Vec::with_capacity(response.len() + 19);
    out.extend_from_slice(&response[..status_line]);
    out.extend_from_slice(b"Connection: close\r\n");
    out.extend_from_slice(&response[status_line..]);
    out
}

pub const OK_RESPONSE: &str =
    "HTTP/1.1 200 OK\r\nX-Amz-Executed-Version: $LATEST\r\nContent-Length: 1\r\n\r\n3";

/// An endpoint that refuses every connection: port 1 of loopback, which is
/// privileged and outside the ephemeral range, so no test's listener can
/// take it and no connection's own source port can be it. (A port freed by
/// closing a listener was both, under load: another test's server could
/// bind it, or a connection could connect to itself.)
pub fn refused_endpoint() -> String {
    "http://127.0.0.1:1".to_owned()
}

pub fn client(endpoint: &str) -> *mut LambdaClient {
    let config = format!(
        r#"{{"region":"us-east-1","endpoint":"{endpoint}","accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}"#
    );
    let mut client = ptr::null_mut();
    let status =
        unsafe { lambda_client_new(config.as_ptr(), config.len(), &mut client, ptr::null_mut()) };
    assert_eq!(status, LambdaStatus::Ok);
    client
}

/// How much slower than natively the library runs here:
/// `XK6_LAMBDA_TEST_PATIENCE` (a factor, default 1). Under valgrind
/// (scripts/sanitize.sh) it runs about a hundred times slower.
pub fn patience() -> u32 {
    std::env::var("XK6_LAMBDA_TEST_PATIENCE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1)
}

/// A bound on a wait, stretched by `patience()`: a bound that holds
/// natively does not under valgrind.
pub fn patient(bound: Duration) -> Duration {
    bound * patience()
}

/// Asserts that nothing the library handed over is still live and no
/// invocation is owed a completion (waiting up to 5 s for the last
/// completions to be delivered: a callback runs before its invocation stops
/// counting as in flight).
pub fn assert_nothing_live() {
    let deadline = Instant::now() + patient(Duration::from_secs(5));
    loop {
        let mut counts = LambdaLiveCounts::default();
        assert_eq!(unsafe { lambda_live_counts(&mut counts) }, LambdaStatus::Ok);
        if counts == LambdaLiveCounts::default() {
            return;
        }
        assert!(Instant::now() < deadline, "still live: {counts:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// An invocation request whose strings the test owns; an empty one is
/// absent, as the C ABI reads it.
pub struct Request {
    pub name: String,
    pub payload: String,
    pub invocation_type: String,
    pub log_type: String,
}

impl Request {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            payload: r#"{"x":1,"y":2}"#.into(),
            invocation_type: String::new(),
            log_type: String::new(),
        }
    }

    /// The request as C sees it: pointers into this `Request`'s strings,
    /// which must outlive it. The lifetime lets the compiler check that
    /// (`Request::new(..).raw()`, a temporary's pointers, does not compile).
    pub fn raw(&self) -> Raw<'_> {
        Raw(
            LambdaInvokeRequest {
                function_name: self.name.as_ptr(),
                function_name_len: self.name.len(),
                payload: self.payload.as_ptr(),
                payload_len: self.payload.len(),
                invocation_type: self.invocation_type.as_ptr(),
                invocation_type_len: self.invocation_type.len(),
                log_type: self.log_type.as_ptr(),
                log_type_len: self.log_type.len(),
                client_context: ptr::null(),
                client_context_len: 0,
                qualifier: ptr::null(),
                qualifier_len: 0,
                tenant_id: ptr::null(),
                tenant_id_len: 0,
                durable_execution_name: ptr::null(),
                durable_execution_name_len: 0,
            },
            PhantomData,
        )
    }
}

/// A `LambdaInvokeRequest` borrowing the `Request` it points into.
pub struct Raw<'a>(LambdaInvokeRequest, PhantomData<&'a Request>);

impl Raw<'_> {
    pub fn ptr(&self) -> *const LambdaInvokeRequest {
        &self.0
    }
}

//! Answers larger than Lambda sends (issue 20, item 3), through
//! `Client::invoke` and `Client::invoke_stream` against a loopback server
//! that writes them from one small block, never holding them: each is
//! refused with a clear error and its reading stopped there (the server
//! sees its writes fail long before the end), or taken whole when within
//! Lambda's limits; both transports. (Streams and function URLs past
//! 200 MiB: tests/e2e/run_bounds.sh; the stream's bound on a smaller
//! limit: `stream::tests`.)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use xk6_lambda::error::ErrorCode;
use xk6_lambda::{Client, ClientConfig, InvokeError, InvokeRequest, ValidStreamRequest};

const MIB: u64 = 1024 * 1024;
/// Lambda's synchronous response limit, in bytes (src/limits.rs says why).
const SYNC_LIMIT: u64 = 6 * MIB + 100;

/// How a server answers: the head (status line and headers, without the
/// blank line), then `body` bytes: `prefix`, 'x' up to the length,
/// `suffix`; chunked when `chunked`.
#[derive(Clone)]
struct Answer {
    head: String,
    prefix: &'static str,
    body: u64,
    suffix: &'static str,
    chunked: bool,
}

impl Answer {
    /// 200 with a JSON string payload of `body` bytes.
    fn payload(body: u64, chunked: bool) -> Self {
        let length = if chunked {
            "Transfer-Encoding: chunked".to_owned()
        } else {
            format!("Content-Length: {body}")
        };
        Self {
            head: format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                 X-Amz-Executed-Version: $LATEST\r\n{length}"
            ),
            prefix: "\"",
            body,
            suffix: "\"",
            chunked,
        }
    }

    /// 500 ServiceException whose JSON body is `body` bytes.
    fn service_error(body: u64) -> Self {
        Self {
            head: format!(
                "HTTP/1.1 500 Internal Server Error\r\nX-Amzn-ErrorType: ServiceException\r\n\
                 X-Amzn-RequestId: r-1\r\nContent-Type: application/json\r\nContent-Length: {body}"
            ),
            prefix: r#"{"Type":"Service","message":""#,
            body,
            suffix: r#""}"#,
            chunked: false,
        }
    }
}

struct Server {
    url: String,
    /// Bytes of body written before the client left or the body ended.
    written: Arc<AtomicU64>,
}

/// Answers every request with `answer`, one connection at a time.
async fn serve(answer: Answer) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&written);
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            // The request: its head, then Content-Length bytes of body.
            let mut request = Vec::new();
            let head_end = loop {
                if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
                let mut chunk = [0u8; 4096];
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while request.len() < head_end + length {
                let mut chunk = [0u8; 4096];
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let head = format!("{}\r\nConnection: close\r\n\r\n", answer.head);
            if socket.write_all(head.as_bytes()).await.is_err() {
                continue;
            }
            let block = vec![b'x'; 64 * 1024];
            let mut left = answer.body;
            let mut pieces: Vec<&[u8]> = vec![answer.prefix.as_bytes()];
            let fill = answer.body - (answer.prefix.len() + answer.suffix.len()) as u64;
            let mut fill_left = fill;
            let mut ok = true;
            loop {
                for piece in pieces.drain(..) {
                    let mut out = Vec::with_capacity(piece.len() + 16);
                    if answer.chunked {
                        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                    }
                    out.extend_from_slice(piece);
                    if answer.chunked {
                        out.extend_from_slice(b"\r\n");
                    }
                    if socket.write_all(&out).await.is_err() {
                        ok = false;
                        break;
                    }
                    counter.fetch_add(piece.len() as u64, Ordering::SeqCst);
                    left -= piece.len() as u64;
                }
                if !ok || left == 0 {
                    break;
                }
                if fill_left > 0 {
                    let n = fill_left.min(block.len() as u64) as usize;
                    fill_left -= n as u64;
                    pieces.push(&block[..n]);
                } else {
                    pieces.push(answer.suffix.as_bytes());
                }
            }
            if ok && answer.chunked {
                let _ = socket.write_all(b"0\r\n\r\n").await;
            }
            let _ = socket.shutdown().await;
        }
    });
    Server { url, written }
}

const TRANSPORTS: [&str; 2] = ["direct", "sdk"];

fn client(transport: &str, url: &str) -> Client {
    Client::new(ClientConfig {
        region: "us-east-1".into(),
        access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
        secret_access_key: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
        endpoint: Some(url.into()),
        timeout_ms: Some(30_000),
        max_attempts: Some(1),
        transport: Some(transport.into()),
        ..Default::default()
    })
    .unwrap()
}

fn invoke_request() -> InvokeRequest {
    InvokeRequest {
        function_name: "f".into(),
        payload: b"{}".to_vec(),
        ..Default::default()
    }
}

async fn invoke(transport: &str, server: &Server) -> Result<usize, InvokeError> {
    let request = invoke_request().into_valid().unwrap();
    let invoked = client(transport, &server.url).invoke(request).await;
    invoked.result.map(|r| r.payload.len())
}

/// The error of a body over the bound: k6's 1000, naming the bound.
fn assert_too_large(transport: &str, error: &InvokeError, bound: &str) {
    assert_eq!(
        (error.name.as_str(), &error.code),
        ("GeneralError", &ErrorCode::Number(1000)),
        "{transport}: {error}"
    );
    assert!(error.message.contains(bound), "{transport}: {error}");
}

/// The server stopped well before the end of a 64 MiB body: the client
/// read no further than its bound (and the socket buffers hold a few MiB).
async fn assert_stopped_early(transport: &str, server: &Server, of: u64) {
    // The server notices the closed connection at its next write.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let written = server.written.load(Ordering::SeqCst);
    assert!(
        written < of / 2,
        "{transport}: the server wrote {written} of {of} bytes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_payload_is_refused_and_not_read() {
    for chunked in [false, true] {
        for transport in TRANSPORTS {
            let server = serve(Answer::payload(64 * MIB, chunked)).await;
            let error = invoke(transport, &server).await.unwrap_err();
            assert_too_large(transport, &error, "6,291,556 bytes");
            assert_stopped_early(transport, &server, 64 * MIB).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambdas_largest_payload_is_taken_and_one_byte_more_is_not() {
    for transport in TRANSPORTS {
        let server = serve(Answer::payload(SYNC_LIMIT, false)).await;
        let len = invoke(transport, &server).await.unwrap();
        assert_eq!(len as u64, SYNC_LIMIT, "{transport}");
        let server = serve(Answer::payload(SYNC_LIMIT + 1, true)).await;
        let error = invoke(transport, &server).await.unwrap_err();
        assert_too_large(transport, &error, "6,291,556 bytes");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_64_mib_error_body_is_cut_to_a_short_message() {
    for transport in TRANSPORTS {
        let server = serve(Answer::service_error(64 * MIB)).await;
        let error = invoke(transport, &server).await.unwrap_err();
        assert_eq!(
            (error.name.as_str(), error.status_code),
            ("ServiceException", Some(500)),
            "{transport}: {}",
            &error.message[..error.message.len().min(200)]
        );
        assert_eq!(error.request_id.as_deref(), Some("r-1"), "{transport}");
        assert!(
            error.message.len() <= 4096 + 200,
            "{transport}: a message of {} bytes",
            error.message.len()
        );
        assert!(
            error
                .message
                .starts_with(r#"{"Type":"Service","message":"xxx"#)
                && error.message.ends_with("not read further]"),
            "{transport}: {}",
            &error.message[error.message.len().saturating_sub(200)..]
        );
        assert_stopped_early(transport, &server, 64 * MIB).await;

        // InvokeWithResponseStream's error answers are read the same way.
        let server = serve(Answer::service_error(64 * MIB)).await;
        let request = ValidStreamRequest::new(invoke_request()).unwrap();
        let streamed = client(transport, &server.url)
            .invoke_stream(request, |_| {}, std::future::pending())
            .await;
        let error = streamed.result.unwrap_err();
        assert_eq!(error.name, "ServiceException", "{transport}");
        assert!(error.message.len() <= 4096 + 200, "{transport}");
        assert_stopped_early(transport, &server, 64 * MIB).await;
    }
}

/// A short error body is quoted whole, as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_error_body_is_quoted_whole() {
    for transport in TRANSPORTS {
        let server = serve(Answer::service_error(1000)).await;
        let error = invoke(transport, &server).await.unwrap_err();
        assert_eq!(error.name, "ServiceException", "{transport}");
        assert_eq!(error.message, "x".repeat(1000 - 31), "{transport}");
    }
}

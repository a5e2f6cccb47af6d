//! `Client::invoke_stream` and `Client::invoke_url` against a scripted
//! HTTP server on loopback: when the first chunk is seen and timed,
//! cancellation mid-stream, the timeout on a stalled stream, retries only
//! before the answer began, damaged and cut frames, a frame too large, the
//! network policy; both transports. (tests/lambdaserver's misbehaving
//! streams and its SigV4 verifier are tests/cli_stream_e2e.sh's.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use xk6_lambda::config::network::NetworkPolicy;
use xk6_lambda::error::ErrorCode;
use xk6_lambda::{
    Client, ClientConfig, ErrorKind, InvokeRequest, LogType, StreamEvent, StreamResponse, Streamed,
    UrlRequest, ValidStreamRequest,
};

/// One step of an answer.
#[derive(Clone)]
enum Step {
    /// Status line and headers (the blank line is added).
    Head(String),
    /// Bytes as they are.
    Raw(String),
    /// Bytes sent as one HTTP chunk.
    Chunk(Vec<u8>),
    Sleep(u64),
    /// The end of the chunked body.
    End,
    /// Closes the connection where it is.
    Close,
    /// Sends nothing more; reports when the client closed the connection.
    Hold,
}

struct Scripted {
    url: String,
    requests: Arc<AtomicUsize>,
    /// When a `Hold` saw the client close its connection.
    closed: mpsc::UnboundedReceiver<Instant>,
}

/// A server that answers its n-th request with `scripts[n]` (the last
/// one again after that).
async fn scripted(scripts: Vec<Vec<Step>>) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let (closed_tx, closed_rx) = mpsc::unbounded_channel();
    let counter = Arc::clone(&requests);
    let scripts = Arc::new(scripts);
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            let scripts = Arc::clone(&scripts);
            let counter = Arc::clone(&counter);
            let closed = closed_tx.clone();
            tokio::spawn(serve(socket, scripts, counter, closed));
        }
    });
    Scripted {
        url,
        requests,
        closed: closed_rx,
    }
}

async fn serve(
    mut socket: TcpStream,
    scripts: Arc<Vec<Vec<Step>>>,
    counter: Arc<AtomicUsize>,
    closed: mpsc::UnboundedSender<Instant>,
) {
    let mut buffer = Vec::new();
    loop {
        // One request: its head, then Content-Length bytes of body.
        let head_end = loop {
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..head_end + length);
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let script = &scripts[n.min(scripts.len() - 1)];
        for step in script {
            let written = match step {
                Step::Head(head) => socket.write_all(format!("{head}\r\n\r\n").as_bytes()).await,
                Step::Raw(raw) => socket.write_all(raw.as_bytes()).await,
                Step::Chunk(bytes) => {
                    let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
                    out.extend_from_slice(bytes);
                    out.extend_from_slice(b"\r\n");
                    socket.write_all(&out).await
                }
                Step::Sleep(ms) => {
                    tokio::time::sleep(Duration::from_millis(*ms)).await;
                    Ok(())
                }
                Step::End => socket.write_all(b"0\r\n\r\n").await,
                Step::Close => return,
                Step::Hold => {
                    let mut sink = [0u8; 1024];
                    while let Ok(n) = socket.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                    let _ = closed.send(Instant::now());
                    return;
                }
            };
            if written.is_err() {
                return;
            }
        }
    }
}

fn message(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut message = Message::new(Bytes::copy_from_slice(payload));
    for (name, value) in headers {
        message = message.add_header(Header::new(
            name.to_string(),
            HeaderValue::String(value.to_string().into()),
        ));
    }
    let mut out = Vec::new();
    write_message_to(&message, &mut out).unwrap();
    out
}

fn chunk(payload: &str) -> Step {
    Step::Chunk(message(
        &[
            (":event-type", "PayloadChunk"),
            (":content-type", "application/octet-stream"),
            (":message-type", "event"),
        ],
        payload.as_bytes(),
    ))
}

fn complete(json: &str) -> Step {
    Step::Chunk(message(
        &[
            (":event-type", "InvokeComplete"),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        json.as_bytes(),
    ))
}

fn stream_head() -> Step {
    Step::Head(
        "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n\
         X-Amzn-Remapped-Content-Type: text/plain\r\nX-Amz-Executed-Version: 7\r\n\
         Transfer-Encoding: chunked"
            .into(),
    )
}

/// Both transports read streams; each test runs with both.
const TRANSPORTS: [&str; 2] = ["direct", "sdk"];

fn client(transport: &str, url: &str, timeout_ms: u64, max_attempts: u32) -> Client {
    client_with(transport, url, timeout_ms, max_attempts, None)
}

fn client_with(
    transport: &str,
    url: &str,
    timeout_ms: u64,
    max_attempts: u32,
    network: Option<NetworkPolicy>,
) -> Client {
    Client::new(ClientConfig {
        region: "us-east-1".into(),
        access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
        secret_access_key: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
        endpoint: Some(url.into()),
        timeout_ms: Some(timeout_ms),
        max_attempts: Some(max_attempts),
        transport: Some(transport.into()),
        network,
        ..Default::default()
    })
    .unwrap()
}

fn request() -> ValidStreamRequest {
    ValidStreamRequest::new(InvokeRequest {
        function_name: "f".into(),
        payload: b"{}".to_vec(),
        log_type: LogType::Tail,
        ..Default::default()
    })
    .unwrap()
}

/// One call, nothing done with the chunks, never cancelled.
async fn stream(client: &Client) -> Streamed<StreamResponse> {
    client
        .invoke_stream(request(), |_| {}, std::future::pending())
        .await
}

const LOG: &str = "START RequestId: 1\nEND RequestId: 1\nREPORT RequestId: 1\tDuration: 12.5 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n";

fn log_result() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(LOG)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_chunk_is_handed_out_and_timed_when_it_arrives() {
    for transport in TRANSPORTS {
        let server = scripted(vec![vec![
            stream_head(),
            Step::Sleep(50),
            chunk("first "),
            Step::Sleep(400),
            chunk("second"),
            complete(&format!(r#"{{"LogResult":"{}"}}"#, log_result())),
            Step::End,
        ]])
        .await;
        let client = client(transport, &server.url, 10_000, 1);
        let started = Instant::now();
        let mut arrivals = Vec::new();
        let streamed = client
            .invoke_stream(
                request(),
                |event| {
                    let StreamEvent::Chunk(chunk) = event else {
                        panic!("only chunks")
                    };
                    arrivals.push((started.elapsed(), chunk));
                },
                std::future::pending(),
            )
            .await;
        let total = started.elapsed();
        let json: serde_json::Value = serde_json::from_slice(&streamed.to_json()).unwrap();
        let response = streamed.result.unwrap();
        assert_eq!(response.status_code, 200, "{transport}");
        assert_eq!(response.payload, "first second", "{transport}");
        assert_eq!(response.executed_version.as_deref(), Some("7"));
        assert_eq!(response.content_type.as_deref(), Some("text/plain"));
        assert_eq!(response.log_result.as_deref(), Some(LOG));
        assert_eq!(response.report.unwrap().duration_ms, 12.5);
        assert_eq!(response.error_code, None);
        assert_eq!(streamed.stats.chunks, 2);
        assert_eq!(streamed.stats.payload_bytes, 12);
        // The first chunk reached the callback long before the stream ended.
        assert_eq!(arrivals.len(), 2);
        assert!(
            arrivals[0].0 + Duration::from_millis(300) < total,
            "{transport}: {arrivals:?} {total:?}"
        );
        assert!(arrivals[1].0 >= Duration::from_millis(440), "{arrivals:?}");
        // And it was timed on arrival, from the hand-over to the HTTP client.
        let first = Duration::from_nanos(streamed.stats.time_to_first_chunk_ns.unwrap());
        let whole = Duration::from_nanos(streamed.wire.duration_ns.unwrap());
        assert!(first >= Duration::from_millis(50), "{transport}: {first:?}");
        assert!(
            first + Duration::from_millis(300) < whole,
            "{transport}: {first:?} {whole:?}"
        );
        assert!(whole <= total);
        assert!(
            streamed.wire.bytes_sent > 0 && streamed.wire.bytes_received > 100,
            "{transport}: {:?}",
            streamed.wire
        );
        assert_eq!(json["payload"], "first second");
        assert_eq!(json["chunks"], 2);
        assert_eq!(json["report"]["durationMs"], 12.5);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_error_is_a_response_with_what_was_streamed() {
    let details = r#"{"errorType":"Error","errorMessage":"failed after 1 chunks"}"#;
    for transport in TRANSPORTS {
        let server = scripted(vec![vec![
            stream_head(),
            chunk("partial"),
            complete(
                &serde_json::json!({"ErrorCode": "Error", "ErrorDetails": details}).to_string(),
            ),
            Step::End,
        ]])
        .await;
        let response = stream(&client(transport, &server.url, 5_000, 1))
            .await
            .result
            .unwrap();
        assert_eq!(response.error_code.as_deref(), Some("Error"), "{transport}");
        assert_eq!(response.error_details.as_deref(), Some(details));
        assert_eq!(response.payload, "partial");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_mid_stream_drops_the_connection_and_says_cancelled() {
    for transport in TRANSPORTS {
        let mut server = scripted(vec![vec![stream_head(), chunk("one"), Step::Hold]]).await;
        let client = client(transport, &server.url, 30_000, 1);
        let (first_tx, first_rx) = tokio::sync::oneshot::channel();
        let mut first_tx = Some(first_tx);
        // Spawned on a multi-threaded runtime, as the FFI will: the future is Send.
        let task = tokio::spawn(async move {
            client
                .invoke_stream(
                    request(),
                    move |_| {
                        if let Some(tx) = first_tx.take() {
                            let _ = tx.send(());
                        }
                    },
                    // The VU stops once the first chunk is in.
                    async {
                        let _ = first_rx.await;
                    },
                )
                .await
        });
        let streamed = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the cancellation ends the call")
            .unwrap();
        let cancelled_at = Instant::now();
        let error = streamed.result.unwrap_err();
        assert_eq!(error.kind, ErrorKind::Cancelled, "{transport}");
        assert_eq!(error.name, "CancelledError");
        assert_eq!(streamed.stats.chunks, 1);
        assert!(streamed.stats.time_to_first_chunk_ns.is_some());
        // The server sees the connection closed at once.
        let closed = tokio::time::timeout(Duration::from_secs(2), server.closed.recv())
            .await
            .unwrap_or_else(|_| panic!("{transport}: the connection is closed"))
            .unwrap();
        assert!(closed.duration_since(cancelled_at) < Duration::from_secs(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_stream_ends_at_the_clients_timeout() {
    for transport in TRANSPORTS {
        let server = scripted(vec![vec![stream_head(), chunk("one"), Step::Hold]]).await;
        let started = Instant::now();
        let streamed = stream(&client(transport, &server.url, 300, 1)).await;
        let took = started.elapsed();
        let error = streamed.result.unwrap_err();
        assert_eq!(
            (error.name.as_str(), &error.code),
            ("GeneralError", &ErrorCode::Number(1050)),
            "{transport}"
        );
        assert!(error.message.contains("after 1 chunk"), "{}", error.message);
        assert!(
            error.message.contains("timeout option"),
            "{}",
            error.message
        );
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(3),
            "{transport}: {took:?}"
        );
        assert_eq!(streamed.stats.chunks, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_happen_before_the_answer_only() {
    for transport in TRANSPORTS {
        // Throttled, then a stream: retried (maxAttempts 3).
        let throttled = vec![Step::Raw(
            "HTTP/1.1 429 Too Many Requests\r\nX-Amzn-ErrorType: TooManyRequestsException\r\n\
             Retry-After: 0\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n\
             {\"message\":\"x\"}"
                .into(),
        )];
        let server = scripted(vec![
            throttled,
            vec![stream_head(), chunk("ok"), complete("{}"), Step::End],
        ])
        .await;
        let streamed = stream(&client(transport, &server.url, 10_000, 3)).await;
        assert_eq!(streamed.result.unwrap().payload, "ok", "{transport}");
        assert_eq!(server.requests.load(Ordering::SeqCst), 2, "{transport}");

        // A stream that breaks after its first chunk: never retried.
        let server = scripted(vec![vec![stream_head(), chunk("one"), Step::Close]]).await;
        let streamed = stream(&client(transport, &server.url, 10_000, 3)).await;
        let error = streamed.result.unwrap_err();
        assert_eq!(error.code, ErrorCode::Number(1000), "{transport}");
        assert!(
            error.message.contains("broke off after 1 chunk"),
            "{transport}: {}",
            error.message
        );
        assert_eq!(
            server.requests.load(Ordering::SeqCst),
            1,
            "{transport}: no retry"
        );
    }
}

/// Damaged frames, as tests/lambdaserver sends them: a good chunk, then
/// one with a flipped CRC byte, then InvokeComplete (only a reader that
/// checks notices); or half a frame and the connection closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_and_cut_frames_are_errors_after_what_came_before() {
    let Step::Chunk(second) = chunk("second") else {
        unreachable!()
    };
    let mut bad_prelude = second.clone();
    bad_prelude[8] ^= 0xff;
    let mut bad_message = second.clone();
    let last = bad_message.len() - 1;
    bad_message[last] ^= 0xff;
    let half = second[..second.len() / 2].to_vec();
    let cases = [
        (
            vec![Step::Chunk(bad_prelude), complete("{}"), Step::End],
            "prelude",
        ),
        (
            vec![Step::Chunk(bad_message), complete("{}"), Step::End],
            "message",
        ),
        (vec![Step::Chunk(half.clone()), Step::Close], "broke off"),
        // The body ends cleanly, in the middle of a frame.
        (vec![Step::Chunk(half), Step::End], "end"),
    ];
    for transport in TRANSPORTS {
        for (steps, what) in &cases {
            let mut script = vec![stream_head(), chunk("first")];
            script.extend(steps.iter().cloned());
            let server = scripted(vec![script]).await;
            let mut seen = Vec::new();
            let streamed = client(transport, &server.url, 5_000, 1)
                .invoke_stream(request(), |event| seen.push(event), std::future::pending())
                .await;
            let error = streamed.result.unwrap_err();
            assert_eq!(
                (error.kind, &error.code),
                (ErrorKind::Network, &ErrorCode::Number(1000)),
                "{transport} {what}: {}",
                error.message
            );
            assert!(
                error.message.to_lowercase().contains(what),
                "{transport} {what}: {}",
                error.message
            );
            assert!(error.message.contains("after 1 chunk"), "{}", error.message);
            assert_eq!(
                seen,
                [StreamEvent::Chunk(Bytes::from_static(b"first"))],
                "{transport} {what}"
            );
        }
    }
}

/// A prelude that claims a frame over 16 MiB is refused at once, before
/// any of it is buffered: by the direct transport's decoder, and for the
/// SDK (whose reader would wait for and buffer the whole frame) by the
/// bound around its body (`limits::BoundedAnswer`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_over_16_mib_is_refused_at_once() {
    let mut prelude = Vec::new();
    prelude.extend_from_slice(&(64u32 << 20).to_be_bytes());
    prelude.extend_from_slice(&0u32.to_be_bytes());
    let crc = crc32fast::hash(&prelude);
    prelude.extend_from_slice(&crc.to_be_bytes());
    let script = vec![stream_head(), chunk("a"), Step::Chunk(prelude), Step::Hold];

    for transport in TRANSPORTS {
        let server = scripted(vec![script.clone()]).await;
        let started = Instant::now();
        let streamed = stream(&client(transport, &server.url, 10_000, 1)).await;
        let error = streamed.result.unwrap_err();
        assert_eq!(error.code, ErrorCode::Number(1000), "{transport}: {error}");
        assert!(
            error.message.contains("16 MiB") || error.message.contains("16,777,216 bytes"),
            "{transport}: {}",
            error.message
        );
        assert_eq!(streamed.stats.chunks, 1, "{transport}: the chunk before it");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{transport}: not waited for"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exception_is_a_service_error_and_an_early_end_a_network_error() {
    let exception = Step::Chunk(message(
        &[
            (":exception-type", "ServiceException"),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        ],
        br#"{"message":"internal"}"#,
    ));
    for transport in TRANSPORTS {
        let server = scripted(vec![vec![
            stream_head(),
            chunk("a"),
            exception.clone(),
            Step::End,
        ]])
        .await;
        let error = stream(&client(transport, &server.url, 5_000, 1))
            .await
            .result
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Service, "{transport}: {error:?}");
        assert_eq!(error.name, "ServiceException");
        assert_eq!(error.status_code, None);
        assert!(
            error
                .message
                .starts_with("internal (in the event stream, after 1 chunk)"),
            "{transport}: {}",
            error.message
        );

        let server = scripted(vec![vec![stream_head(), chunk("a"), Step::End]]).await;
        let error = stream(&client(transport, &server.url, 5_000, 1))
            .await
            .result
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Network, "{transport}");
        assert!(
            error.message.contains("without InvokeComplete"),
            "{transport}: {}",
            error.message
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_urls_stream_any_status_and_obey_the_network_policy() {
    for transport in TRANSPORTS {
        let server = scripted(vec![vec![
            Step::Head(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n\
                 Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked"
                    .into(),
            ),
            Step::Chunk(b"busy ".to_vec()),
            Step::Sleep(300),
            Step::Chunk(b"now".to_vec()),
            Step::End,
        ]])
        .await;
        let client = client(transport, &server.url, 5_000, 1);
        let request = UrlRequest {
            url: format!("{}/path?x=1", server.url),
            method: "post".into(),
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: b"hi".to_vec(),
        }
        .into_valid()
        .unwrap();
        let started = Instant::now();
        let mut first = None;
        let streamed = client
            .invoke_url(
                request.clone(),
                |_| {
                    first.get_or_insert(started.elapsed());
                },
                std::future::pending(),
            )
            .await;
        let json: serde_json::Value = serde_json::from_slice(&streamed.to_json()).unwrap();
        let response = streamed.result.unwrap();
        assert_eq!(response.status_code, 503, "{transport}");
        assert_eq!(response.payload, "busy now");
        assert_eq!(response.header("set-cookie"), Some("a=1"));
        assert_eq!(json["headers"]["set-cookie"], "a=1, b=2");
        assert_eq!(streamed.stats.chunks, 2);
        assert!(first.unwrap() + Duration::from_millis(250) < started.elapsed());
        assert!(streamed.wire.bytes_sent > 100, "{:?}", streamed.wire);

        // A GET without a body: hyper never polls the body, the head counts.
        let get = UrlRequest {
            url: format!("{}/", server.url),
            ..Default::default()
        }
        .into_valid()
        .unwrap();
        let streamed = client.invoke_url(get, |_| {}, std::future::pending()).await;
        assert_eq!(streamed.result.unwrap().status_code, 503);
        assert!(
            streamed.wire.bytes_sent > 100,
            "{transport}: {:?}",
            streamed.wire
        );

        // blacklistIPs: refused before anything is sent, and no sample.
        let policy: NetworkPolicy =
            serde_json::from_str(r#"{"blacklistIPs":["127.0.0.0/8"]}"#).unwrap();
        let blocked = client_with(transport, &server.url, 5_000, 1, Some(policy));
        let streamed = blocked
            .invoke_url(request, |_| {}, std::future::pending())
            .await;
        let error = streamed.result.unwrap_err();
        assert_eq!(
            (error.name.as_str(), &error.code),
            ("DNSError", &ErrorCode::Number(1110)),
            "{transport}"
        );
        assert_eq!(streamed.wire.bytes_sent, 0);
        assert_eq!(streamed.wire.duration_ns, None);
    }
}

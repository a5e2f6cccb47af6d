//! A Lambda Invoke API stand-in for the CLI tests: canned answers per
//! function name, and a record of every request as it arrived (headers,
//! query, body bytes), so tests assert what was sent.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use base64::Engine;

/// One request, as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The function name from the path, percent-decoded.
    pub function: String,
    /// The query string, as sent (`Qualifier=live`).
    pub query: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

/// The log `echo` returns with `X-Amz-Log-Type: Tail`.
pub const ECHO_LOG: &str = "START RequestId: r-1 Version: $LATEST\necho says hi\nEND RequestId: r-1\nREPORT RequestId: r-1\tDuration: 1.50 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n";

impl Server {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&requests);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let record = Arc::clone(&record);
                thread::spawn(move || serve(stream, &record));
            }
        });
        Self { port, requests }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The one request the test expects to have been sent.
    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected one request, got {requests:#?}");
        requests.into_iter().next().unwrap()
    }
}

fn serve(stream: TcpStream, record: &Mutex<Vec<Recorded>>) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let (status, headers, body) = answer(&request);
    record.lock().unwrap().push(request);
    let mut response = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!(
        "X-Amzn-RequestId: r-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.write_all(&body);
}

fn read_request(stream: &TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let function = path
        .strip_prefix("/2015-03-31/functions/")
        .and_then(|rest| rest.strip_suffix("/invocations"))
        .map(percent_decode)
        .unwrap_or_default();
    Some(Recorded {
        method,
        function,
        query: query.to_string(),
        headers,
        body,
    })
}

type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// The execution ARN the `durable` function answers with.
pub const DURABLE_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:durable:$LATEST/durable-execution/order-1/0c6e";

fn answer(request: &Recorded) -> Answer {
    let json = |status, headers, body: &str| (status, headers, body.as_bytes().to_vec());
    let known = [
        "echo",
        "add-numbers",
        "text",
        "fail-handled",
        "fail-unhandled",
        "slow",
    ];
    if known.contains(&request.function.as_str()) {
        match request.header("x-amz-invocation-type") {
            Some("Event") => return (202, vec![], vec![]),
            Some("DryRun") => return (204, vec![], vec![]),
            _ => {}
        }
    }
    let version = (
        "X-Amz-Executed-Version",
        match request.query.strip_prefix("Qualifier=") {
            Some("live") => "7".to_string(),
            _ => "$LATEST".to_string(),
        },
    );
    match request.function.as_str() {
        "echo" => {
            let mut headers = vec![version];
            if request.header("x-amz-log-type") == Some("Tail") {
                let log = base64::engine::general_purpose::STANDARD.encode(ECHO_LOG);
                headers.push(("X-Amz-Log-Result", log));
            }
            (200, headers, request.body.clone())
        }
        "add-numbers" => {
            let event: serde_json::Value =
                serde_json::from_slice(&request.body).unwrap_or_default();
            let sum = event["x"].as_i64().unwrap_or(0) + event["y"].as_i64().unwrap_or(0);
            json(200, vec![version], &sum.to_string())
        }
        "text" => json(200, vec![version], "hello, world"),
        // A durable function: the execution's ARN in a header.
        "durable" => json(
            200,
            vec![version, ("X-Amz-Durable-Execution-Arn", DURABLE_ARN.into())],
            "{}",
        ),
        "fail-handled" => json(
            200,
            vec![version, ("X-Amz-Function-Error", "Handled".into())],
            r#"{"errorType":"ValidationError","errorMessage":"x must be a number"}"#,
        ),
        "fail-unhandled" => json(
            200,
            vec![version, ("X-Amz-Function-Error", "Unhandled".into())],
            "Process exited before completing request",
        ),
        // `cargo lambda watch`'s way of reporting a function error.
        "emulator-error" => json(
            500,
            vec![],
            r#"{"errorType":"Boom","errorMessage":"it failed"}"#,
        ),
        "throttle" => json(
            429,
            vec![
                ("X-Amzn-ErrorType", "TooManyRequestsException".into()),
                ("Retry-After", "2".into()),
            ],
            r#"{"message":"Rate exceeded","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}"#,
        ),
        "slow" => {
            thread::sleep(Duration::from_secs(3));
            json(200, vec![version], "\"late\"")
        }
        other => json(
            404,
            vec![("X-Amzn-ErrorType", "ResourceNotFoundException".into())],
            &format!(
                r#"{{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{other}"}}"#
            ),
        ),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        204 => "No Content",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(byte) = escaped {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

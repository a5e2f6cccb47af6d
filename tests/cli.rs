//! `lambda-invoke` as a shell user runs it: every flag, every exit code,
//! against an in-process Invoke API stand-in that records what was sent.
//! (Runs against `cargo lambda watch`, moto and tests/lambdaserver are in
//! tests/cli_e2e.sh.)

#[path = "cli/server.rs"]
mod server;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use serde_json::Value;
use server::{Server, ECHO_LOG};

const BINARY: &str = env!("CARGO_BIN_EXE_lambda-invoke");
/// Where build.rs found the example events it embedded.
const FIXTURES: &str = env!("XK6_LAMBDA_FIXTURES_DIR");

/// The dummy keys the local target signs with.
const LOCAL_KEY: &str = "AKIAIOSFODNN7EXAMPLE";

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout()))
    }

    #[track_caller]
    fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "exit code\nstdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr
        );
        self
    }
}

/// A directory of its own for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "lambda-invoke-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The binary with an AWS-free environment: no keys, no region, shared
/// config files that do not exist, and no instance metadata probing.
fn command(home: &Path) -> Command {
    let mut command = Command::new(BINARY);
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        command.env_remove(var);
    }
    command
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", home);
    command
}

fn run_command(mut command: Command, stdin: Option<&[u8]>) -> Run {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run lambda-invoke");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `lambda-invoke ARGS` with the local target on `server`.
fn invoke(server: &Server, args: &[&str]) -> Run {
    let home = TempDir::new();
    let mut command = command(&home.0);
    command
        .args(args)
        .args(["--invoke-port", &server.port.to_string()]);
    run_command(command, None)
}

/// Runs `lambda-invoke ARGS` as given (no target added).
fn run(args: &[&str]) -> Run {
    let home = TempDir::new();
    let mut command = command(&home.0);
    command.args(args);
    run_command(command, None)
}

fn fixture(name: &str) -> Vec<u8> {
    fs::read(Path::new(FIXTURES).join(format!("example-{name}.json"))).unwrap()
}

/// `AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/lambda/aws4_request, ...`
/// → (KEY, REGION).
fn signed_by(request: &server::Recorded) -> (String, String) {
    let authorization = request.header("authorization").expect("a signed request");
    let credential = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no credential in {authorization}"));
    let parts: Vec<&str> = credential.split('/').collect();
    assert_eq!(parts.len(), 5, "{credential}");
    assert_eq!(parts[3], "lambda", "{credential}");
    (parts[0].to_string(), parts[2].to_string())
}

/// The invocation type a request asked for; without the header, Lambda's
/// default.
fn invocation_type(request: &server::Recorded) -> String {
    request
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse")
        .to_string()
}

// ---- help and examples -------------------------------------------------

#[test]
fn help_documents_every_flag_default_and_exit_code() {
    let run = run(&["--help"]);
    run.expect(0);
    let help = run.stdout();
    for needle in [
        "--data-ascii",
        "--data-file",
        "--data-example",
        "--list-examples",
        "--invoke-address",
        "--invoke-port",
        "--remote",
        "--endpoint-url",
        "--region",
        "--profile",
        "--invocation-type",
        "--log-type",
        "--qualifier",
        "--alias",
        "--client-context-ascii",
        "--client-context-file",
        "--tenant-id",
        "--durable-execution-name",
        "--timeout",
        "--retry-attempts",
        "--output-format",
        "[default: 127.0.0.1]",
        "[default: 9000]",
        "[default: RequestResponse]",
        "[default: None]",
        "[default: 60s]",
        "[default: text]",
        "Exit codes:",
        "exactly one of --data-ascii, --data-file and --data-example",
        "Examples:",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
    for code in ["0  ", "1  ", "2  ", "3  "] {
        assert!(help.contains(code), "--help lacks exit code {code}");
    }
    run_version();
}

fn run_version() {
    let run = run(&["--version"]);
    run.expect(0);
    assert!(
        run.stdout().starts_with("lambda-invoke "),
        "{}",
        run.stdout()
    );
}

#[test]
fn lists_the_embedded_examples() {
    let run = run(&["--list-examples"]);
    run.expect(0);
    let stdout = run.stdout();
    let names: Vec<&str> = stdout.lines().collect();
    assert!(names.len() > 150, "{} examples", names.len());
    for name in ["apigw-request", "sqs-event", "s3-event"] {
        assert!(names.contains(&name), "{name} not listed");
    }
    let on_disk = fs::read_dir(FIXTURES)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.starts_with("example-") && f.ends_with(".json"))
        .count();
    assert_eq!(names.len(), on_disk, "every fixture is embedded");
}

#[test]
fn sends_example_events_byte_for_byte() {
    let server = Server::start();
    for (spelling, name) in [
        ("apigw-request", "apigw-request"),
        ("example-sqs-event", "sqs-event"),
        ("example-s3-event.json", "s3-event"),
    ] {
        let run = invoke(&server, &["echo", "--data-example", spelling]);
        run.expect(0);
        assert_eq!(run.stdout, fixture(name), "{spelling}: echoed back");
    }
    let sent: Vec<Vec<u8>> = server.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(
        sent,
        vec![
            fixture("apigw-request"),
            fixture("sqs-event"),
            fixture("s3-event")
        ]
    );
}

#[test]
fn unknown_examples_suggest_close_matches_and_send_nothing() {
    let server = Server::start();
    let run = invoke(&server, &["echo", "--data-example", "sqs-evnt"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("unknown example event `sqs-evnt`; close matches: sqs-event"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--list-examples"), "{}", run.stderr);
    assert!(server.requests().is_empty());
}

// ---- payload -----------------------------------------------------------

#[test]
fn sends_ascii_data_to_the_local_emulator() {
    let server = Server::start();
    let run = invoke(
        &server,
        &["add-numbers", "--data-ascii", r#"{"x":1,"y":2}"#],
    );
    run.expect(0);
    assert_eq!(run.stdout(), "3", "no newline added when stdout is a pipe");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.function, "add-numbers");
    assert_eq!(request.body, br#"{"x":1,"y":2}"#);
    assert_eq!(invocation_type(&request), "RequestResponse");
    assert_eq!(request.header("x-amz-log-type"), None);
    assert_eq!(request.header("x-amz-client-context"), None);
    assert_eq!(request.query, "");
    assert_eq!(
        signed_by(&request),
        (LOCAL_KEY.to_string(), "us-east-1".to_string())
    );
}

#[test]
fn short_flags_follow_cargo_lambda() {
    let server = Server::start();
    let home = TempDir::new();
    let mut command = command(&home.0);
    command.args([
        "add-numbers",
        "-A",
        r#"{"x":2,"y":2}"#,
        "-P",
        &server.port.to_string(),
        "-o",
        "json",
        "-a",
        "live",
    ]);
    let run = run_command(command, None);
    run.expect(0);
    assert_eq!(run.stdout(), "4\n");
    assert_eq!(server.only_request().query, "Qualifier=live");
}

#[test]
fn reads_the_payload_from_stdin_byte_for_byte() {
    let server = Server::start();
    // Not UTF-8, with a NUL and CRLF: sent exactly as read.
    let payload: &[u8] = b"{\"a\":\"\xff\xfe\"}\r\n\0tail";
    let home = TempDir::new();
    let mut command = command(&home.0);
    command.args([
        "echo",
        "--data-file",
        "-",
        "--invoke-port",
        &server.port.to_string(),
    ]);
    run_command(command, Some(payload)).expect(0);
    assert_eq!(server.only_request().body, payload);
}

#[test]
fn reads_the_payload_from_a_file() {
    let server = Server::start();
    let dir = TempDir::new();
    let path = dir.file("event.json", "{\"name\": \"é\"}\n".as_bytes());
    let run = invoke(&server, &["echo", "--data-file", path.to_str().unwrap()]);
    run.expect(0);
    assert_eq!(run.stdout(), "{\"name\": \"é\"}\n");
    assert_eq!(server.only_request().body, fs::read(&path).unwrap());

    let missing = invoke(&server, &["echo", "--data-file", "/nonexistent/event.json"]);
    missing.expect(2);
    assert!(
        missing
            .stderr
            .contains("--data-file: cannot read /nonexistent/event.json"),
        "{}",
        missing.stderr
    );
}

#[test]
fn needs_exactly_one_payload() {
    let none = run(&["echo"]);
    none.expect(2);
    for flag in ["--data-ascii", "--data-file", "--data-example"] {
        assert!(none.stderr.contains(flag), "{}", none.stderr);
    }
    let two = run(&["echo", "--data-ascii", "{}", "--data-example", "sqs-event"]);
    two.expect(2);
    assert!(two.stderr.contains("cannot be used with"), "{}", two.stderr);
}

// ---- invocation options ------------------------------------------------

#[test]
fn invocation_types_reach_the_api() {
    let server = Server::start();
    for (kind, status) in [("Event", 202), ("DryRun", 204), ("RequestResponse", 200)] {
        let run = invoke(
            &server,
            &[
                "echo",
                "-A",
                "{}",
                "--invocation-type",
                kind,
                "--output-format",
                "response",
            ],
        );
        run.expect(0);
        assert_eq!(run.json()["statusCode"], status, "{kind}");
        let quiet = invoke(&server, &["echo", "-A", "{}", "--invocation-type", kind]);
        quiet.expect(0);
        if kind != "RequestResponse" {
            assert!(quiet.stdout.is_empty(), "{kind}: no payload to print");
        }
    }
    let kinds: Vec<String> = server.requests().iter().map(invocation_type).collect();
    assert_eq!(
        kinds,
        [
            "Event",
            "Event",
            "DryRun",
            "DryRun",
            "RequestResponse",
            "RequestResponse"
        ]
    );
    let bad = run(&["echo", "-A", "{}", "--invocation-type", "event"]);
    bad.expect(2);
    assert!(
        bad.stderr.contains("RequestResponse, Event, DryRun"),
        "{}",
        bad.stderr
    );
}

#[test]
fn tail_logs_go_to_stderr() {
    let server = Server::start();
    let run = invoke(&server, &["echo", "-A", "\"hi\"", "--log-type", "Tail"]);
    run.expect(0);
    assert_eq!(run.stdout(), "\"hi\"");
    assert_eq!(run.stderr, ECHO_LOG);
    assert_eq!(server.only_request().header("x-amz-log-type"), Some("Tail"));

    let none = invoke(&server, &["echo", "-A", "1", "--log-type", "None"]);
    none.expect(0);
    assert!(none.stderr.is_empty(), "{}", none.stderr);
}

#[test]
fn qualifier_and_alias_go_in_the_query() {
    let server = Server::start();
    invoke(&server, &["echo", "-A", "1", "--qualifier", "live"]).expect(0);
    let run = invoke(
        &server,
        &["echo", "-A", "1", "--alias", "live", "-o", "response"],
    );
    run.expect(0);
    assert_eq!(run.json()["executedVersion"], "7");
    let queries: Vec<String> = server.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(queries, ["Qualifier=live", "Qualifier=live"]);

    let bad = invoke(&server, &["echo", "-A", "1", "--qualifier", "no/slash"]);
    bad.expect(2);
    assert!(bad.stderr.contains("invalid qualifier"), "{}", bad.stderr);
    assert_eq!(
        server.requests().len(),
        2,
        "nothing sent for a bad qualifier"
    );
}

#[test]
fn tenant_and_durable_execution_name_go_in_their_headers() {
    let server = Server::start();
    let run = invoke(
        &server,
        &[
            "durable",
            "-A",
            "{}",
            "--tenant-id",
            "blue team",
            "--durable-execution-name",
            "order-1",
            "-o",
            "response",
        ],
    );
    run.expect(0);
    assert_eq!(run.json()["durableExecutionArn"], server::DURABLE_ARN);
    let request = server.only_request();
    assert_eq!(request.header("x-amz-tenant-id"), Some("blue team"));
    assert_eq!(
        request.header("x-amz-durable-execution-name"),
        Some("order-1")
    );
    // Neither is sent when not given, and an answer without the header
    // has no durableExecutionArn.
    let plain = invoke(&server, &["echo", "-A", "{}", "-o", "response"]);
    plain.expect(0);
    assert!(plain.json().get("durableExecutionArn").is_none());
    let request = &server.requests()[1];
    assert_eq!(request.header("x-amz-tenant-id"), None);
    assert_eq!(request.header("x-amz-durable-execution-name"), None);

    for (args, rule) in [
        (&["--tenant-id", ""][..], "invalid tenantId"),
        (&["--tenant-id", "a#b"], "invalid tenantId"),
        (
            &["--durable-execution-name", "dot.ted"],
            "invalid durableExecutionName",
        ),
        (
            &["--stream", "--durable-execution-name", "x"],
            "durableExecutionName",
        ),
    ] {
        let mut all = vec!["echo", "-A", "{}"];
        all.extend_from_slice(args);
        let bad = invoke(&server, &all);
        bad.expect(2);
        assert!(bad.stderr.contains(rule), "{args:?}: {}", bad.stderr);
    }
    assert_eq!(server.requests().len(), 2, "nothing sent for a refusal");
}

#[test]
fn client_context_is_sent_base64_encoded() {
    let server = Server::start();
    let context = r#"{"custom":{"tenant":"t-1"},"env":{"locale":"fr"}}"#;
    let expected = base64::engine::general_purpose::STANDARD.encode(context);
    invoke(
        &server,
        &["echo", "-A", "1", "--client-context-ascii", context],
    )
    .expect(0);
    let dir = TempDir::new();
    let path = dir.file("context.json", context.as_bytes());
    invoke(
        &server,
        &[
            "echo",
            "-A",
            "1",
            "--client-context-file",
            path.to_str().unwrap(),
        ],
    )
    .expect(0);
    for request in server.requests() {
        assert_eq!(
            request.header("x-amz-client-context"),
            Some(expected.as_str())
        );
    }
}

#[test]
fn client_context_is_checked_before_sending() {
    let server = Server::start();
    let too_big = format!(r#"{{"custom":{{"pad":"{}"}}}}"#, "x".repeat(2700));
    for (context, message) in [
        ("not json", "is not JSON"),
        ("[1, 2]", "must be a JSON object"),
        (too_big.as_str(), "at most 3583"),
    ] {
        let run = invoke(
            &server,
            &["echo", "-A", "1", "--client-context-ascii", context],
        );
        run.expect(2);
        assert!(run.stderr.contains(message), "{context}: {}", run.stderr);
    }
    let both = run(&[
        "echo",
        "-A",
        "1",
        "--client-context-ascii",
        "{}",
        "--client-context-file",
        "x",
    ]);
    both.expect(2);
    assert!(server.requests().is_empty());
}

#[test]
fn timeouts_bound_the_invocation() {
    let server = Server::start();
    let started = std::time::Instant::now();
    let run = invoke(&server, &["slow", "-A", "1", "--timeout", "300ms"]);
    run.expect(3);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(run.stderr.contains("timeout"), "{}", run.stderr);
    let bad = run_bad_timeout();
    assert!(bad.stderr.contains("--timeout"), "{}", bad.stderr);
}

fn run_bad_timeout() -> Run {
    let run = run(&["echo", "-A", "1", "--timeout", "soon"]);
    run.expect(2);
    run
}

#[test]
fn retry_attempts_retry_throttling() {
    let server = Server::start();
    let run = invoke(&server, &["throttle", "-A", "1", "--retry-attempts", "2"]);
    run.expect(3);
    assert!(
        run.stderr
            .starts_with("TooManyRequestsException: Rate exceeded"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 2, "two attempts");
    run_out_of_range_attempts();
}

fn run_out_of_range_attempts() {
    run(&["echo", "-A", "1", "--retry-attempts", "0"]).expect(2);
}

// ---- output ------------------------------------------------------------

#[test]
fn json_output_pretty_prints_in_received_order() {
    let server = Server::start();
    let run = invoke(
        &server,
        &[
            "echo",
            "-A",
            r#"{"b":1.50,"a":[1,{}]}"#,
            "--output-format",
            "json",
        ],
    );
    run.expect(0);
    assert_eq!(
        run.stdout(),
        "{\n  \"b\": 1.50,\n  \"a\": [\n    1,\n    {}\n  ]\n}\n"
    );
}

#[test]
fn json_output_of_a_non_json_payload_exits_1() {
    let server = Server::start();
    let run = invoke(&server, &["text", "-A", "1", "--output-format", "json"]);
    run.expect(1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("the payload is not JSON") && run.stderr.contains("hello, world"),
        "{}",
        run.stderr
    );
    // As text it prints as it came.
    let text = invoke(&server, &["text", "-A", "1", "--output-format", "text"]);
    text.expect(0);
    assert_eq!(text.stdout(), "hello, world");
}

#[test]
fn response_output_is_the_c_abi_json() {
    let server = Server::start();
    let run = invoke(
        &server,
        &[
            "echo",
            "-A",
            r#"{"k":"v"}"#,
            "--log-type",
            "Tail",
            "--output-format",
            "response",
        ],
    );
    run.expect(0);
    let response = run.json();
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["executedVersion"], "$LATEST");
    assert_eq!(response["payload"], r#"{"k":"v"}"#);
    assert_eq!(response["logResult"], ECHO_LOG);
    assert_eq!(response["report"]["durationMs"], 1.5);
    assert_eq!(response["report"]["memorySizeMB"], 128.0);
    assert!(response["bytesSent"].as_u64().unwrap() > 0);
    assert!(response["bytesReceived"].as_u64().unwrap() > 0);
    assert!(response.get("functionError").is_none());
    assert_eq!(run.stderr, ECHO_LOG);
}

// ---- exit codes ----------------------------------------------------------

#[test]
fn function_errors_exit_1_with_type_and_message() {
    let server = Server::start();
    let run = invoke(&server, &["fail-handled", "-A", "{}"]);
    run.expect(1);
    assert!(run.stdout.is_empty());
    assert_eq!(run.stderr, "ValidationError: x must be a number\n");

    let unhandled = invoke(&server, &["fail-unhandled", "-A", "{}"]);
    unhandled.expect(1);
    assert_eq!(
        unhandled.stderr,
        "Unhandled: Process exited before completing request\n"
    );

    let response = invoke(&server, &["fail-handled", "-A", "{}", "-o", "response"]);
    response.expect(1);
    assert_eq!(response.json()["functionError"], "Handled");
}

#[test]
fn service_errors_exit_3_with_the_aws_type() {
    let server = Server::start();
    let run = invoke(&server, &["no-such-function", "-A", "{}"]);
    run.expect(3);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.starts_with(
            "ResourceNotFoundException: Function not found: \
             arn:aws:lambda:us-east-1:123456789012:function:no-such-function (HTTP 404, request ID r-1)"
        ),
        "{}",
        run.stderr
    );
    let response = invoke(&server, &["no-such-function", "-A", "{}", "-o", "response"]);
    response.expect(3);
    let error = &response.json()["error"];
    assert_eq!(error["kind"], "service");
    assert_eq!(error["name"], "ResourceNotFoundException");
    assert_eq!(error["statusCode"], 404);
}

#[test]
fn emulator_function_errors_exit_3_named_after_the_error_type() {
    let server = Server::start();
    let run = invoke(&server, &["emulator-error", "-A", "{}"]);
    run.expect(3);
    assert!(
        run.stderr.starts_with("Boom: it failed (HTTP 500"),
        "{}",
        run.stderr
    );
}

#[test]
fn network_errors_exit_3() {
    // Port 1 of loopback refuses every connection (privileged, outside the
    // ephemeral range: no test's listener can take it).
    let run = run(&["echo", "-A", "{}", "--invoke-port", "1"]);
    run.expect(3);
    assert!(
        run.stderr.starts_with("TCPError: connection refused"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("k6 error code 1212"), "{}", run.stderr);
}

#[test]
fn invalid_requests_exit_2_before_sending() {
    let server = Server::start();
    let run = invoke(&server, &["has space", "-A", "{}"]);
    run.expect(2);
    assert!(
        run.stderr.contains("invalid function name `has space`"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
}

// ---- targets -------------------------------------------------------------

#[test]
fn the_default_function_is_underscore_for_the_emulator() {
    let server = Server::start();
    invoke(&server, &["-A", "{}"]).expect(3); // the stand-in has no `_`
    assert_eq!(server.only_request().function, "_");
}

#[test]
fn invoke_address_and_region_for_the_local_target() {
    let server = Server::start();
    let run = invoke(
        &server,
        &[
            "echo",
            "-A",
            "1",
            "--invoke-address",
            "127.0.0.1",
            "--region",
            "eu-west-3",
        ],
    );
    run.expect(0);
    assert_eq!(
        signed_by(&server.only_request()),
        (LOCAL_KEY.to_string(), "eu-west-3".to_string())
    );
    // Nothing listens on IPv6 loopback at this port: refused (or
    // unreachable where there is no IPv6), never the IPv4 server.
    let v6 = invoke(&server, &["echo", "-A", "1", "--invoke-address", "::1"]);
    v6.expect(3);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn target_flags_are_checked() {
    for (args, message) in [
        (
            &["echo", "-A", "1", "--remote", "--invoke-port", "1"][..],
            "cannot be used with",
        ),
        (&["echo", "-A", "1", "--profile", "p"][..], "--remote"),
        (
            &["-A", "1", "--remote", "--region", "us-east-1"][..],
            "a FUNCTION name is required",
        ),
        (&["echo", "-A", "1", "--remote"][..], "no AWS region"),
        (
            &[
                "echo",
                "-A",
                "1",
                "--endpoint-url",
                "ftp://x",
                "--region",
                "us-east-1",
            ][..],
            "invalid endpoint",
        ),
    ] {
        let run = run(args);
        run.expect(2);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
}

/// Writes a config and a credentials file with the profile `test`.
fn profile_files(dir: &TempDir, region: &str) -> (PathBuf, PathBuf) {
    let config = dir.file(
        "config",
        format!("[default]\nregion = ap-south-1\n\n[profile test]\nregion = {region}\n").as_bytes(),
    );
    let credentials = dir.file(
        "credentials",
        b"[default]\naws_access_key_id = AKIDDEFAULT000000000\naws_secret_access_key = default-secret\n\n\
          [test]\naws_access_key_id = AKIDPROFILETEST00001\naws_secret_access_key = profile-secret\n",
    );
    (config, credentials)
}

#[test]
fn remote_with_endpoint_url_signs_with_the_profile() {
    let server = Server::start();
    let dir = TempDir::new();
    let (config, credentials) = profile_files(&dir, "eu-central-1");
    let mut command = command(&dir.0);
    command
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        // An explicit --profile beats keys in the environment (as in the AWS CLI).
        .env("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT0")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .args([
            "add-numbers",
            "--remote",
            "--endpoint-url",
            &server.url(),
            "--profile",
            "test",
            "--data-ascii",
            r#"{"x":1,"y":2}"#,
        ]);
    let run = run_command(command, None);
    run.expect(0);
    assert_eq!(run.stdout(), "3");
    assert_eq!(
        signed_by(&server.only_request()),
        (
            "AKIDPROFILETEST00001".to_string(),
            "eu-central-1".to_string()
        )
    );
}

#[test]
fn endpoint_url_uses_the_credential_chain_and_region_order() {
    let server = Server::start();
    let dir = TempDir::new();
    let (config, credentials) = profile_files(&dir, "eu-central-1");
    let base = |command: &mut Command| {
        command
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .args(["echo", "-A", "1", "--endpoint-url", &server.url()]);
    };
    // No flags: the default profile's keys and region.
    let mut plain = command(&dir.0);
    base(&mut plain);
    run_command(plain, None).expect(0);
    // Keys and region from the environment win over the default profile.
    let mut from_env = command(&dir.0);
    base(&mut from_env);
    from_env
        .env("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT0")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .env("AWS_REGION", "sa-east-1");
    run_command(from_env, None).expect(0);
    // AWS_PROFILE selects a profile; --region beats every other source.
    let mut selected = command(&dir.0);
    base(&mut selected);
    selected
        .env("AWS_PROFILE", "test")
        .args(["--region", "ca-central-1"]);
    run_command(selected, None).expect(0);

    let signers: Vec<(String, String)> = server.requests().iter().map(signed_by).collect();
    let expected = [
        ("AKIDDEFAULT000000000", "ap-south-1"),
        ("AKIDFROMENVIRONMENT0", "sa-east-1"),
        ("AKIDPROFILETEST00001", "ca-central-1"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, r)| (k.to_string(), r.to_string()))
        .collect();
    assert_eq!(signers, expected);
}

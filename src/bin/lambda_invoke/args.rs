//! The command line: every flag, its default and its help text.
//!
//! Flag names and short forms follow `cargo lambda invoke` (1.9), so that a
//! command line written for it works here.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Parser, ValueEnum};

/// What `--help` says after the flags.
const AFTER_HELP: &str = "\
Payload: exactly one of --data-ascii, --data-file and --data-example (at
most one with --function-url, whose body may be empty).

Target: by default the local emulator at http://127.0.0.1:9000 (IPv4: it
reaches `cargo lambda watch -A 127.0.0.1` and emulators listening on both;
cargo-lambda's own default is [::1]), with dummy credentials the emulator
does not check. --remote targets AWS Lambda; --endpoint-url any other
endpoint (moto, LocalStack, a proxy). Both use the standard AWS credential
chain (environment, shared config files, SSO, web identity, container and
instance metadata) or --profile, and the region from --region,
AWS_REGION/AWS_DEFAULT_REGION or the profile.

Output (stdout):
  text      the payload exactly as received (plus a newline when stdout is a
            terminal)
  json      the payload pretty-printed, keys and numbers as received; a
            payload that is not JSON exits 1
  response  the JSON the C ABI gives k6 for this invocation (statusCode,
            executedVersion, logResult, payload, functionError, report,
            durableExecutionArn, bytesSent, bytesReceived), or the error
            JSON when it failed
--log-type Tail prints the decoded log to stderr, whatever the format.

Streaming (--stream, --function-url): text prints each chunk as it arrives,
flushed (nothing is added between chunks); response prints the whole
answer as JSON at the end (statusCode, payload, chunks, payloadBytes,
timeToFirstChunkNs, bytesSent, ...; for --function-url also headers);
json is refused. stderr gets, at the end: `status 200, 3 chunks (24
bytes), first chunk after 12.345 ms, 1003.210 ms in all` (the time to the
first chunk and the whole are measured from the request's hand-over to
the HTTP client), then the log with --log-type Tail (its REPORT line
included). --timeout bounds the whole call, stream included: a stream that
stalls ends there (exit 3).

Exit codes:
  0  the function returned a payload
  1  the function failed (stderr: `errorType: errorMessage`), or its payload
     is not JSON with --output-format json
  2  bad arguments: nothing was sent
  3  the invocation failed: service error (stderr: the AWS error type and
     message), network error or timeout. `cargo lambda watch` reports a
     function error as HTTP 500: that is exit 3, named after the errorType.
With --stream: 1 is InvokeComplete with an ErrorCode (stderr: `errorType:
errorMessage` of its ErrorDetails; the chunks before it were printed); 3
also a stream that breaks: damaged frames (bad CRCs, a frame over 16 MiB),
a frame cut short, no InvokeComplete, an exception in the stream.
With --function-url: 0 any HTTP status below 400, 1 from 400 (the body is
printed all the same), 3 no answer (network error, timeout).

Examples:
  lambda-invoke add-numbers --data-ascii '{\"x\": 1, \"y\": 2}'
  lambda-invoke my-fn --data-example apigw-request --output-format json
  echo '{}' | lambda-invoke my-fn --data-file - --log-type Tail
  lambda-invoke my-fn --remote --region eu-west-1 --profile prod \\
      --qualifier live --data-file event.json --output-format response
  lambda-invoke add-numbers --endpoint-url http://127.0.0.1:5000 \\
      --invocation-type Event --data-ascii '{\"x\": 1, \"y\": 2}'
  lambda-invoke my-fn --remote --tenant-id blue --data-ascii '{}'
  lambda-invoke my-durable-fn --remote --qualifier 1 \\
      --durable-execution-name order-42 --data-ascii '{}' -o response
  lambda-invoke my-streaming-fn --stream --remote --data-ascii '{}'
  lambda-invoke --function-url https://abc.lambda-url.eu-west-1.on.aws/items?id=1
  lambda-invoke --function-url https://abc.lambda-url.eu-west-1.on.aws/items \\
      -X PUT -H 'Content-Type: application/json' --data-file item.json
  lambda-invoke --list-examples";

/// Invoke an AWS Lambda function once, through the same Rust core as
/// k6/x/lambda: what works here works in k6, byte for byte.
#[derive(Debug, Parser)]
#[command(
    name = "lambda-invoke",
    version,
    after_help = AFTER_HELP,
    group(ArgGroup::new("payload").args(["data_ascii", "data_file", "data_example"])),
    group(ArgGroup::new("client_context").args(["client_context_ascii", "client_context_file"])),
    group(ArgGroup::new("remote_target").args(["remote", "endpoint_url", "function_url"]).multiple(true)),
)]
pub struct Cli {
    /// Function name, ARN or partial ARN, with an optional :QUALIFIER.
    /// Default for the local emulator: `_`, cargo lambda watch's name for a
    /// package's only function; required with --remote and --endpoint-url
    #[arg(value_name = "FUNCTION", conflicts_with = "function_url")]
    pub function: Option<String>,

    /// The payload, as given
    #[arg(
        short = 'A',
        long,
        value_name = "TEXT",
        help_heading = "Payload (exactly one)"
    )]
    pub data_ascii: Option<String>,

    /// Read the payload from a file, byte for byte; `-` reads stdin
    #[arg(
        short = 'F',
        long,
        value_name = "PATH",
        help_heading = "Payload (exactly one)"
    )]
    pub data_file: Option<PathBuf>,

    /// Send an example event of the aws_lambda_events crate (embedded:
    /// works offline): NAME, example-NAME or example-NAME.json
    #[arg(
        short = 'E',
        long,
        value_name = "NAME",
        help_heading = "Payload (exactly one)"
    )]
    pub data_example: Option<String>,

    /// Print the names of the example events and exit
    #[arg(long, exclusive = true, help_heading = "Payload (exactly one)")]
    pub list_examples: bool,

    /// Address of the local emulator (IPv4, IPv6 or host name)
    #[arg(
        long,
        value_name = "ADDRESS",
        default_value = "127.0.0.1",
        conflicts_with = "remote_target",
        help_heading = "Target"
    )]
    pub invoke_address: String,

    /// Port of the local emulator
    #[arg(
        short = 'P',
        long,
        value_name = "PORT",
        default_value_t = 9000,
        conflicts_with = "remote_target",
        help_heading = "Target"
    )]
    pub invoke_port: u16,

    /// Invoke the function deployed on AWS Lambda (the SDK's endpoint, or
    /// AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL)
    #[arg(short = 'R', long, help_heading = "Target")]
    pub remote: bool,

    /// Invoke through this endpoint instead (moto, LocalStack, a proxy);
    /// credentials and region as with --remote
    #[arg(long, value_name = "URL", help_heading = "Target")]
    pub endpoint_url: Option<String>,

    /// AWS region [default: AWS_REGION, AWS_DEFAULT_REGION or the profile's
    /// region; us-east-1 for the local emulator]
    #[arg(short = 'r', long, value_name = "REGION", help_heading = "Target")]
    pub region: Option<String>,

    /// Profile of the shared AWS config files, for credentials and settings
    /// (with --remote or --endpoint-url) [default: AWS_PROFILE or default]
    #[arg(
        short = 'p',
        long,
        value_name = "PROFILE",
        requires = "remote_target",
        help_heading = "Target"
    )]
    pub profile: Option<String>,

    /// RequestResponse waits for the result; Event queues the invocation
    /// (HTTP 202); DryRun only checks parameters and permissions (HTTP 204)
    #[arg(
        long,
        value_name = "TYPE",
        default_value = "RequestResponse",
        value_parser = ["RequestResponse", "Event", "DryRun"],
        help_heading = "Invocation"
    )]
    pub invocation_type: String,

    /// Tail: return the last 4 KB of the function's log, printed to stderr
    #[arg(
        long,
        value_name = "TYPE",
        default_value = "None",
        value_parser = ["None", "Tail"],
        help_heading = "Invocation"
    )]
    pub log_type: String,

    /// Version or alias to invoke
    #[arg(
        short = 'a',
        long,
        visible_alias = "alias",
        value_name = "QUALIFIER",
        help_heading = "Invocation"
    )]
    pub qualifier: Option<String>,

    /// Client context, as JSON: sent base64-encoded in X-Amz-Client-Context
    /// (at most 3,583 bytes encoded)
    #[arg(long, value_name = "JSON", help_heading = "Invocation")]
    pub client_context_ascii: Option<String>,

    /// Read the client context JSON from a file; `-` reads stdin
    #[arg(long, value_name = "PATH", help_heading = "Invocation")]
    pub client_context_file: Option<PathBuf>,

    /// The tenant, for a function in tenant isolation mode (sent as
    /// X-Amz-Tenant-Id; 1 to 256 of letters, digits, spaces and
    /// `. _ : / = + - @`). Such a function refuses a call without one, and
    /// any other function a call with one
    #[arg(long, value_name = "ID", help_heading = "Invocation")]
    pub tenant_id: Option<String>,

    /// The execution of a durable function (sent as
    /// X-Amz-Durable-Execution-Name; 1 to 64 of letters, digits, `-`, `_`):
    /// the same name with the same payload returns the same execution,
    /// with another payload fails (DurableExecutionAlreadyStartedException).
    /// Not with --stream. --output-format response shows the execution's
    /// durableExecutionArn
    #[arg(long, value_name = "NAME", help_heading = "Invocation")]
    pub durable_execution_name: Option<String>,

    /// Bound on the whole invocation, retries included: 500ms, 30s, 2m, or
    /// a number of seconds
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "60s",
        value_parser = parse_duration,
        help_heading = "Invocation"
    )]
    pub timeout: Duration,

    /// Attempts per invocation, 1 to 10: the `maxAttempts` of k6's
    /// LambdaClient (retries hide throttling, hence 1)
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        value_parser = clap::value_parser!(u32).range(1..=10),
        help_heading = "Invocation"
    )]
    pub retry_attempts: u32,

    /// Call InvokeWithResponseStream: print each chunk as it arrives; the
    /// status, chunk count, time to the first chunk and the log on stderr
    /// at the end. RequestResponse or DryRun only
    #[arg(long, help_heading = "Streaming")]
    pub stream: bool,

    /// Call this Lambda function URL instead (IAM auth: the request is
    /// SigV4-signed for `lambda` with the AWS credentials, as --remote
    /// finds them, and the region of --region, else of the URL's host
    /// name, else as --remote finds it). The body, printed as it arrives,
    /// is the answer; the payload flags give the request's body (none: an
    /// empty body)
    #[arg(
        long,
        value_name = "URL",
        conflicts_with_all = [
            "remote", "endpoint_url", "stream", "qualifier", "invocation_type", "log_type",
            "client_context_ascii", "client_context_file", "tenant_id", "durable_execution_name",
        ],
        help_heading = "Streaming"
    )]
    pub function_url: Option<String>,

    /// The method of the --function-url request [default: GET, or POST
    /// with a payload flag]
    #[arg(short = 'X', long, value_name = "METHOD", help_heading = "Streaming")]
    pub method: Option<String>,

    /// A header of the --function-url request, `NAME: VALUE`; repeatable.
    /// Signed with the rest; Host, Authorization, X-Amz-Date and the like
    /// are set by the signature and refused here
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME:VALUE",
        help_heading = "Streaming"
    )]
    pub headers: Vec<String>,

    /// What to print on stdout: text, json or response (see below)
    #[arg(
        short = 'o',
        long,
        value_name = "FORMAT",
        value_enum,
        ignore_case = true,
        default_value_t = OutputFormat::Text,
        help_heading = "Output"
    )]
    pub output_format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The payload as received
    Text,
    /// The payload, pretty-printed
    Json,
    /// The whole response as k6 gets it
    Response,
}

impl Cli {
    /// What clap cannot check: `requires` is waived when the required flag
    /// conflicts with one given (`--method` beside a FUNCTION would pass).
    pub fn check_combinations(&self) -> Result<(), String> {
        if self.function_url.is_none() {
            if self.method.is_some() {
                return Err("--method is for --function-url requests".into());
            }
            if !self.headers.is_empty() {
                return Err("--header is for --function-url requests".into());
            }
        }
        if (self.stream || self.function_url.is_some()) && self.output_format == OutputFormat::Json
        {
            return Err(
                "--output-format json cannot be used with --stream or --function-url, which print \
                 the chunks as they arrive: use text, or response for the whole answer as JSON"
                    .into(),
            );
        }
        Ok(())
    }

    /// True when the target is AWS, a given endpoint or a function URL,
    /// not the emulator.
    pub fn remote_style(&self) -> bool {
        self.remote || self.endpoint_url.is_some() || self.function_url.is_some()
    }
}

/// `500ms`, `1.5s`, `2m`, or a bare number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds_per_unit = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        _ => return Err(format!("unknown unit `{unit}`: use ms, s or m")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| "expected a duration such as 500ms, 30s or 2m".to_string())?;
    let duration = Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|_| "the duration is out of range".to_string())?;
    if duration.as_millis() == 0 {
        return Err("the timeout must be at least 1ms".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5h").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn defaults() {
        let cli = Cli::try_parse_from(["lambda-invoke", "f", "--data-ascii", "{}"]).unwrap();
        assert_eq!(cli.invoke_address, "127.0.0.1");
        assert_eq!(cli.invoke_port, 9000);
        assert_eq!(cli.invocation_type, "RequestResponse");
        assert_eq!(cli.log_type, "None");
        assert_eq!(cli.timeout, Duration::from_secs(60));
        assert_eq!(cli.retry_attempts, 1);
        assert_eq!(cli.output_format, OutputFormat::Text);
        assert!(!cli.remote_style());
    }

    #[test]
    fn refuses_conflicting_and_incomplete_targets() {
        let parse = |args: &[&str]| {
            let mut argv = vec!["lambda-invoke", "f", "-A", "{}"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
        };
        assert!(parse(&["--remote", "--invoke-port", "1"]).is_err());
        assert!(parse(&["--endpoint-url", "http://x", "--invoke-address", "::1"]).is_err());
        assert!(parse(&["--profile", "p"]).is_err());
        assert!(parse(&["--profile", "p", "--remote"]).is_ok());
        assert!(parse(&["--profile", "p", "--endpoint-url", "http://x"]).is_ok());
        assert!(parse(&["--remote", "--endpoint-url", "http://x"]).is_ok());
        assert!(parse(&["-F", "x"]).is_err());
        assert!(parse(&["--alias", "live"]).is_ok());
        assert!(parse(&["-o", "JSON"]).is_ok());
        assert!(parse(&["--invocation-type", "event"]).is_err());
        assert!(parse(&["--retry-attempts", "11"]).is_err());
        assert!(parse(&["--stream"]).is_ok());
        assert!(parse(&["--stream", "--remote"]).is_ok());
    }

    #[test]
    fn function_urls_take_their_own_flags_only() {
        let parse = |args: &[&str]| {
            let mut argv = vec![
                "lambda-invoke",
                "--function-url",
                "https://x.lambda-url.us-east-1.on.aws/",
            ];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
        };
        let cli = parse(&["-X", "PUT", "-H", "a: b", "--header", "c:d", "-A", "{}"]).unwrap();
        assert_eq!(cli.method.as_deref(), Some("PUT"));
        assert_eq!(cli.headers, ["a: b", "c:d"]);
        assert!(cli.remote_style());
        assert!(parse(&[]).is_ok(), "no payload: an empty body");
        assert!(parse(&["--profile", "p", "--region", "eu-west-1"]).is_ok());
        for conflicting in [
            &["f"][..],
            &["--remote"],
            &["--endpoint-url", "http://x"],
            &["--stream"],
            &["--qualifier", "live"],
            &["--invocation-type", "DryRun"],
            &["--log-type", "Tail"],
            &["--client-context-ascii", "{}"],
            &["--invoke-port", "1"],
        ] {
            assert!(parse(conflicting).is_err(), "{conflicting:?}");
        }
        let plain = |args: &[&str]| {
            let mut argv = vec!["lambda-invoke", "f", "-A", "{}"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
        };
        let check = |argv: &[&str]| plain(argv).unwrap().check_combinations();
        assert!(check(&[]).is_ok());
        assert!(check(&["-X", "PUT"]).unwrap_err().contains("--method"));
        assert!(check(&["-H", "a:b"]).unwrap_err().contains("--header"));
        assert!(check(&["--stream", "-o", "json"])
            .unwrap_err()
            .contains("json"));
        assert!(check(&["--stream", "-o", "response"]).is_ok());
        assert!(parse(&["-o", "json"])
            .unwrap()
            .check_combinations()
            .is_err());
    }
}

//! `lambda-invoke`: one Lambda invocation from the shell, through the same
//! Rust core (validation, SDK client, response and error JSON) as
//! k6/x/lambda. `lambda-invoke --help` documents it all.

// A crate root looks for its modules beside it, in src/bin/: point at the
// binary's own directory instead.
#[path = "lambda_invoke/args.rs"]
mod args;
#[path = "lambda_invoke/json.rs"]
mod json;
#[path = "lambda_invoke/output.rs"]
mod output;
#[path = "lambda_invoke/payload.rs"]
mod payload;
#[path = "lambda_invoke/stream.rs"]
mod stream;
#[path = "lambda_invoke/target.rs"]
mod target;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::error::ErrorKind as ClapErrorKind;
use clap::{CommandFactory, Parser};
use xk6_lambda::examples::example_names;
use xk6_lambda::runtime::runtime;
use xk6_lambda::{
    Client, InvocationType, InvokeRequest, LogType, UrlRequest, ValidRequest, ValidStreamRequest,
    ValidUrlRequest,
};

use args::Cli;

/// Exit codes, as `--help` documents them.
const EXIT_OK: u8 = 0;
const EXIT_FUNCTION_ERROR: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_FAILED: u8 = 3;

/// Why the command stops before sending anything (exit 2).
#[derive(Debug)]
pub struct Usage(pub String);

fn main() -> ExitCode {
    // Usage errors exit 2 here, --help and --version 0.
    let cli = Cli::parse();
    if cli.list_examples {
        let mut out = std::io::stdout().lock();
        for name in example_names() {
            if writeln!(out, "{name}").is_err() {
                break; // `| head`: the reader has gone
            }
        }
        return ExitCode::SUCCESS;
    }
    match prepare(&cli) {
        Ok(prepared) => {
            let stdout = std::io::stdout();
            let out_is_terminal = stdout.is_terminal();
            let mut out = stdout.lock();
            let mut err = std::io::stderr().lock();
            let code = match prepared {
                Prepared::Invoke(client, request) => {
                    let invoked = runtime().block_on(client.invoke(request));
                    let mut streams = output::Streams {
                        out_is_terminal,
                        out: &mut out,
                        err: &mut err,
                    };
                    output::report(&invoked, cli.output_format, &mut streams)
                }
                Prepared::Stream(client, request) => {
                    // Chunks are written as they come, through stdout's
                    // own lock: not held here meanwhile.
                    drop(out);
                    let mut out = std::io::stdout();
                    let mut streams = output::Streams {
                        out_is_terminal,
                        out: &mut out,
                        err: &mut err,
                    };
                    stream::invoke(&client, request, cli.output_format, &mut streams)
                }
                Prepared::Url(client, request) => {
                    drop(out);
                    let mut out = std::io::stdout();
                    let mut streams = output::Streams {
                        out_is_terminal,
                        out: &mut out,
                        err: &mut err,
                    };
                    stream::url(&client, request, cli.output_format, &mut streams)
                }
            };
            ExitCode::from(code)
        }
        Err(Usage(message)) => {
            // Worded and laid out as clap's own usage errors.
            let _ = Cli::command()
                .error(ClapErrorKind::ValueValidation, message)
                .print();
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// What to send, checked, and the client to send it with.
enum Prepared {
    Invoke(Client, ValidRequest),
    Stream(Client, ValidStreamRequest),
    Url(Client, ValidUrlRequest),
}

/// Everything that can be checked before sending: the payload, the client
/// context, the target and the options.
fn prepare(cli: &Cli) -> Result<Prepared, Usage> {
    cli.check_combinations().map_err(Usage)?;
    if let Some(url) = &cli.function_url {
        let request = UrlRequest {
            url: url.clone(),
            method: cli.method.clone().unwrap_or_default(),
            headers: payload::headers(cli)?,
            body: payload::body(cli)?,
        }
        .into_valid()
        .map_err(|e| Usage(e.message))?;
        return Ok(Prepared::Url(target::url_client(cli, &request)?, request));
    }
    let request = InvokeRequest {
        function_name: target::function_name(cli)?,
        payload: payload::payload(cli)?,
        invocation_type: parse_option::<InvocationType>(&cli.invocation_type)?,
        log_type: parse_option::<LogType>(&cli.log_type)?,
        client_context: payload::client_context(cli)?,
        qualifier: cli.qualifier.clone(),
        tenant_id: cli.tenant_id.clone(),
        durable_execution_name: cli.durable_execution_name.clone(),
    };
    if cli.stream {
        let request = ValidStreamRequest::new(request).map_err(|e| Usage(e.message))?;
        return Ok(Prepared::Stream(target::client(cli)?, request));
    }
    let request = request.into_valid().map_err(|e| Usage(e.message))?;
    Ok(Prepared::Invoke(target::client(cli)?, request))
}

/// clap has checked the value against the same list: this cannot fail, but
/// the core's parser stays the one authority.
fn parse_option<T>(value: &str) -> Result<T, Usage>
where
    T: std::str::FromStr<Err = xk6_lambda::InvokeError>,
{
    value
        .parse()
        .map_err(|e: xk6_lambda::InvokeError| Usage(e.message))
}

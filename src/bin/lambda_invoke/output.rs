//! What the invocation's outcome prints, and the exit code it gives.

use std::io::Write;

use xk6_lambda::error::ErrorCode;
use xk6_lambda::{ErrorKind, InvocationResponse, InvokeError, Invoked};

use crate::args::OutputFormat;
use crate::json;
use crate::{EXIT_FAILED, EXIT_FUNCTION_ERROR, EXIT_OK, EXIT_USAGE};

/// Where the output goes. Write errors (a closed pipe: `| head`) are
/// ignored: there is no one left to tell.
pub struct Streams<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    /// A person reads stdout: end the text payload with a newline.
    pub out_is_terminal: bool,
}

/// Prints the outcome as `format` says; returns the exit code.
pub fn report(invoked: &Invoked, format: OutputFormat, streams: &mut Streams<'_>) -> u8 {
    if format == OutputFormat::Response {
        // Exactly what k6 gets, success or failure.
        let mut json = invoked.to_json();
        json.push(b'\n');
        let _ = streams.out.write_all(&json);
    }
    let code = match &invoked.result {
        Ok(response) => report_response(response, format, streams),
        Err(error) => report_error(error, streams),
    };
    let _ = streams.out.flush();
    code
}

fn report_response(
    response: &InvocationResponse,
    format: OutputFormat,
    streams: &mut Streams<'_>,
) -> u8 {
    if let Some(log) = &response.log_result {
        let _ = write!(streams.err, "{log}");
        if !log.ends_with('\n') {
            let _ = writeln!(streams.err);
        }
    }
    if let Some(kind) = &response.function_error {
        let _ = writeln!(
            streams.err,
            "{}",
            function_error_line(kind, &response.payload)
        );
        return EXIT_FUNCTION_ERROR;
    }
    // Event and DryRun have no payload: nothing to print in any format.
    if response.payload.is_empty() {
        return EXIT_OK;
    }
    match format {
        OutputFormat::Response => EXIT_OK,
        OutputFormat::Text => {
            let _ = streams.out.write_all(response.payload.as_bytes());
            if streams.out_is_terminal && !response.payload.ends_with('\n') {
                let _ = writeln!(streams.out);
            }
            EXIT_OK
        }
        OutputFormat::Json => match json::pretty(&response.payload) {
            Ok(pretty) => {
                let _ = writeln!(streams.out, "{pretty}");
                EXIT_OK
            }
            Err(e) => {
                let _ = writeln!(
                    streams.err,
                    "error: --output-format json: the payload is not JSON ({e}); \
                     --output-format text prints it as it is. It begins: {}",
                    excerpt(&response.payload)
                );
                EXIT_FUNCTION_ERROR
            }
        },
    }
}

/// `errorType: errorMessage` from the runtime's error payload; else, as
/// k6-jslib-aws words it, `Unhandled: <payload>`.
pub fn function_error_line(kind: &str, payload: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(payload).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    match (field("errorType"), field("errorMessage")) {
        (Some(error_type), Some(message)) => format!("{error_type}: {message}"),
        (Some(error_type), None) => error_type,
        (None, Some(message)) => format!("{kind}: {message}"),
        (None, None) => format!("{kind}: {}", payload.trim()),
    }
}

pub fn report_error(error: &InvokeError, streams: &mut Streams<'_>) -> u8 {
    if error.kind == ErrorKind::Validation {
        // Refused before sending: an argument's fault.
        let _ = writeln!(streams.err, "error: {}", error.message);
        return EXIT_USAGE;
    }
    let mut details = Vec::new();
    if let Some(status) = error.status_code {
        details.push(format!("HTTP {status}"));
    }
    if let Some(id) = &error.request_id {
        details.push(format!("request ID {id}"));
    }
    if let Some(seconds) = error.retry_after_seconds {
        details.push(format!("retry after {seconds}s"));
    }
    if let ErrorCode::Number(code) = error.code {
        details.push(format!("k6 error code {code}"));
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    let _ = writeln!(streams.err, "{}: {}{details}", error.name, error.message);
    EXIT_FAILED
}

/// The first 200 characters, for an error message.
fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(payload: &str) -> Invoked {
        Invoked {
            result: Ok(InvocationResponse {
                status_code: 200,
                executed_version: None,
                log_result: None,
                payload: payload.into(),
                function_error: None,
                report: None,
                durable_execution_arn: None,
            }),
            wire: Default::default(),
        }
    }

    /// (exit code, stdout, stderr)
    fn render(invoked: &Invoked, format: OutputFormat, terminal: bool) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = report(
            invoked,
            format,
            &mut Streams {
                out: &mut out,
                err: &mut err,
                out_is_terminal: terminal,
            },
        );
        let text = |bytes| String::from_utf8(bytes).unwrap();
        (code, text(out), text(err))
    }

    #[test]
    fn text_gets_a_newline_on_a_terminal_only() {
        let three = ok("3");
        assert_eq!(render(&three, OutputFormat::Text, false).1, "3");
        assert_eq!(render(&three, OutputFormat::Text, true).1, "3\n");
        assert_eq!(render(&ok("3\n"), OutputFormat::Text, true).1, "3\n");
    }

    #[test]
    fn empty_payloads_print_nothing_in_text_and_json() {
        for format in [OutputFormat::Text, OutputFormat::Json] {
            assert_eq!(
                render(&ok(""), format, true),
                (EXIT_OK, "".into(), "".into())
            );
        }
    }

    #[test]
    fn function_error_lines() {
        assert_eq!(
            function_error_line(
                "Handled",
                r#"{"errorType":"ValidationError","errorMessage":"x must be a number"}"#
            ),
            "ValidationError: x must be a number"
        );
        assert_eq!(
            function_error_line("Unhandled", "Process exited\n"),
            "Unhandled: Process exited"
        );
        assert_eq!(
            function_error_line("Unhandled", r#"{"errorType":"Boom"}"#),
            "Boom"
        );
        assert_eq!(
            function_error_line("Handled", r#"{"errorMessage":"no type"}"#),
            "Handled: no type"
        );
    }

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(300);
        assert_eq!(excerpt(&long).chars().count(), 203);
    }
}

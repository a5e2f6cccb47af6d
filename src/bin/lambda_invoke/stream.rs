//! `--stream` (InvokeWithResponseStream) and `--function-url`: the answer
//! is printed as it arrives, each chunk flushed; what it was (status,
//! chunks, time to the first, the log and its REPORT line) goes to stderr
//! at the end.

use std::io::Write;
use std::time::Duration;

use xk6_lambda::runtime::runtime;
use xk6_lambda::{Client, StreamEvent, StreamStats, Streamed, ValidStreamRequest, ValidUrlRequest};

use crate::args::OutputFormat;
use crate::output::{function_error_line, report_error, Streams};
use crate::{EXIT_FUNCTION_ERROR, EXIT_OK};

/// InvokeWithResponseStream; returns the exit code.
pub fn invoke(
    client: &Client,
    request: ValidStreamRequest,
    format: OutputFormat,
    streams: &mut Streams<'_>,
) -> u8 {
    let (streamed, ends_line) = call(format, streams, |on_event| {
        runtime().block_on(client.invoke_stream(request, on_event, std::future::pending()))
    });
    finish(
        &streamed,
        ends_line,
        format,
        streams,
        |response, streams| {
            let mut line = summary(
                &format!("status {}", response.status_code),
                &streamed.stats,
                streamed.wire.duration_ns,
            );
            if let Some(version) = &response.executed_version {
                line.push_str(&format!(", executed version {version}"));
            }
            let _ = writeln!(streams.err, "{line}");
            if let Some(log) = &response.log_result {
                let _ = write!(streams.err, "{log}");
                if !log.ends_with('\n') {
                    let _ = writeln!(streams.err);
                }
            }
            match &response.error_code {
                Some(code) => {
                    let details = response.error_details.as_deref().unwrap_or("");
                    let _ = writeln!(streams.err, "{}", function_error_line(code, details));
                    EXIT_FUNCTION_ERROR
                }
                None => EXIT_OK,
            }
        },
    )
}

/// A function URL request; returns the exit code (1 for an HTTP status
/// from 400).
pub fn url(
    client: &Client,
    request: ValidUrlRequest,
    format: OutputFormat,
    streams: &mut Streams<'_>,
) -> u8 {
    let (streamed, ends_line) = call(format, streams, |on_event| {
        runtime().block_on(client.invoke_url(request, on_event, std::future::pending()))
    });
    finish(
        &streamed,
        ends_line,
        format,
        streams,
        |response, streams| {
            let status = response.status_code;
            let _ = writeln!(
                streams.err,
                "{}",
                summary(
                    &format!("HTTP {status}"),
                    &streamed.stats,
                    streamed.wire.duration_ns
                )
            );
            if status >= 400 {
                let _ = writeln!(
                    streams.err,
                    "error: the function URL answered HTTP {status}{}",
                    response
                        .header("x-amzn-errortype")
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                );
                EXIT_FUNCTION_ERROR
            } else {
                EXIT_OK
            }
        },
    )
}

/// Runs the call with a callback that prints each chunk to stdout as it
/// comes (text format) and notes whether the last one ended a line.
fn call<T>(
    format: OutputFormat,
    streams: &mut Streams<'_>,
    run: impl FnOnce(&mut (dyn FnMut(StreamEvent) + Send)) -> Streamed<T>,
) -> (Streamed<T>, bool) {
    let print = format == OutputFormat::Text;
    let mut ends_line = true;
    // The callback runs on this thread (block_on), but must be Send: it
    // writes to its own handle on stdout.
    let mut on_event = |event: StreamEvent| {
        let StreamEvent::Chunk(chunk) = event else {
            return;
        };
        if print && !chunk.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&chunk);
            let _ = out.flush();
            ends_line = chunk.ends_with(b"\n");
        }
    };
    let streamed = run(&mut on_event);
    let _ = streams.out.flush();
    (streamed, ends_line)
}

fn finish<T: serde::Serialize>(
    streamed: &Streamed<T>,
    ends_line: bool,
    format: OutputFormat,
    streams: &mut Streams<'_>,
    report: impl FnOnce(&T, &mut Streams<'_>) -> u8,
) -> u8 {
    if format == OutputFormat::Text && streams.out_is_terminal && !ends_line {
        let _ = writeln!(streams.out);
    }
    if format == OutputFormat::Response {
        let mut json = streamed.to_json();
        json.push(b'\n');
        let _ = streams.out.write_all(&json);
    }
    let code = match &streamed.result {
        Ok(response) => report(response, streams),
        Err(error) => {
            if streamed.stats.chunks > 0 {
                let _ = writeln!(
                    streams.err,
                    "{}",
                    summary("failed", &streamed.stats, streamed.wire.duration_ns)
                );
            }
            report_error(error, streams)
        }
    };
    let _ = streams.out.flush();
    code
}

/// `status 200, 3 chunks (24 bytes), first chunk after 12.345 ms, 1003.210 ms in all`.
fn summary(what: &str, stats: &StreamStats, duration_ns: Option<u64>) -> String {
    let mut line = format!(
        "{what}, {} chunk{} ({} bytes)",
        stats.chunks,
        if stats.chunks == 1 { "" } else { "s" },
        stats.payload_bytes
    );
    if let Some(first) = stats.time_to_first_chunk_ns {
        line.push_str(&format!(", first chunk after {}", millis(first)));
    }
    if let Some(all) = duration_ns {
        line.push_str(&format!(", {} in all", millis(all)));
    }
    line
}

fn millis(ns: u64) -> String {
    format!("{:.3} ms", Duration::from_nanos(ns).as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        let stats = StreamStats {
            chunks: 3,
            payload_bytes: 24,
            time_to_first_chunk_ns: Some(12_345_000),
        };
        assert_eq!(
            summary("status 200", &stats, Some(1_003_210_000)),
            "status 200, 3 chunks (24 bytes), first chunk after 12.345 ms, 1003.210 ms in all"
        );
        let one = StreamStats {
            chunks: 1,
            payload_bytes: 0,
            time_to_first_chunk_ns: None,
        };
        assert_eq!(
            summary("HTTP 204", &one, None),
            "HTTP 204, 1 chunk (0 bytes)"
        );
    }
}

//! The Tail log readers: `Report::from_log` (the REPORT line) and
//! `response::decode_log` (the `X-Amz-Log-Result` header), on arbitrary text.
//!
//! Input: the whole input, as text (invalid UTF-8 replaced), is both a log
//! and a header value.

use base64::Engine;
use xk6_lambda::response::decode_log;
use xk6_lambda::Report;

/// One input: the fuzzer's (`fuzz/fuzz_targets`), or a corpus file's
/// (`tests/fuzz_replay.rs`).
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);

    let report = Report::from_log(&text);
    if let Some(report) = report {
        check(&report, &text);
    }

    // A header that is not base64 comes back as it was.
    let decoded = decode_log(&text);
    if base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .is_err()
    {
        assert_eq!(decoded, text, "a header that is not base64 is kept");
    }
    if let Some(report) = Report::from_log(&decoded) {
        check(&report, &decoded);
    }

    // What Lambda sends: the log, base64-encoded. Decoding gives the log
    // back, and so the same report.
    let header = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let round_trip = decode_log(&header);
    assert_eq!(round_trip, text, "base64 round trip");
    assert_eq!(Report::from_log(&round_trip), report);
}

/// What the Go shim and k6's metrics rely on: every number is a real
/// measurement (finite, not negative), and the JSON has them all as numbers.
fn check(report: &Report, log: &str) {
    assert!(
        log.lines().any(|line| {
            let line = line.trim_start();
            line.starts_with("REPORT RequestId:")
                || (line.starts_with('{') && line.contains("platform.report"))
        }),
        "a report without a REPORT line or a platform.report event"
    );
    let mut numbers = vec![
        ("durationMs", report.duration_ms),
        ("billedDurationMs", report.billed_duration_ms),
        ("memorySizeMB", report.memory_size_mb),
        ("maxMemoryUsedMB", report.max_memory_used_mb),
    ];
    if let Some(init) = report.init_duration_ms {
        numbers.push(("initDurationMs", init));
    }
    if let Some(restore) = report.restore_duration_ms {
        numbers.push(("restoreDurationMs", restore));
    }
    if let Some(billed) = report.billed_restore_duration_ms {
        numbers.push(("billedRestoreDurationMs", billed));
    }
    let json: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(report).expect("a report serializes"))
            .expect("a report's JSON parses");
    for (name, value) in numbers {
        assert!(
            value.is_finite() && value >= 0.0,
            "{name} is {value} in {report:?}"
        );
        assert!(
            json[name].is_number(),
            "{name} is {} in the JSON",
            json[name]
        );
    }
    for (name, present) in [
        ("initDurationMs", report.init_duration_ms.is_some()),
        ("restoreDurationMs", report.restore_duration_ms.is_some()),
        (
            "billedRestoreDurationMs",
            report.billed_restore_duration_ms.is_some(),
        ),
    ] {
        assert_eq!(json.get(name).is_some(), present, "{name} in {json}");
    }
}

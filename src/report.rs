//! The `REPORT` line Lambda appends to a function's log: what Lambda itself
//! measured for the invocation. It reaches the client in the Tail log.
//!
//! `REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\t
//! Memory Size: 128 MB\tMax Memory Used: 64 MB\t[Init Duration: 123.45 ms\t]`
//!
//! A SnapStart function's REPORT has, on the invocation that restored a
//! new execution environment from its snapshot, `Restore Duration: 312.50
//! ms\tBilled Restore Duration: 180 ms\t` instead of an `Init Duration`
//! (its Init ran when the version was published; "Monitoring for Lambda
//! SnapStart", AWS Lambda Developer Guide).
//!
//! With the JSON log format, the same figures come as a `platform.report`
//! event: `{"type":"platform.report","record":{"requestId":"...",
//! "metrics":{"durationMs":12.34,"billedDurationMs":13,"memorySizeMB":128,
//! "maxMemoryUsedMB":64,"initDurationMs":123.45}}}`, and for a restore
//! `"restoreDurationMs"` and `"billedRestoreDurationMs"`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub duration_ms: f64,
    pub billed_duration_ms: f64,
    #[serde(rename = "memorySizeMB")]
    pub memory_size_mb: f64,
    #[serde(rename = "maxMemoryUsedMB")]
    pub max_memory_used_mb: f64,
    /// Present on a cold start only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
    /// SnapStart: present when the invocation restored a new execution
    /// environment from the snapshot (a cold start without an Init).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_duration_ms: Option<f64>,
    /// SnapStart: the part of the restore that is billed (loading the
    /// runtime and the after-restore hooks; not the snapshot's restore).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billed_restore_duration_ms: Option<f64>,
}

impl Report {
    /// Finds the last report of a log, a text REPORT line or a JSON
    /// `platform.report` event, and reads its fields. `None` when there is
    /// none, or it lacks the duration (a log cut mid-line). A text field
    /// that is not a measurement (finite, not negative) is taken as absent;
    /// a JSON report with one is no report.
    pub fn from_log(log: &str) -> Option<Report> {
        log.lines().rev().find_map(|line| {
            let line = line.trim_start();
            if line.starts_with("REPORT RequestId:") {
                Self::from_text_line(line)
            } else if line.starts_with('{') && line.contains("platform.report") {
                Self::from_json_line(line)
            } else {
                None
            }
        })
    }

    fn from_json_line(line: &str) -> Option<Report> {
        #[derive(Deserialize)]
        struct Event {
            #[serde(rename = "type")]
            kind: String,
            record: Record,
        }
        #[derive(Deserialize)]
        struct Record {
            metrics: Metrics,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Metrics {
            duration_ms: f64,
            #[serde(default)]
            billed_duration_ms: f64,
            #[serde(default, rename = "memorySizeMB")]
            memory_size_mb: f64,
            #[serde(default, rename = "maxMemoryUsedMB")]
            max_memory_used_mb: f64,
            init_duration_ms: Option<f64>,
            restore_duration_ms: Option<f64>,
            billed_restore_duration_ms: Option<f64>,
        }
        let event: Event = serde_json::from_str(line).ok()?;
        if event.kind != "platform.report" {
            return None;
        }
        let m = event.record.metrics;
        let report = Report {
            duration_ms: m.duration_ms,
            billed_duration_ms: m.billed_duration_ms,
            memory_size_mb: m.memory_size_mb,
            max_memory_used_mb: m.max_memory_used_mb,
            init_duration_ms: m.init_duration_ms,
            restore_duration_ms: m.restore_duration_ms,
            billed_restore_duration_ms: m.billed_restore_duration_ms,
        };
        report.is_plausible().then_some(report)
    }

    /// Figures a k6 Trend can take: finite and not negative.
    fn is_plausible(&self) -> bool {
        [
            self.duration_ms,
            self.billed_duration_ms,
            self.memory_size_mb,
            self.max_memory_used_mb,
            self.init_duration_ms.unwrap_or_default(),
            self.restore_duration_ms.unwrap_or_default(),
            self.billed_restore_duration_ms.unwrap_or_default(),
        ]
        .iter()
        .all(|n| n.is_finite() && *n >= 0.0)
    }

    fn from_text_line(line: &str) -> Option<Report> {
        let mut report = Report::default();
        let mut has_duration = false;
        for field in line.split('\t') {
            let Some((key, value)) = field.split_once(':') else {
                continue;
            };
            // A measurement: finite and not negative. f64's parser also
            // takes `NaN`, `inf`, `-1` and `1e999` (infinite), which no
            // REPORT line holds; such a field is taken as absent.
            let number = || {
                value
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<f64>().ok())
                    .filter(|n| n.is_finite() && *n >= 0.0)
            };
            match key.trim() {
                "Duration" => {
                    report.duration_ms = number()?;
                    has_duration = true;
                }
                "Billed Duration" => report.billed_duration_ms = number().unwrap_or_default(),
                "Memory Size" => report.memory_size_mb = number().unwrap_or_default(),
                "Max Memory Used" => report.max_memory_used_mb = number().unwrap_or_default(),
                "Init Duration" => report.init_duration_ms = number(),
                "Restore Duration" => report.restore_duration_ms = number(),
                "Billed Restore Duration" => report.billed_restore_duration_ms = number(),
                _ => {}
            }
        }
        has_duration.then_some(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_json_platform_report() {
        let log = concat!(
            r#"{"time":"2026-11-24T10:00:00.000Z","type":"platform.start","record":{"requestId":"1","version":"$LATEST"}}"#,
            "\n",
            r#"{"time":"2026-11-24T10:00:00.100Z","type":"platform.report","record":{"requestId":"1","metrics":{"durationMs":12.34,"billedDurationMs":13,"memorySizeMB":128,"maxMemoryUsedMB":64,"initDurationMs":120.5},"status":"success"}}"#,
            "\n"
        );
        assert_eq!(
            Report::from_log(log),
            Some(Report {
                duration_ms: 12.34,
                billed_duration_ms: 13.0,
                memory_size_mb: 128.0,
                max_memory_used_mb: 64.0,
                init_duration_ms: Some(120.5),
                restore_duration_ms: None,
                billed_restore_duration_ms: None,
            })
        );
        let warm = r#"{"type":"platform.report","record":{"metrics":{"durationMs":1.5,"billedDurationMs":2,"memorySizeMB":256,"maxMemoryUsedMB":30}}}"#;
        assert_eq!(Report::from_log(warm).unwrap().init_duration_ms, None);
        // Another event type, or a report cut short, is no report.
        assert_eq!(
            Report::from_log(
                r#"{"type":"platform.runtimeDone","record":{"metrics":{"durationMs":1}}}"#
            ),
            None
        );
        assert_eq!(
            Report::from_log(r#"{"type":"platform.report","record":{"metrics":{"durat"#),
            None
        );
    }

    #[test]
    fn refuses_figures_a_trend_cannot_take() {
        let line = "REPORT RequestId: 1\tDuration: NaN ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t";
        assert_eq!(Report::from_log(line), None);
        let negative = r#"{"type":"platform.report","record":{"metrics":{"durationMs":1,"billedDurationMs":-1,"memorySizeMB":128,"maxMemoryUsedMB":64}}}"#;
        assert_eq!(Report::from_log(negative), None);
    }

    const WARM: &str = "START RequestId: 1 Version: $LATEST\nhello\nEND RequestId: 1\nREPORT RequestId: 1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n";

    #[test]
    fn reads_a_warm_report() {
        let report = Report::from_log(WARM).unwrap();
        assert_eq!(report.duration_ms, 12.34);
        assert_eq!(report.billed_duration_ms, 13.0);
        assert_eq!(report.memory_size_mb, 128.0);
        assert_eq!(report.max_memory_used_mb, 64.0);
        assert_eq!(report.init_duration_ms, None);
    }

    #[test]
    fn reads_a_cold_start() {
        let log = WARM.replace("64 MB\t", "64 MB\tInit Duration: 123.45 ms\t");
        assert_eq!(
            Report::from_log(&log).unwrap().init_duration_ms,
            Some(123.45)
        );
        let json = serde_json::to_string(&Report::from_log(&log).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"durationMs":12.34,"billedDurationMs":13.0,"memorySizeMB":128.0,"maxMemoryUsedMB":64.0,"initDurationMs":123.45}"#
        );
    }

    /// SnapStart: a restored environment's REPORT, text and JSON.
    #[test]
    fn reads_a_snapstart_restore() {
        let log = WARM.replace(
            "64 MB\t",
            "64 MB\tRestore Duration: 312.50 ms\tBilled Restore Duration: 180 ms\t",
        );
        let report = Report::from_log(&log).unwrap();
        assert_eq!(report.restore_duration_ms, Some(312.5));
        assert_eq!(report.billed_restore_duration_ms, Some(180.0));
        assert_eq!(report.init_duration_ms, None, "a restore is no init");
        assert_eq!(report.billed_duration_ms, 13.0);
        let json = serde_json::to_string(&report).unwrap();
        assert_eq!(
            json,
            r#"{"durationMs":12.34,"billedDurationMs":13.0,"memorySizeMB":128.0,"maxMemoryUsedMB":64.0,"restoreDurationMs":312.5,"billedRestoreDurationMs":180.0}"#
        );
        let warm = Report::from_log(WARM).unwrap();
        assert_eq!(
            (warm.restore_duration_ms, warm.billed_restore_duration_ms),
            (None, None)
        );
        let event = r#"{"type":"platform.report","record":{"requestId":"1","metrics":{"durationMs":20.65,"billedDurationMs":21,"memorySizeMB":512,"maxMemoryUsedMB":112,"restoreDurationMs":401.51,"billedRestoreDurationMs":235}}}"#;
        let report = Report::from_log(event).unwrap();
        assert_eq!(report.restore_duration_ms, Some(401.51));
        assert_eq!(report.billed_restore_duration_ms, Some(235.0));
        assert_eq!(report.init_duration_ms, None);
        // A restore figure that is no measurement: absent in text, no
        // report in JSON (as the other figures).
        let log = WARM.replace(
            "64 MB\t",
            "64 MB\tRestore Duration: NaN ms\tBilled Restore Duration: -1 ms\t",
        );
        let report = Report::from_log(&log).unwrap();
        assert_eq!(
            (
                report.restore_duration_ms,
                report.billed_restore_duration_ms
            ),
            (None, None)
        );
        assert_eq!(Report::from_log(&event.replace("401.51", "-401.51")), None);
    }

    #[test]
    fn numbers_that_are_no_measurement_are_not_read() {
        // f64's parser takes these; a duration or a memory size is none of
        // them (k6 would record them in its Trends, or get `null` in the
        // JSON). Without a Duration, there is no report.
        for bad in [
            "NaN", "nan", "inf", "-inf", "infinity", "1e999", "-1", "-0.5",
        ] {
            let log = WARM.replace("12.34 ms", &format!("{bad} ms"));
            assert_eq!(Report::from_log(&log), None, "Duration: {bad}");
            let log = WARM
                .replace("13 ms", &format!("{bad} ms"))
                .replace("128 MB", &format!("{bad} MB"))
                .replace("64 MB\t", &format!("64 MB\tInit Duration: {bad} ms\t"));
            let report = Report::from_log(&log).unwrap();
            assert_eq!(report.billed_duration_ms, 0.0, "{bad}");
            assert_eq!(report.memory_size_mb, 0.0, "{bad}");
            assert_eq!(report.init_duration_ms, None, "{bad}");
        }
    }

    #[test]
    fn no_report_no_result() {
        assert_eq!(Report::from_log("just a log line\n"), None);
        assert_eq!(Report::from_log("REPORT RequestId: 1\tDur"), None);
    }
}

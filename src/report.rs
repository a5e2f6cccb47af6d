//! The `REPORT` line Lambda appends to a function's log: what Lambda itself
//! measured for the invocation. It reaches the client in the Tail log.
//!
//! `REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\t
//! Memory Size: 128 MB\tMax Memory Used: 64 MB\t[Init Duration: 123.45 ms\t]`

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
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
}

impl Report {
    /// Finds the last REPORT line of a log and reads its fields. `None` when
    /// there is none, or it lacks Duration (a log cut mid-line). A field
    /// that is not a measurement (finite, not negative) is taken as absent.
    pub fn from_log(log: &str) -> Option<Report> {
        let line = log
            .lines()
            .rev()
            .find(|line| line.starts_with("REPORT RequestId:"))?;
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
                _ => {}
            }
        }
        has_duration.then_some(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Retries, off by default (`maxAttempts: 1`): a load test should see
//! throttling, not hide it. With more attempts, the SDK's standard policy:
//! retry throttling, 5xx and transient network errors, after a full-jitter
//! exponential backoff (1 s base, 20 s cap), or the server's Retry-After.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{ErrorKind, InvokeError};
use crate::response::InvocationResponse;

const BASE: Duration = Duration::from_secs(1);
const CAP: Duration = Duration::from_secs(20);

pub async fn attempts<F, Fut>(
    max_attempts: u32,
    mut attempt: F,
) -> Result<InvocationResponse, InvokeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<InvocationResponse, InvokeError>>,
{
    let mut made = 1;
    loop {
        let result = attempt().await;
        match &result {
            Err(error) if made < max_attempts && retryable(error) => {
                tokio::time::sleep(backoff(made, error.retry_after_seconds)).await;
                made += 1;
            }
            _ => return result,
        }
    }
}

fn retryable(error: &InvokeError) -> bool {
    match error.kind {
        ErrorKind::Network => true,
        ErrorKind::Service => matches!(error.status_code, Some(429 | 500 | 502 | 503 | 504)),
        _ => false,
    }
}

fn backoff(attempt: u32, retry_after_seconds: Option<u64>) -> Duration {
    if let Some(seconds) = retry_after_seconds {
        return Duration::from_secs(seconds).min(CAP);
    }
    let ceiling = BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(CAP);
    ceiling.mul_f64(jitter())
}

/// A number in [0, 1): the jitter need not be cryptographic, only spread.
fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    let mut x = nanos ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_honours_retry_after_and_the_cap() {
        assert_eq!(backoff(1, Some(2)), Duration::from_secs(2));
        assert_eq!(backoff(1, Some(600)), CAP);
        for attempt in 1..10 {
            assert!(backoff(attempt, None) < CAP);
        }
    }

    #[test]
    fn only_transient_errors_are_retried() {
        let mut throttled =
            InvokeError::service("TooManyRequestsException".into(), "x".into(), 429, None);
        assert!(retryable(&throttled));
        throttled.status_code = Some(404);
        assert!(!retryable(&throttled));
        assert!(!retryable(&InvokeError::validation("name", "x")));
        assert!(!retryable(&InvokeError::cancelled()));
    }
}

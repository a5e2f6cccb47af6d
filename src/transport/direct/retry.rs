//! Retries, off by default (`maxAttempts: 1`): a load test should see
//! throttling, not hide it. With more attempts, the SDK's standard policy:
//! retry throttling, 5xx and transient network errors, after a full-jitter
//! exponential backoff (1 s base, 20 s cap), or the server's Retry-After.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
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

pub(super) fn retryable(error: &InvokeError) -> bool {
    match error.kind {
        ErrorKind::Network => !error.not_retryable,
        ErrorKind::Service => matches!(error.status_code, Some(429 | 500 | 502 | 503 | 504)),
        _ => false,
    }
}

pub(super) fn backoff(attempt: u32, retry_after_seconds: Option<u64>) -> Duration {
    if let Some(seconds) = retry_after_seconds {
        return Duration::from_secs(seconds).min(CAP);
    }
    let ceiling = BASE
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(CAP);
    ceiling.mul_f64(jitter())
}

/// A number in [0, 1), spread uniformly: SipHash with the process's random
/// keys (fresh per `RandomState`) over the clock. It need not be
/// cryptographic; it must differ between clients so their retries spread.
fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(nanos);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
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
    fn jitter_spreads_over_the_whole_range() {
        let samples: Vec<f64> = (0..2000).map(|_| jitter()).collect();
        assert!(samples.iter().all(|j| (0.0..1.0).contains(j)));
        let low = samples.iter().filter(|&&j| j < 0.25).count();
        let high = samples.iter().filter(|&&j| j >= 0.75).count();
        // Uniform: about 500 each; a stuck generator gives 0 in one.
        assert!(low > 300 && high > 300, "low {low}, high {high}");
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
        let mut malformed =
            InvokeError::network("GeneralError", 1000, "invalid HTTP header parsed".into());
        assert!(retryable(&malformed));
        malformed.not_retryable = true;
        assert!(!retryable(&malformed));
    }
}

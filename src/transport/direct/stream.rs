//! InvokeWithResponseStream on the direct transport: Invoke's request
//! (same validation, headers and signature) on the streaming path
//! (`POST /2021-11-15/functions/{name}/response-streaming-invocations`),
//! its event stream read as it arrives (`crate::stream::read`).
//!
//! Retries follow `maxAttempts` as Invoke's do (throttling, 5xx, network
//! errors), and never once a 2xx answer has begun: the function is
//! running, and chunks may have been handed out already. The client's
//! `timeout` bounds the whole call, the stream to its InvokeComplete
//! included: a stream that stalls ends there (k6's 1050).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::request::Operation;
use super::{send, Transport};
use crate::error::{k6_code, InvokeError};
use crate::metering::Traffic;
use crate::request::InvokeRequest;
use crate::stream::{read, Progress, StreamResponse};

/// Makes attempts (`$attempt`, an expression giving the attempt's future,
/// re-evaluated each time) until one succeeds or fails for good, within the
/// transport's timeout: the retries of Invoke (`max_attempts`; throttling,
/// 5xx and network errors), never once an answer began, since its chunks
/// may have been handed out already.
///
/// A macro, not a function: each attempt borrows `$progress` mutably and
/// the check after it reads it, which a function taking the attempt as a
/// closure cannot express with a future that stays `Send`.
macro_rules! with_retries {
    ($transport:expr, $progress:ident, $attempt:expr) => {{
        let (max_attempts, timeout) = ($transport.max_attempts, $transport.timeout);
        let attempts = async {
            let mut made = 1;
            loop {
                match $attempt.await {
                    Err(error)
                        if made < max_attempts
                            && !$progress.began
                            && super::retry::retryable(&error) =>
                    {
                        let pause = super::retry::backoff(made, error.retry_after_seconds);
                        tokio::time::sleep(pause).await;
                        made += 1;
                    }
                    other => break other,
                }
            }
        };
        let result = tokio::time::timeout(timeout, attempts).await;
        result.unwrap_or_else(|_| Err(super::stream::timed_out(timeout, $progress)))
    }};
}
pub(super) use with_retries;

impl Transport {
    /// One InvokeWithResponseStream call, retries included, bounded by the
    /// client's timeout; chunks go to `progress` as they are decoded.
    pub(crate) async fn invoke_stream(
        &self,
        mut request: InvokeRequest,
        traffic: &Arc<Traffic>,
        progress: &mut Progress<'_>,
    ) -> Result<StreamResponse, InvokeError> {
        let body = Bytes::from(std::mem::take(&mut request.payload));
        with_retries!(
            self,
            progress,
            self.stream_attempt(&request, &body, traffic, progress)
        )
    }

    async fn stream_attempt(
        &self,
        request: &InvokeRequest,
        body: &Bytes,
        traffic: &Arc<Traffic>,
        progress: &mut Progress<'_>,
    ) -> Result<StreamResponse, InvokeError> {
        // Invoke's request on the streaming path: the same headers and
        // signer (request.rs).
        let request = self
            .prepare(Operation::InvokeWithResponseStream, request, body, traffic)
            .await?;
        let answer = send(&self.network, request).await?;
        read::event_stream(answer, traffic, progress).await
    }
}

/// The client's timeout passed: before the answer, or in the middle of
/// the stream.
pub(super) fn timed_out(timeout: Duration, progress: &Progress<'_>) -> InvokeError {
    InvokeError::network(
        "GeneralError",
        k6_code::REQUEST_TIMEOUT,
        format!(
            "request timeout: the answer did not end within {timeout:?} (the client's timeout \
             option, which bounds the whole call, the stream included); it stopped {}",
            progress.so_far()
        ),
    )
}

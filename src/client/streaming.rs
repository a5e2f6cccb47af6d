//! The client's streamed calls: InvokeWithResponseStream and function
//! URLs. Each takes a callback that receives the chunks as they arrive
//! and a cancellation future: when it completes first, the call stops at
//! once (its connection is dropped, not drained) and the outcome is a
//! `CancelledError` with what was received until then.
//!
//! The callback runs on the task that reads the answer (a thread of the
//! runtime), between two reads: it must return promptly, as the C ABI's
//! completion callbacks must. There is no backpressure: the stream is
//! read as fast as it comes, and the chunks are also kept, joined, for
//! the response's `payload`.

use std::future::Future;
use std::sync::Arc;

use super::Client;
use crate::error::InvokeError;
use crate::metering::Traffic;
use crate::outcome::WireStats;
use crate::stream::{
    Progress, StreamEvent, StreamResponse, Streamed, UrlResponse, ValidStreamRequest,
    ValidUrlRequest,
};
use crate::transport::sdk;

impl Client {
    /// InvokeWithResponseStream: `on_event` receives each `PayloadChunk` as
    /// it is decoded; the outcome comes once `InvokeComplete` has (or the
    /// call failed, timed out or was cancelled).
    ///
    /// Validation, signing, endpoint, credentials, network policy and
    /// error taxonomy are `invoke`'s. Retries (`maxAttempts`) happen only
    /// before a 2xx answer began, so never after a chunk was delivered. The
    /// client's `timeout` bounds the whole call, stream included.
    ///
    /// A function error (InvokeComplete with an ErrorCode) is a response
    /// with `error_code` set, not an `Err`. With `transport: 'sdk'`,
    /// aws-sdk-lambda sends it and reads the stream (see
    /// `transport::sdk::stream` for what its reader checks less).
    pub async fn invoke_stream<F, C>(
        &self,
        request: ValidStreamRequest,
        mut on_event: F,
        cancel: C,
    ) -> Streamed<StreamResponse>
    where
        F: FnMut(StreamEvent) + Send,
        C: Future<Output = ()>,
    {
        let traffic = Arc::new(Traffic::default());
        let mut progress = Progress::new(&mut on_event);
        let result = {
            let work = async {
                let backend = self.backend().await?;
                match &backend.direct {
                    Some(transport) => {
                        transport
                            .invoke_stream(request.into_inner(), &traffic, &mut progress)
                            .await
                    }
                    None => {
                        sdk::invoke_stream(
                            &backend.sdk,
                            request.into_inner(),
                            self.config.timeout(),
                            &traffic,
                            &mut progress,
                        )
                        .await
                    }
                }
            };
            cancellable(work, cancel).await
        };
        finish(result, &progress, &traffic)
    }

    /// A request to a Lambda function URL, signed with the client's
    /// credentials and region (IAM auth): `on_event` receives the body's
    /// pieces as they arrive; any HTTP answer is a response. Network
    /// errors, the timeout and cancellation are as for `invoke_stream`.
    pub async fn invoke_url<F, C>(
        &self,
        request: ValidUrlRequest,
        mut on_event: F,
        cancel: C,
    ) -> Streamed<UrlResponse>
    where
        F: FnMut(StreamEvent) + Send,
        C: Future<Output = ()>,
    {
        let traffic = Arc::new(Traffic::default());
        let mut progress = Progress::new(&mut on_event);
        let result = {
            let work = async {
                let backend = self.backend().await?;
                backend.url.send(&request, &traffic, &mut progress).await
            };
            cancellable(work, cancel).await
        };
        finish(result, &progress, &traffic)
    }
}

/// Runs `work` unless `cancel` completes first; then `work` is dropped
/// where it is (a body being read is dropped, which closes its
/// connection).
async fn cancellable<T>(
    work: impl Future<Output = Result<T, InvokeError>>,
    cancel: impl Future<Output = ()>,
) -> Result<T, InvokeError> {
    tokio::select! {
        biased;
        () = cancel => Err(InvokeError::cancelled()),
        result = work => result,
    }
}

fn finish<T>(
    result: Result<T, InvokeError>,
    progress: &Progress<'_>,
    traffic: &Traffic,
) -> Streamed<T> {
    let mut wire = WireStats::measure(traffic);
    if matches!(&result, Err(e) if e.by_policy) && wire.bytes_sent == 0 {
        // Refused by the test's own network options before a byte left.
        wire.duration_ns = None;
    }
    Streamed {
        result,
        stats: progress.stats,
        wire,
    }
}

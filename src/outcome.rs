//! What an invocation produced: the response or the error, and what it
//! did on the network, as the C ABI hands it to Go.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::error::InvokeError;
use crate::metering::Traffic;
use crate::response::InvocationResponse;

/// What an invocation did on the network, for k6's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireStats {
    /// Bytes sent and received (retries included), for data_sent and
    /// data_received; only what left, not what a refused connection would
    /// have carried.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// From the first attempt's hand-over to the HTTP client to the end of
    /// the answer or the failure. None: the invocation never reached the
    /// network (credentials, configuration, a bug), so it is no sample of
    /// the function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ns: Option<u64>,
    /// When it ended, as Unix time in nanoseconds: the samples' time.
    pub end_unix_ns: u64,
}

impl WireStats {
    pub(crate) fn measure(traffic: &Traffic) -> Self {
        let end = Instant::now();
        let end_unix_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Self {
            bytes_sent: traffic.sent(),
            bytes_received: traffic.received(),
            duration_ns: traffic
                .first_attempt()
                .map(|start| u64::try_from((end - start).as_nanos()).unwrap_or(u64::MAX)),
            end_unix_ns,
        }
    }
}

/// The outcome of an invocation: the response or the error, and what it
/// did on the network either way.
#[derive(Debug)]
pub struct Invoked {
    pub result: Result<InvocationResponse, InvokeError>,
    pub wire: WireStats,
}

impl Invoked {
    /// The completion JSON of the C ABI (see `LambdaCompletionCallback`):
    /// the response's fields or `error`, and the wire statistics.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Completion<'a> {
            #[serde(flatten, skip_serializing_if = "Option::is_none")]
            response: Option<&'a InvocationResponse>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a InvokeError>,
            #[serde(flatten)]
            wire: &'a WireStats,
        }
        let completion = Completion {
            response: self.result.as_ref().ok(),
            error: self.result.as_ref().err(),
            wire: &self.wire,
        };
        serde_json::to_vec(&completion).unwrap_or_else(|e| {
            InvokeError::internal(format!("cannot encode the outcome: {e}")).to_json()
        })
    }
}

//! `stream-lines`: a response-streaming function (lambda_runtime's
//! streaming API). It writes `count` lines `line 1\n`, `line 2\n`, ...,
//! the first at once, the others `gapMs` apart (3 and 0 by default),
//! each sent as it is written. It reads them from its event, an Invoke
//! payload (`{"count": 3, "gapMs": 500}`) or, behind a function URL, the
//! request's query string (`?count=3&gapMs=500`). The answer has status
//! 200 and `Content-Type: text/plain` (the metadata prelude a function URL
//! in RESPONSE_STREAM mode turns into its HTTP head).
use std::time::Duration;

use lambda_runtime::streaming::{channel, Body, Response};
use lambda_runtime::{run, service_fn, Error, LambdaEvent, MetadataPrelude};
use serde_json::Value;

/// At most this many lines: a typo cannot stream for hours.
const MAX_LINES: u64 = 10_000;

/// A number from the payload or, for a function URL event, its query.
fn setting(event: &Value, name: &str, default: u64) -> u64 {
    let value = event
        .get("queryStringParameters")
        .and_then(|query| query.get(name))
        .or_else(|| event.get(name));
    match value {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(default),
        Some(Value::String(s)) => s.parse().unwrap_or(default),
        _ => default,
    }
}

async fn stream_lines(event: LambdaEvent<Value>) -> Result<Response<Body>, Error> {
    let count = setting(&event.payload, "count", 3).min(MAX_LINES);
    let gap = Duration::from_millis(setting(&event.payload, "gapMs", 0));
    let (mut tx, rx) = channel();
    tokio::spawn(async move {
        for i in 1..=count {
            if i > 1 {
                tokio::time::sleep(gap).await;
            }
            if tx.send_data(format!("line {i}\n").into()).await.is_err() {
                return; // the client went away
            }
        }
    });
    let mut prelude = MetadataPrelude::default();
    prelude
        .headers
        .insert("content-type", "text/plain".parse().unwrap());
    Ok(Response {
        metadata_prelude: prelude,
        stream: rx,
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(stream_lines)).await
}

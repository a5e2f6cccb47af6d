//! `fail-on-demand`: echoes its event, or fails when the event is
//! `{"fail": "<message>"}`, with error type `FailedOnDemand`. Tests use it to
//! reach the function error paths of a real Lambda runtime.
use lambda_runtime::{run, service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::Value;

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    match event.payload.get("fail") {
        Some(message) => Err(Diagnostic {
            error_type: "FailedOnDemand".into(),
            error_message: message.as_str().unwrap_or("failed on demand").into(),
        }),
        None => Ok(event.payload),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handle)).await
}

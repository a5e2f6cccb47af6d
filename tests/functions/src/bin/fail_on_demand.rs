//! `fail-on-demand`: echoes its event, or fails with the given message when
//! the event is `{"fail": "<message>"}`. Tests use it to reach the function
//! error paths of a real Lambda runtime.
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    match event.payload.get("fail") {
        Some(Value::String(message)) => Err(message.clone().into()),
        Some(_) => Err("failed on demand".into()),
        None => Ok(event.payload),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handle)).await
}

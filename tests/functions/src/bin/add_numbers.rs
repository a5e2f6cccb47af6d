//! `add-numbers`: returns `x + y` as a JSON number, the function of the
//! k6-jslib-aws `LambdaClient.invoke` example.
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
struct Numbers {
    x: f64,
    y: f64,
}

async fn add(event: LambdaEvent<Numbers>) -> Result<Value, Error> {
    let sum = event.payload.x + event.payload.y;
    // Integers print as `3`, not `3.0`, as a JavaScript Lambda would answer.
    if sum.fract() == 0.0 && sum.abs() < 9.0e15 {
        Ok(json!(sum as i64))
    } else {
        Ok(json!(sum))
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(add)).await
}

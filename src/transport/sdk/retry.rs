//! The SDK transport's retries keep the SDK's standard classifiers, with
//! one rule on top: no retry once a 2xx answer has begun. The standard
//! `TransientErrorClassifier` retries a response whose body broke off
//! (`ResponseError`), which for `Invoke` runs the function a second time:
//! it already ran, and Invoke is not idempotent. The direct transport
//! follows the same rule (transport/response.rs).

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};

#[derive(Debug, Default)]
pub struct NoRetryAfterSuccess;

impl ClassifyRetry for NoRetryAfterSuccess {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match (ctx.response(), ctx.output_or_error()) {
            (Some(response), Some(Err(_))) if response.status().is_success() => {
                RetryAction::RetryForbidden
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "xk6-lambda: no retry once a 2xx answer began"
    }

    /// After the standard classifiers, so that this one has the last word.
    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

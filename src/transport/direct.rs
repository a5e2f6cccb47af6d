//! The direct transport: Lambda's Invoke as one signed HTTP/1.1 request on
//! a pooled hyper client, without the SDK's per-call orchestration.
//!
//! Why: a load generator spends its CPU on itself. Measured with
//! scripts/bench.sh, the SDK's orchestrator (config bag, runtime plugins,
//! interceptors, endpoint resolution, identity cache) cost several times
//! what k6 spends on an `http.post`. Here the endpoint, host header and
//! credentials are resolved once per client; per call there is one SigV4
//! signature and one request. The semantics stay the SDK's: the same
//! endpoint rules for a given endpoint URL, the same error mapping
//! (`error::service_error` serves both), the same retry policy shape.
//! `LambdaClient({transport: 'sdk'})` selects the SDK instead; the tests
//! run both against the same servers and compare.

mod credentials;
mod request;
mod response;
mod retry;
mod sigv4;
#[cfg(test)]
mod sigv4_reference;
// InvokeWithResponseStream and function URLs (new operations beside
// Invoke's; the code is theirs, in these files).
mod stream;
mod url;

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;

use crate::client::Loaded;
use crate::config::ClientConfig;
use crate::error::InvokeError;
use crate::metering::{MeteredBody, Traffic};
use crate::request::InvokeRequest;
use crate::response::InvocationResponse;

pub use credentials::CredentialSource;
pub use url::{RegionSigners, UrlSender};

use crate::error::{classify_network, error_chain, find_source};
use crate::network::pools::SendError;
use crate::network::Network;

pub struct Transport {
    /// Connections under the k6 network options of the client's VU.
    network: Arc<Network>,
    endpoint: request::Endpoint,
    region: String,
    signer: sigv4::Signer,
    credentials: CredentialSource,
    max_attempts: u32,
    timeout: Duration,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Resolves what the SDK would resolve per call, once: the endpoint
    /// (the script's, `AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`, or the
    /// region's); the credentials (static keys, or the chain, cached) are
    /// the account's, shared by its clients.
    pub fn new(config: &ClientConfig, account: &Loaded) -> Result<Self, InvokeError> {
        let (region, sdk_config) = (account.region.as_str(), &account.sdk_config);
        let url = match config
            .endpoint_url()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL_LAMBDA").ok())
            .or_else(|| sdk_config.endpoint_url().map(str::to_owned))
        {
            Some(url) => url,
            None => {
                refuse_endpoint_variants(sdk_config)?;
                default_endpoint(region)
            }
        };
        let endpoint = request::Endpoint::parse(&url)?;
        Ok(Self {
            network: Network::shared(&config.network()).map_err(InvokeError::from)?,
            endpoint,
            region: region.to_owned(),
            signer: sigv4::Signer::new("lambda", region),
            credentials: account.credentials.clone(),
            max_attempts: config.max_attempts(),
            timeout: config.timeout(),
        })
    }

    /// One invocation, retries included, bounded by the client's timeout.
    pub async fn invoke(
        &self,
        request: InvokeRequest,
        traffic: &Arc<Traffic>,
    ) -> Result<InvocationResponse, InvokeError> {
        let mut request = request;
        // The body is shared by every attempt without copying.
        let body = bytes::Bytes::from(std::mem::take(&mut request.payload));
        let attempts =
            retry::attempts(self.max_attempts, || self.attempt(&request, &body, traffic));
        match tokio::time::timeout(self.timeout, attempts).await {
            Ok(result) => result,
            Err(_) => Err(InvokeError::network(
                "GeneralError",
                crate::error::k6_code::REQUEST_TIMEOUT,
                format!(
                    "request timeout: no answer within {:?} (the client's timeout option)",
                    self.timeout
                ),
            )),
        }
    }

    async fn attempt(
        &self,
        request: &InvokeRequest,
        body: &bytes::Bytes,
        traffic: &Arc<Traffic>,
    ) -> Result<InvocationResponse, InvokeError> {
        let request = self
            .prepare(request::Operation::Invoke, request, body, traffic)
            .await?;
        let answer = send(&self.network, request).await?;
        response::read(answer, traffic).await
    }

    /// One attempt's request for `operation`: signed with the credentials
    /// of the moment, its body metered, the attempt counted.
    async fn prepare(
        &self,
        operation: request::Operation,
        request: &InvokeRequest,
        body: &bytes::Bytes,
        traffic: &Arc<Traffic>,
    ) -> Result<http::Request<MeteredBody>, InvokeError> {
        let identity = self.credentials.identity().await?;
        let signed = request::build(
            operation,
            &self.endpoint,
            &self.signer,
            &identity,
            request,
            body,
        )?;
        let request = signed
            .request
            .map(|()| MeteredBody::new(body.clone(), signed.head_len, Arc::clone(traffic)));
        traffic.mark_attempt();
        Ok(request)
    }
}

/// Sends a request through the pools of `network`; a failure to get an
/// answer becomes the error scripts see (an answer hyper could not parse is
/// not retried).
async fn send(
    network: &Network,
    request: http::Request<MeteredBody>,
) -> Result<http::Response<hyper::body::Incoming>, InvokeError> {
    match network.direct_pools().send(network, request).await {
        Ok(answer) => Ok(answer),
        Err(SendError::Config(e)) => Err(e.into()),
        Err(SendError::Http(e)) => {
            let mut error = classify_network(&e, error_chain(&e));
            error.not_retryable |= is_parse_error(&e);
            Err(error)
        }
    }
}

/// True when hyper could not parse the answer (as opposed to a connection
/// that failed or closed).
fn is_parse_error(error: &(dyn std::error::Error + 'static)) -> bool {
    find_source::<hyper::Error>(error).is_some_and(|e| e.is_parse() || e.is_parse_status())
}

/// The direct transport knows the standard endpoints only: with FIPS or
/// dual-stack asked for (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT
/// or the profile's use_fips_endpoint / use_dualstack_endpoint) it would
/// call another endpoint than the one meant, so it refuses.
fn refuse_endpoint_variants(sdk_config: &SdkConfig) -> Result<(), InvokeError> {
    let asked = [
        (
            sdk_config.use_fips(),
            "FIPS (AWS_USE_FIPS_ENDPOINT / use_fips_endpoint)",
        ),
        (
            sdk_config.use_dual_stack(),
            "dual-stack (AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint)",
        ),
    ];
    match asked.iter().find(|(on, _)| *on == Some(true)) {
        None => Ok(()),
        Some((_, what)) => Err(InvokeError::config(format!(
            "{what} endpoints are asked for, which the default transport does not resolve: \
             use new LambdaClient(config, {{ transport: 'sdk' }}), or give the endpoint"
        ))),
    }
}

/// The public endpoint of a region, as the SDK's resolver gives it for
/// the standard partitions (FIPS and dual-stack: use `transport: 'sdk'`).
fn default_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://lambda.{region}.{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_fips_and_dual_stack_rather_than_call_another_endpoint() {
        let plain = SdkConfig::builder().build();
        assert!(refuse_endpoint_variants(&plain).is_ok());
        for config in [
            SdkConfig::builder().use_fips(true).build(),
            SdkConfig::builder().use_dual_stack(true).build(),
        ] {
            let err = refuse_endpoint_variants(&config).unwrap_err();
            assert_eq!(err.name, "InvalidAWSConfigError");
            assert!(err.message.contains("transport: 'sdk'"), "{}", err.message);
        }
        let off = SdkConfig::builder().use_fips(false).build();
        assert!(refuse_endpoint_variants(&off).is_ok());
    }

    #[test]
    fn default_endpoints_per_partition() {
        assert_eq!(
            default_endpoint("eu-west-1"),
            "https://lambda.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            default_endpoint("cn-north-1"),
            "https://lambda.cn-north-1.amazonaws.com.cn"
        );
    }
}

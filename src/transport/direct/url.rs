//! Requests to Lambda function URLs with IAM auth: any method, URL,
//! headers and body, SigV4-signed for the service `lambda` with the
//! client's region and credentials (resolved as Invoke's are), sent
//! through the client's network policy and TLS settings, the answer read
//! as it arrives. Every client has one, whatever its transport: a function
//! URL is plain HTTP, not the Lambda API.

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;

use super::stream::with_retries;
use super::{send, CredentialSource};
use crate::config::ClientConfig;
use crate::error::InvokeError;
use crate::metering::{MeteredBody, Traffic};
use crate::network::Network;
use crate::stream::{read, Progress, UrlResponse, ValidUrlRequest};
use crate::transport::sign::{sign, ToSign};

pub struct UrlSender {
    network: Arc<Network>,
    region: String,
    credentials: CredentialSource,
    max_attempts: u32,
    timeout: Duration,
}

impl std::fmt::Debug for UrlSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlSender")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl UrlSender {
    pub fn new(
        config: &ClientConfig,
        region: &str,
        sdk_config: &SdkConfig,
    ) -> Result<Self, InvokeError> {
        Ok(Self {
            network: Network::shared(&config.network()).map_err(InvokeError::from)?,
            region: region.to_owned(),
            credentials: CredentialSource::new(config, sdk_config),
            max_attempts: config.max_attempts(),
            timeout: config.timeout(),
        })
    }

    /// One request, retried as Invoke's are while nothing was answered
    /// (connection failures; any HTTP answer is the result), bounded by
    /// the client's timeout.
    pub(crate) async fn send(
        &self,
        request: &ValidUrlRequest,
        traffic: &Arc<Traffic>,
        progress: &mut Progress<'_>,
    ) -> Result<UrlResponse, InvokeError> {
        with_retries!(self, progress, self.attempt(request, traffic, progress))
    }

    async fn attempt(
        &self,
        request: &ValidUrlRequest,
        traffic: &Arc<Traffic>,
        progress: &mut Progress<'_>,
    ) -> Result<UrlResponse, InvokeError> {
        let identity = self.credentials.identity().await?;
        let uri = request.uri.to_string();
        let signed = sign(
            &ToSign {
                method: &request.method,
                uri: &uri,
                host: &request.host,
                headers: &request.headers,
                body: &request.body,
                content_sha256: true,
            },
            &self.region,
            &identity,
        )?;
        let head_len = signed.head_len;
        let http_request = signed
            .request
            .map(|()| MeteredBody::new(request.body.clone(), head_len, Arc::clone(traffic)));
        traffic.mark_attempt();
        let sent_before = traffic.sent();
        let answer = send(&self.network, http_request).await?;
        if traffic.sent() == sent_before {
            // hyper sends a GET or HEAD without a body without ever polling
            // it, so the metered body never counted the head: it left, as
            // an answer came.
            traffic.add_sent(head_len);
        }
        read::url_body(answer, traffic, progress).await
    }
}

//! Requests to Lambda function URLs with IAM auth: any method, URL,
//! headers and body, SigV4-signed for the service `lambda` with the
//! client's credentials (resolved as Invoke's are) and the region the
//! URL's host names (`<url-id>.lambda-url.<region>.on.aws`), else the
//! client's, sent
//! through the client's network policy and TLS settings, the answer read
//! as it arrives. Every client has one, whatever its transport: a function
//! URL is plain HTTP, not the Lambda API.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_smithy_runtime_api::client::identity::Identity;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, HOST, USER_AGENT};
use http::Method;

use super::request::{head_len, sensitive, signing_key, Signed};
use super::sigv4::{self, Signer};
use super::stream::with_retries;
use super::{send, CredentialSource};
use crate::client::Loaded;
use crate::config::ClientConfig;
use crate::error::InvokeError;
use crate::keyed::Bounded;
use crate::metering::{MeteredBody, Traffic};
use crate::network::Network;
use crate::stream::{read, Progress, UrlResponse, ValidUrlRequest};

const USER_AGENT_VALUE: &str = concat!("xk6-lambda/", env!("CARGO_PKG_VERSION"));

/// How many regions other than the client's keep a signer. A URL's host
/// names its region, whatever text that is, so the signers are bounded;
/// AWS has fewer regions than this, so a real test never loses one (and a
/// signer forgotten is made again: it costs one key derivation).
pub const KEPT_REGIONS: usize = 64;

pub struct UrlSender {
    network: Arc<Network>,
    region: String,
    /// SigV4 for the service `lambda` in the client's region, the
    /// direct transport's own (`sigv4.rs`), as Invoke's.
    signer: Signer,
    /// The signers of the other regions function URLs named, shared by
    /// the account's clients.
    other_regions: Arc<RegionSigners>,
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

/// Signers of regions other than a client's, made once each (a signer
/// keeps its day's key: most requests derive none), at most
/// [`KEPT_REGIONS`].
pub struct RegionSigners(Mutex<Bounded<String, Arc<Signer>>>);

impl Default for RegionSigners {
    fn default() -> Self {
        Self(Mutex::new(Bounded::new(KEPT_REGIONS)))
    }
}

impl RegionSigners {
    /// The signer of `region`: a function URL's signature must name the
    /// region of its host, whatever the client's.
    fn get(&self, region: &str) -> Arc<Signer> {
        let mut signers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(signer) = signers.get_mut(region) {
            return Arc::clone(signer);
        }
        let signer = Arc::new(Signer::new("lambda", region));
        signers.insert(region.to_owned(), Arc::clone(&signer));
        signer
    }
}

impl UrlSender {
    pub fn new(config: &ClientConfig, account: &Loaded) -> Result<Self, InvokeError> {
        let region = account.region.as_str();
        Ok(Self {
            network: Network::shared(&config.network()).map_err(InvokeError::from)?,
            region: region.to_owned(),
            signer: Signer::new("lambda", region),
            other_regions: Arc::clone(&account.url_signers),
            credentials: account.credentials.clone(),
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
        let signed = match request.url_region() {
            Some(region) if region != self.region => {
                let signer = self.other_regions.get(region);
                build(&signer, &identity, request, SystemTime::now())?
            }
            _ => build(&self.signer, &identity, request, SystemTime::now())?,
        };
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

/// The signed request for a function URL, without its body, signed by the
/// direct transport's SigV4 (`sigv4.rs`, as Invoke's). Signed: `host`,
/// every header the caller gave but `User-Agent` and `X-Amzn-Trace-Id`
/// (proxies change them: see `sigv4::Request::headers`), `x-amz-date`,
/// `x-amz-content-sha256` (the body's SHA-256: Lambda checks it when
/// present, and services in front of a URL ask for it) and
/// `x-amz-security-token` when the credentials have one. `Content-Length`
/// and `User-Agent` are added after signing (as the SDKs leave them out).
/// On the wire, in this order: `host`, the caller's headers as given,
/// `x-amz-date`, `authorization`, `x-amz-content-sha256`,
/// `x-amz-security-token`, `content-length`, `user-agent`: what aws-sigv4
/// made of it before (the tests compare).
fn build(
    signer: &Signer,
    identity: &Identity,
    request: &ValidUrlRequest,
    time: SystemTime,
) -> Result<Signed, InvokeError> {
    let host = HeaderValue::from_str(&request.host)
        .map_err(|_| InvokeError::validation("url", format!("invalid host `{}`", request.host)))?;
    // Values that are not text cannot be signed; validation only lets
    // visible ASCII through, so this holds.
    let mut signed_headers: Vec<(&str, &str)> = Vec::with_capacity(request.headers.len() + 1);
    signed_headers.push(("host", &request.host));
    for (name, value) in &request.headers {
        let value = value.to_str().map_err(|_| {
            InvokeError::validation("headers", format!("the header `{name}` is not text"))
        })?;
        signed_headers.push((name.as_str(), value));
    }
    let key = signing_key(identity)?;
    let signature = signer.sign(
        &key,
        time,
        &sigv4::Request {
            method: request.method.as_str(),
            path: request.uri.path(),
            query: request.uri.query().unwrap_or_default(),
            headers: &signed_headers,
            body: &request.body,
            content_sha256: true,
        },
    );

    let mut builder = http::Request::builder()
        .method(request.method.clone())
        .uri(request.uri.clone())
        .header(HOST, host);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    builder = builder
        .header("x-amz-date", &signature.amz_date)
        .header(AUTHORIZATION, sensitive(&signature.authorization)?);
    if let Some(content_sha256) = &signature.content_sha256 {
        builder = builder.header("x-amz-content-sha256", content_sha256);
    }
    if let Some(token) = key.session_token {
        builder = builder.header("x-amz-security-token", sensitive(token)?);
    }
    let mut http_request = builder
        .body(())
        .map_err(|e| InvokeError::validation("url", format!("cannot build the request: {e}")))?;

    let headers = http_request.headers_mut();
    // A body, or a method that normally has one: say how long it is (an
    // empty GET says nothing, as browsers and curl send it).
    let has_body_method = matches!(request.method, Method::POST | Method::PUT | Method::PATCH);
    if !request.body.is_empty() || has_body_method {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(request.body.len()));
    }
    if !headers.contains_key(USER_AGENT) {
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    }

    let head_len = head_len(&http_request);
    Ok(Signed {
        request: http_request,
        head_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::UrlRequest;
    use crate::transport::direct::sigv4_reference;
    use aws_credential_types::Credentials;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn region_signers_are_bounded() {
        // Five rounds of 1,000 region labels never seen before: a URL's
        // host names its region, whatever text that is.
        let signers = RegionSigners::default();
        let mut sizes = Vec::new();
        for round in 0..5 {
            for i in 0..1000 {
                let region = format!("r{round}-{i}");
                assert_eq!(signers.get(&region).region(), region);
            }
            sizes.push(signers.0.lock().unwrap().len());
        }
        println!("region signers after each round of 1,000 new labels: {sizes:?}");
        assert!(sizes.iter().all(|&n| n <= KEPT_REGIONS), "{sizes:?}");
        assert_eq!(sizes[3], sizes[4], "flat once full: {sizes:?}");
    }

    fn identity(token: Option<&str>) -> Identity {
        Identity::from(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "test",
        ))
    }

    fn valid(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> ValidUrlRequest {
        UrlRequest {
            url: url.into(),
            method: method.into(),
            headers: headers
                .iter()
                .map(|&(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            body: body.to_vec(),
        }
        .into_valid()
        .unwrap()
    }

    /// The request as function URLs were signed before the direct
    /// transport's own signer did it: aws-sigv4 with every header, the
    /// body's hash in x-amz-content-sha256, then Content-Length and
    /// User-Agent.
    fn with_aws_sigv4(
        request: &ValidUrlRequest,
        region: &str,
        identity: &Identity,
        time: SystemTime,
    ) -> (http::Request<()>, u64) {
        let mut builder = http::Request::builder()
            .method(request.method.clone())
            .uri(request.uri.clone())
            .header(HOST, request.host.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let mut http_request = builder.body(()).unwrap();
        let mut signed: Vec<(&str, &str)> = vec![("host", &request.host)];
        for (name, value) in &request.headers {
            signed.push((name.as_str(), value.to_str().unwrap()));
        }
        let instructions = sigv4_reference::instructions(
            identity,
            region,
            time,
            &sigv4::Request {
                method: request.method.as_str(),
                path: request.uri.path(),
                query: request.uri.query().unwrap_or_default(),
                headers: &signed,
                body: &request.body,
                content_sha256: true,
            },
        );
        instructions.apply_to_request_http1x(&mut http_request);
        let headers = http_request.headers_mut();
        let has_body_method = matches!(request.method, Method::POST | Method::PUT | Method::PATCH);
        if !request.body.is_empty() || has_body_method {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(request.body.len()));
        }
        if !headers.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        }
        let path_len = http_request.uri().path_and_query().unwrap().as_str().len();
        let header_len: usize = http_request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum();
        let head_len = (request.method.as_str().len() + 1 + path_len + 11 + header_len + 2) as u64;
        (http_request, head_len)
    }

    /// What goes on the wire: the method, the URI, every header in order.
    fn wire(request: &http::Request<()>) -> (String, String, Vec<(String, String)>) {
        (
            request.method().to_string(),
            request.uri().to_string(),
            request
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
                .collect(),
        )
    }

    /// The same request line, headers (order included) and size as when
    /// aws-sigv4 signed function URL requests.
    #[test]
    fn the_wire_is_what_aws_sigv4_made() {
        let binary: Vec<u8> = (0..=255).collect();
        // (method, URL, headers, body)
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a [u8]);
        let cases: &[Case] = &[
            ("", "https://abc.lambda-url.us-east-1.on.aws", &[], b""),
            (
                "put",
                "https://abc.lambda-url.us-east-1.on.aws/p%20q?b=2&a=1",
                &[("Content-Type", "application/json"), ("x-custom", "a  b")],
                b"{\"a\":1}",
            ),
            (
                "POST",
                "http://127.0.0.1:9000/lambda-url/url-echo/a b/é/x%2Fy?q=1 2&b=%2B+&a=#not-sent",
                &[("X-Multi", "one"), ("accept", "*/*"), ("x-multi", "two")],
                &binary,
            ),
            ("PATCH", "http://h:8080/./p//q/../r?n&e=&&z=1", &[], b""),
            ("DELETE", "http://h/item/7?force=true", &[], b""),
            (
                "HEAD",
                "http://h/",
                &[("User-Agent", "mine/1"), ("X-Amzn-Trace-Id", "Root=1-x")],
                b"",
            ),
            (
                "OPTIONS",
                "http://h/o?a=2&a=1",
                &[("Origin", "http://x")],
                b"",
            ),
            ("PROPFIND", "http://h/dav/", &[("Depth", "1")], b"<x/>"),
        ];
        let time = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for token in [None, Some("session/token+=")] {
            let identity = identity(token);
            let signer = Signer::new("lambda", "eu-west-1");
            for &(method, url, headers, body) in cases {
                let request = valid(method, url, headers, body);
                let ours = build(&signer, &identity, &request, time).unwrap();
                let (theirs, head_len) = with_aws_sigv4(&request, "eu-west-1", &identity, time);
                assert_eq!(wire(&ours.request), wire(&theirs), "{method} {url}");
                assert_eq!(ours.head_len, head_len, "{method} {url}");
            }
        }
    }

    #[test]
    fn signs_every_header_and_the_body_hash() {
        let request = valid(
            "PUT",
            "https://abc.lambda-url.us-east-1.on.aws/p%20q?b=2&a=1",
            &[("content-type", "application/json"), ("x-custom", "a  b")],
            b"{\"a\":1}",
        );
        let signed = build(
            &Signer::new("lambda", "us-east-1"),
            &identity(Some("token")),
            &request,
            SystemTime::now(),
        )
        .unwrap();
        let r = &signed.request;
        assert_eq!(r.method(), Method::PUT);
        assert_eq!(r.headers()["host"], "abc.lambda-url.us-east-1.on.aws");
        assert_eq!(r.headers()["content-length"], "7");
        assert_eq!(r.headers()["x-amz-security-token"], "token");
        assert!(r.headers()["x-amz-security-token"].is_sensitive());
        assert!(r.headers()["authorization"].is_sensitive());
        // sha256 of {"a":1}
        assert_eq!(
            r.headers()["x-amz-content-sha256"],
            "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
        );
        let auth = r.headers()["authorization"].to_str().unwrap();
        assert!(auth.contains("/us-east-1/lambda/aws4_request"), "{auth}");
        assert!(
            auth.contains(
                "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-custom"
            ),
            "{auth}"
        );
        assert!(signed.head_len > 400, "{}", signed.head_len);
    }

    #[test]
    fn an_empty_get_has_no_content_length_and_no_token_without_one() {
        let request = valid("GET", "http://127.0.0.1:9000/", &[], b"");
        let signed = build(
            &Signer::new("lambda", "eu-west-1"),
            &identity(None),
            &request,
            SystemTime::now(),
        )
        .unwrap();
        let headers = signed.request.headers();
        assert!(headers.get("content-length").is_none());
        assert!(headers.get("x-amz-security-token").is_none());
        // sha256 of nothing
        assert_eq!(
            headers["x-amz-content-sha256"],
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(headers["host"], "127.0.0.1:9000");
        assert_eq!(headers["user-agent"], USER_AGENT_VALUE);
    }
}

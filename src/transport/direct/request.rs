//! Building and signing one Invoke request (SigV4, service `lambda`).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::sigv4::{Key, Signer};
use crate::error::InvokeError;
use crate::request::{InvocationType, InvokeRequest, LogType};

/// RFC 3986 unreserved characters stay; everything else in a path label or
/// query value is percent-encoded, as the SDK encodes `name:qualifier`.
const LABEL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

const USER_AGENT_VALUE: &str = concat!("xk6-lambda/", env!("CARGO_PKG_VERSION"));

/// Where requests go: `scheme://authority[/prefix]`, parsed once per client.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `scheme://authority`
    origin: String,
    /// The endpoint's own path, without its trailing slash ("" for none).
    prefix: String,
    host: HeaderValue,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Self, InvokeError> {
        let bad = |why: &str| {
            InvokeError::validation("endpoint", format!("invalid endpoint `{url}`: {why}"))
        };
        let uri: http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
        let scheme = uri.scheme_str().ok_or_else(|| bad("no scheme"))?;
        if scheme != "http" && scheme != "https" {
            return Err(bad("the scheme must be http or https"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        let host = authority.as_str().rsplit('@').next().unwrap_or_default();
        let prefix = uri.path().trim_end_matches('/');
        Ok(Self {
            origin: format!("{scheme}://{host}"),
            prefix: prefix.to_owned(),
            host: HeaderValue::from_str(host).map_err(|_| bad("invalid host"))?,
        })
    }
}

/// A signed request without its body (the caller attaches the payload as
/// a [`crate::metering::MeteredBody`]), and the size of its request
/// line and headers on the wire (for data_sent).
pub struct Signed {
    pub request: http::Request<()>,
    pub head_len: u64,
}

/// The two operations that send an invocation request: the same headers
/// and signature, on their own paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `POST /2015-03-31/functions/{name}/invocations`
    Invoke,
    /// `POST /2021-11-15/functions/{name}/response-streaming-invocations`
    InvokeWithResponseStream,
}

impl Operation {
    fn path(self) -> (&'static str, &'static str) {
        match self {
            Self::Invoke => ("/2015-03-31/functions/", "/invocations"),
            Self::InvokeWithResponseStream => {
                ("/2021-11-15/functions/", "/response-streaming-invocations")
            }
        }
    }
}

pub fn build(
    operation: Operation,
    endpoint: &Endpoint,
    signer: &Signer,
    identity: &Identity,
    request: &InvokeRequest,
    body: &Bytes,
) -> Result<Signed, InvokeError> {
    let (before_name, after_name) = operation.path();
    let mut path = String::with_capacity(endpoint.prefix.len() + request.function_name.len() + 64);
    path.push_str(&endpoint.prefix);
    path.push_str(before_name);
    path.extend(utf8_percent_encode(&request.function_name, LABEL));
    path.push_str(after_name);
    let mut query = String::new();
    if let Some(qualifier) = &request.qualifier {
        query.push_str("Qualifier=");
        query.extend(utf8_percent_encode(qualifier, LABEL));
    }
    let mut uri = String::with_capacity(endpoint.origin.len() + path.len() + query.len() + 1);
    uri.push_str(&endpoint.origin);
    uri.push_str(&path);
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query);
    }

    // The headers to sign, sorted: Host and every x-amz-* header (SigV4
    // needs no more; Content-Length and User-Agent are added after
    // signing, x-amz-date and x-amz-security-token by the signer).
    let mut signed_headers: Vec<(&'static str, &str)> = Vec::with_capacity(6);
    signed_headers.push(("host", endpoint.host.to_str().unwrap_or_default()));
    if let Some(context) = &request.client_context {
        signed_headers.push(("x-amz-client-context", context));
    }
    // Validation left the streaming operation without a durable name
    // (stream::ValidStreamRequest): it has no such header.
    if let Some(name) = &request.durable_execution_name {
        signed_headers.push(("x-amz-durable-execution-name", name));
    }
    if request.invocation_type != InvocationType::RequestResponse {
        signed_headers.push(("x-amz-invocation-type", request.invocation_type.as_str()));
    }
    if request.log_type == LogType::Tail {
        signed_headers.push(("x-amz-log-type", "Tail"));
    }
    if let Some(tenant) = &request.tenant_id {
        signed_headers.push(("x-amz-tenant-id", tenant));
    }

    let key = signing_key(identity)?;
    let signature = signer.sign_post(
        &key,
        SystemTime::now(),
        &path,
        &query,
        &signed_headers,
        body,
    );

    let mut builder = http::Request::builder()
        .method(http::Method::POST)
        .uri(&uri);
    for (name, value) in &signed_headers {
        builder = builder.header(*name, *value);
    }
    builder = builder.header("x-amz-date", &signature.amz_date);
    if let Some(token) = key.session_token {
        builder = builder.header("x-amz-security-token", sensitive(token)?);
    }
    let mut http_request = builder
        .header(AUTHORIZATION, sensitive(&signature.authorization)?)
        .body(())
        .map_err(|e| InvokeError::validation("name", format!("cannot build the request: {e}")))?;

    let headers = http_request.headers_mut();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));

    let head_len = head_len(&http_request);
    Ok(Signed {
        request: http_request,
        head_len,
    })
}

/// A header value that holds a credential (`Authorization`,
/// `X-Amz-Security-Token`), marked sensitive (`redact::sensitive_header`).
pub(super) fn sensitive(value: &str) -> Result<HeaderValue, InvokeError> {
    crate::redact::sensitive_header(value).ok_or_else(|| {
        InvokeError::internal("cannot sign the request: a credential is not header text")
    })
}

/// The credentials of `identity`, as the signer takes them.
pub(super) fn signing_key(identity: &Identity) -> Result<Key<'_>, InvokeError> {
    let credentials = identity
        .data::<Credentials>()
        .ok_or_else(|| InvokeError::internal("cannot sign the request: no AWS credentials"))?;
    Ok(Key {
        access_key_id: credentials.access_key_id(),
        secret_access_key: credentials.secret_access_key(),
        session_token: credentials.session_token(),
    })
}

/// The bytes of a request's head on the wire, HTTP/1.1:
/// "<METHOD> <path> HTTP/1.1\r\n", each "name: value\r\n", "\r\n".
pub(super) fn head_len<B>(request: &http::Request<B>) -> u64 {
    let path_len = request
        .uri()
        .path_and_query()
        .map_or(1, |p| p.as_str().len());
    let header_len: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (request.method().as_str().len() + 1 + path_len + 11 + header_len + 2) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;

    fn identity() -> Identity {
        Identity::from(Credentials::new("AKID", "SECRET", None, None, "test"))
    }

    #[test]
    fn encodes_names_and_qualifiers_and_signs() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000/").unwrap();
        let request = InvokeRequest {
            function_name: "f:live".into(),
            qualifier: Some("$LATEST".into()),
            log_type: LogType::Tail,
            ..Default::default()
        };
        let signed = build(
            Operation::Invoke,
            &endpoint,
            &Signer::new("lambda", "us-east-1"),
            &identity(),
            &request,
            &Bytes::from_static(b"{}"),
        )
        .unwrap();
        let r = &signed.request;
        assert_eq!(
            r.uri().to_string(),
            "http://127.0.0.1:9000/2015-03-31/functions/f%3Alive/invocations?Qualifier=%24LATEST"
        );
        assert_eq!(r.headers()["host"], "127.0.0.1:9000");
        assert_eq!(r.headers()["x-amz-log-type"], "Tail");
        assert_eq!(r.headers()["content-length"], "2");
        let auth = r.headers()["authorization"].to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/"),
            "{auth}"
        );
        assert!(auth.contains("/us-east-1/lambda/aws4_request"), "{auth}");
        assert!(
            auth.contains("SignedHeaders=host;x-amz-date;x-amz-log-type"),
            "{auth}"
        );
        assert!(signed.head_len > 300, "{}", signed.head_len);
    }

    /// The tenant and the durable execution go out as the model's headers,
    /// signed, in SigV4's order.
    #[test]
    fn tenant_and_durable_name_are_signed_headers() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        let request = InvokeRequest {
            function_name: "f".into(),
            tenant_id: Some("blue team".into()),
            durable_execution_name: Some("order-42".into()),
            log_type: LogType::Tail,
            ..Default::default()
        };
        let signed = build(
            Operation::Invoke,
            &endpoint,
            &Signer::new("lambda", "us-east-1"),
            &identity(),
            &request,
            &Bytes::new(),
        )
        .unwrap();
        let headers = signed.request.headers();
        assert_eq!(headers["x-amz-tenant-id"], "blue team");
        assert_eq!(headers["x-amz-durable-execution-name"], "order-42");
        let auth = headers["authorization"].to_str().unwrap();
        assert!(
            auth.contains(
                "SignedHeaders=host;x-amz-date;x-amz-durable-execution-name;x-amz-log-type;x-amz-tenant-id,"
            ),
            "{auth}"
        );
    }

    #[test]
    fn the_streaming_operation_has_its_own_path_and_the_same_signature() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000/prefix/").unwrap();
        let request = InvokeRequest {
            function_name: "f:live".into(),
            qualifier: Some("$LATEST".into()),
            ..Default::default()
        };
        let body = Bytes::from_static(b"{}");
        let signer = Signer::new("lambda", "us-east-1");
        let build = |operation| build(operation, &endpoint, &signer, &identity(), &request, &body);
        let stream = build(Operation::InvokeWithResponseStream).unwrap().request;
        let invoke = build(Operation::Invoke).unwrap().request;
        assert_eq!(
            stream.uri().to_string(),
            "http://127.0.0.1:9000/prefix/2021-11-15/functions/f%3Alive/response-streaming-invocations?Qualifier=%24LATEST"
        );
        assert_eq!(
            invoke.uri().to_string(),
            "http://127.0.0.1:9000/prefix/2015-03-31/functions/f%3Alive/invocations?Qualifier=%24LATEST"
        );
        let names = |r: &http::Request<()>| {
            let mut names: Vec<_> = r.headers().keys().map(|k| k.as_str().to_owned()).collect();
            names.sort();
            names
        };
        assert_eq!(names(&stream), names(&invoke), "the same headers");
        assert_ne!(
            stream.headers()["authorization"],
            invoke.headers()["authorization"],
            "each signs its own path"
        );
    }

    /// Authorization and the session token are sensitive (left out of
    /// Debug output, never indexed by HTTP/2's HPACK), on both operations.
    #[test]
    fn credentials_headers_are_sensitive() {
        let endpoint = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        let identity = Identity::from(Credentials::new(
            "AKID",
            "SECRET",
            Some("s3cretTOKEN".into()),
            None,
            "test",
        ));
        let request = InvokeRequest {
            function_name: "f".into(),
            ..Default::default()
        };
        let signer = Signer::new("lambda", "us-east-1");
        for operation in [Operation::Invoke, Operation::InvokeWithResponseStream] {
            let signed = build(
                operation,
                &endpoint,
                &signer,
                &identity,
                &request,
                &Bytes::new(),
            )
            .unwrap();
            let headers = signed.request.headers();
            for name in ["authorization", "x-amz-security-token"] {
                assert!(headers[name].is_sensitive(), "{operation:?}: {name}");
            }
            assert!(!headers["x-amz-date"].is_sensitive());
            let text = format!("{:?}", signed.request);
            assert!(
                !text.contains("s3cretTOKEN") && !text.contains("Signature="),
                "{text}"
            );
        }
    }

    #[test]
    fn endpoints_keep_a_path_prefix_and_refuse_other_schemes() {
        let endpoint = Endpoint::parse("https://proxy.example.com/lambda/").unwrap();
        assert_eq!(endpoint.origin, "https://proxy.example.com");
        assert_eq!(endpoint.prefix, "/lambda");
        assert!(Endpoint::parse("ftp://x").is_err());
        let err = Endpoint::parse("ftp://user:s3cretPW@x").unwrap_err();
        assert!(err.message.contains("ftp://user:***@x"), "{}", err.message);
    }
}

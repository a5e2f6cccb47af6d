//! SigV4 (service `lambda`) for function URLs, whose requests can have any
//! method, query and headers (`direct/request.rs` signs Invoke's and
//! InvokeWithResponseStream's, which have one shape). Every header given is signed, with `Host` and the
//! `x-amz-*` headers the signer adds; `User-Agent` and `Content-Length`
//! are added after signing (as the SDKs leave them out).

use std::time::SystemTime;

use aws_sigv4::http_request::{
    sign as sigv4_sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, HOST, USER_AGENT};
use http::Method;

use crate::error::InvokeError;

const USER_AGENT_VALUE: &str = concat!("xk6-lambda/", env!("CARGO_PKG_VERSION"));

/// A signed request without its body, and the size of its request line
/// and headers on the wire (for data_sent).
pub(crate) struct Signed {
    pub request: http::Request<()>,
    pub head_len: u64,
}

/// What to sign.
pub(crate) struct ToSign<'a> {
    pub method: &'a Method,
    /// Absolute (`http://host/path?query`), as it is sent.
    pub uri: &'a str,
    /// `host[:port]`, as the URI has it.
    pub host: &'a str,
    pub headers: &'a [(HeaderName, HeaderValue)],
    pub body: &'a [u8],
    /// Send and sign `x-amz-content-sha256` (function URLs: Lambda checks
    /// it when present, and services in front of a URL ask for it).
    pub content_sha256: bool,
}

pub(crate) fn sign(
    what: &ToSign<'_>,
    region: &str,
    identity: &Identity,
) -> Result<Signed, InvokeError> {
    let internal =
        |e: &dyn std::fmt::Display| InvokeError::internal(format!("cannot sign the request: {e}"));
    let host = HeaderValue::from_str(what.host)
        .map_err(|_| InvokeError::validation("url", format!("invalid host `{}`", what.host)))?;
    let mut builder = http::Request::builder()
        .method(what.method.clone())
        .uri(what.uri)
        .header(HOST, host.clone());
    for (name, value) in what.headers {
        builder = builder.header(name, value);
    }
    let mut request = builder
        .body(())
        .map_err(|e| InvokeError::validation("url", format!("cannot build the request: {e}")))?;

    // Values that are not text cannot be signed; validation only lets
    // visible ASCII through, so this holds.
    let mut signed_headers: Vec<(&str, &str)> = Vec::with_capacity(what.headers.len() + 1);
    signed_headers.push(("host", what.host));
    for (name, value) in what.headers {
        let value = value.to_str().map_err(|_| {
            InvokeError::validation("headers", format!("the header `{name}` is not text"))
        })?;
        signed_headers.push((name.as_str(), value));
    }
    let signable = SignableRequest::new(
        what.method.as_str(),
        what.uri,
        signed_headers.iter().copied(),
        SignableBody::Bytes(what.body),
    )
    .map_err(|e| internal(&e))?;
    let mut settings = SigningSettings::default();
    if what.content_sha256 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name("lambda")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .map_err(|e| internal(&e))?;
    let (instructions, _signature) = sigv4_sign(signable, &params.into())
        .map_err(|e| internal(&e))?
        .into_parts();
    instructions.apply_to_request_http1x(&mut request);

    let headers = request.headers_mut();
    // A body, or a method that normally has one: say how long it is (an
    // empty GET says nothing, as browsers and curl send it).
    let has_body_method = matches!(*what.method, Method::POST | Method::PUT | Method::PATCH);
    if !what.body.is_empty() || has_body_method {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(what.body.len()));
    }
    if !headers.contains_key(USER_AGENT) {
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    }

    let path_len = request
        .uri()
        .path_and_query()
        .map_or(1, |p| p.as_str().len());
    let header_len: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    // "<METHOD> <path> HTTP/1.1\r\n" + headers + "\r\n"
    let head_len = (what.method.as_str().len() + 1 + path_len + 11 + header_len + 2) as u64;
    Ok(Signed { request, head_len })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;

    fn identity(token: Option<&str>) -> Identity {
        Identity::from(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "test",
        ))
    }

    #[test]
    fn signs_every_header_and_the_body_hash() {
        let headers = [
            (
                HeaderName::from_static("content-type"),
                HeaderValue::from_static("application/json"),
            ),
            (
                HeaderName::from_static("x-custom"),
                HeaderValue::from_static("a  b"),
            ),
        ];
        let body = b"{\"a\":1}";
        let signed = sign(
            &ToSign {
                method: &Method::PUT,
                uri: "https://abc.lambda-url.us-east-1.on.aws/p%20q?b=2&a=1",
                host: "abc.lambda-url.us-east-1.on.aws",
                headers: &headers,
                body,
                content_sha256: true,
            },
            "us-east-1",
            &identity(Some("token")),
        )
        .unwrap();
        let r = &signed.request;
        assert_eq!(r.method(), Method::PUT);
        assert_eq!(r.headers()["host"], "abc.lambda-url.us-east-1.on.aws");
        assert_eq!(r.headers()["content-length"], "7");
        assert_eq!(r.headers()["x-amz-security-token"], "token");
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
    fn an_empty_get_has_no_content_length_and_no_hash_unless_asked() {
        let signed = sign(
            &ToSign {
                method: &Method::GET,
                uri: "http://127.0.0.1:9000/",
                host: "127.0.0.1:9000",
                headers: &[],
                body: b"",
                content_sha256: false,
            },
            "eu-west-1",
            &identity(None),
        )
        .unwrap();
        let headers = signed.request.headers();
        assert!(headers.get("content-length").is_none());
        assert!(headers.get("x-amz-content-sha256").is_none());
        assert!(headers.get("x-amz-security-token").is_none());
        assert_eq!(headers["user-agent"], USER_AGENT_VALUE);
    }
}

//! What a streamed call may send, validated before anything is: an
//! InvokeWithResponseStream request (Invoke's rules, RequestResponse or
//! DryRun only) and a function URL request.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Method, Uri};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::error::InvokeError;
use crate::request::{InvocationType, InvokeRequest};

/// An InvokeWithResponseStream request that passed validation: Invoke's
/// (name, qualifier, client context, 6 MB payload), and an invocation
/// type of RequestResponse or DryRun (the operation has no Event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidStreamRequest(InvokeRequest);

impl ValidStreamRequest {
    pub fn new(request: InvokeRequest) -> Result<Self, InvokeError> {
        if request.invocation_type == InvocationType::Event {
            return Err(InvokeError::validation(
                "invocationType",
                "invalid invocationType `Event` for InvokeWithResponseStream; expected one of: \
                 RequestResponse, DryRun (use invoke() for Event)",
            ));
        }
        if request.durable_execution_name.is_some() {
            return Err(InvokeError::validation(
                "durableExecutionName",
                "InvokeWithResponseStream takes no durableExecutionName (the operation has none; \
                 use invoke() to start a durable execution)",
            ));
        }
        request.validate()?;
        Ok(Self(request))
    }

    pub fn request(&self) -> &InvokeRequest {
        &self.0
    }

    pub(crate) fn into_inner(self) -> InvokeRequest {
        self.0
    }
}

/// A request to a Lambda function URL, as a script gives it. `Debug`
/// shows the URL without a password, the headers' names (a value may be
/// a key) and the body's length.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UrlRequest {
    /// `https://<url-id>.lambda-url.<region>.on.aws/path?query` (or any
    /// `http://` / `https://` URL). Characters a URL cannot carry as they
    /// are (spaces, non-ASCII) are percent-encoded; `%` escapes are kept;
    /// a `#fragment` is not sent.
    pub url: String,
    /// Any method; empty means GET without a body, POST with one. The
    /// usual methods are taken in any case (`post` is POST).
    pub method: String,
    /// Sent as given, in order, and signed. Those that signing or the
    /// HTTP framing sets are refused (see [`RESERVED_HEADERS`]).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for UrlRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("UrlRequest")
            .field("url", &crate::redact::url(&self.url))
            .field("method", &self.method)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Headers a caller may not set: the signature's own, and the framing's.
pub const RESERVED_HEADERS: &[&str] = &[
    "host",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
];

/// A function URL request ready to sign and send.
#[derive(Debug, Clone)]
pub struct ValidUrlRequest {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    /// `host[:port]` as the URL has it: the Host header, signed.
    pub(crate) host: String,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Bytes,
}

impl ValidUrlRequest {
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL as it is sent (encoded, without a fragment).
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The region in a function URL's host name
    /// (`<url-id>.lambda-url.<region>.on.aws`), if it is one.
    pub fn url_region(&self) -> Option<&str> {
        url_region(self.uri.host()?)
    }
}

/// `<url-id>.lambda-url.<region>.on.aws` → `<region>`.
pub fn url_region(host: &str) -> Option<&str> {
    let mut labels = host.trim_end_matches('.').split('.');
    let (_id, lambda_url, region) = (labels.next()?, labels.next()?, labels.next()?);
    let rest: Vec<&str> = labels.collect();
    (lambda_url == "lambda-url" && !region.is_empty() && rest == ["on", "aws"]).then_some(region)
}

/// What a URL cannot carry as it is: controls, space, non-ASCII (encoded
/// by `utf8_percent_encode` anyway) and the characters RFC 3986 excludes.
/// `%` is kept: escapes already in the URL stay as they are.
const URL_UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

impl UrlRequest {
    pub fn into_valid(self) -> Result<ValidUrlRequest, InvokeError> {
        let bad_url = |why: &str| {
            InvokeError::validation("url", format!("invalid function URL `{}`: {why}", self.url))
        };
        let text = self.url.trim();
        let text = text.split_once('#').map_or(text, |(before, _)| before);
        if text.is_empty() {
            return Err(bad_url(
                "empty: expected https://<url-id>.lambda-url.<region>.on.aws/...",
            ));
        }
        if !text.contains("://") {
            return Err(bad_url("no scheme: a function URL begins with https://"));
        }
        let encoded: String = utf8_percent_encode(text, URL_UNSAFE).collect();
        let uri: Uri = encoded
            .parse()
            .map_err(|e| bad_url(&format!("not a URL ({e})")))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            Some(other) => {
                return Err(bad_url(&format!(
                    "the scheme is {other}, not http or https"
                )))
            }
            None => return Err(bad_url("no scheme: a function URL begins with https://")),
        }
        let authority = uri.authority().ok_or_else(|| bad_url("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad_url(
                "it has user information (user@host): requests are signed with the client's credentials, not those",
            ));
        }
        if authority.host().is_empty() {
            return Err(bad_url("no host"));
        }
        let host = authority.as_str().to_owned();
        // An origin without a path is the root path.
        let uri = if uri.path_and_query().is_none() {
            let mut parts = uri.into_parts();
            parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
            Uri::from_parts(parts).map_err(|e| bad_url(&e.to_string()))?
        } else {
            uri
        };

        let method = method(&self.method, !self.body.is_empty())?;

        let mut headers = Vec::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            let bad = |why: String| InvokeError::validation("headers", why);
            let header = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| bad(format!("invalid header name `{name}`")))?;
            if RESERVED_HEADERS.contains(&header.as_str()) {
                return Err(bad(format!(
                    "the header `{name}` cannot be set: the request's signing or HTTP framing sets it \
                     (reserved: {})",
                    RESERVED_HEADERS.join(", ")
                )));
            }
            let value = HeaderValue::from_str(value.trim()).map_err(|_| {
                bad(format!(
                    "invalid value for the header `{name}`: visible ASCII characters, spaces and tabs only"
                ))
            })?;
            headers.push((header, value));
        }
        Ok(ValidUrlRequest {
            method,
            uri,
            host,
            headers,
            body: Bytes::from(self.body),
        })
    }
}

fn method(text: &str, has_body: bool) -> Result<Method, InvokeError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(if has_body { Method::POST } else { Method::GET });
    }
    const KNOWN: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    let upper = text.to_ascii_uppercase();
    let name = if KNOWN.contains(&upper.as_str()) {
        upper.as_str()
    } else {
        text
    };
    if name.eq_ignore_ascii_case("CONNECT") {
        return Err(InvokeError::validation(
            "method",
            "invalid method `CONNECT`: a function URL is not a proxy",
        ));
    }
    Method::from_bytes(name.as_bytes()).map_err(|_| {
        InvokeError::validation(
            "method",
            format!("invalid method `{text}`: a method is a token such as GET, POST or PUT"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(url: &str) -> Result<ValidUrlRequest, InvokeError> {
        UrlRequest {
            url: url.into(),
            ..Default::default()
        }
        .into_valid()
    }

    #[test]
    fn stream_requests_refuse_event_and_keep_invokes_rules() {
        let request = |name: &str, kind| InvokeRequest {
            function_name: name.into(),
            invocation_type: kind,
            ..Default::default()
        };
        assert!(ValidStreamRequest::new(request("f", InvocationType::RequestResponse)).is_ok());
        assert!(ValidStreamRequest::new(request("f", InvocationType::DryRun)).is_ok());
        let err = ValidStreamRequest::new(request("f", InvocationType::Event)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("invocationType"));
        assert!(
            err.message.contains("RequestResponse, DryRun"),
            "{}",
            err.message
        );
        let err = ValidStreamRequest::new(request("bad name", InvocationType::RequestResponse))
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("name"));
        // A tenant, as Invoke takes it; no durable execution.
        let mut tenant = request("f", InvocationType::RequestResponse);
        tenant.tenant_id = Some("blue".into());
        assert!(ValidStreamRequest::new(tenant.clone()).is_ok());
        tenant.tenant_id = Some(" blue".into());
        let err = ValidStreamRequest::new(tenant).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tenantId"));
        let mut durable = request("f", InvocationType::RequestResponse);
        durable.durable_execution_name = Some("order-1".into());
        let err = ValidStreamRequest::new(durable).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("durableExecutionName"));
    }

    #[test]
    fn urls_are_encoded_and_checked() {
        let r = url("https://abc.lambda-url.eu-west-1.on.aws").unwrap();
        assert_eq!(
            r.uri.to_string(),
            "https://abc.lambda-url.eu-west-1.on.aws/"
        );
        assert_eq!(r.host, "abc.lambda-url.eu-west-1.on.aws");
        assert_eq!(r.url_region(), Some("eu-west-1"));
        assert_eq!(r.method, Method::GET);

        let r = url("http://127.0.0.1:9/lambda-url/f/a b/é?q=x y&z=%2F#frag").unwrap();
        assert_eq!(
            r.uri.to_string(),
            "http://127.0.0.1:9/lambda-url/f/a%20b/%C3%A9?q=x%20y&z=%2F"
        );
        assert_eq!(r.host, "127.0.0.1:9");
        assert_eq!(r.url_region(), None);

        for (bad, why) in [
            ("", "empty"),
            ("  ", "empty"),
            ("abc.lambda-url.us-east-1.on.aws/", "no scheme"),
            ("ftp://host/", "not http or https"),
            ("https://user:pw@host/", "user information"),
            ("https:///path", "not a URL"),
        ] {
            let err = url(bad).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("url"), "{bad}");
            assert!(err.message.contains(why), "{bad}: {}", err.message);
        }
    }

    /// A refused URL is quoted in the error, its password redacted.
    #[test]
    fn a_refused_urls_password_is_not_quoted() {
        for bad in [
            "https://user:s3cretPW@host/",
            "ftp://user:s3cretPW@host/",
            "http://user:s3cretPW@host/a\tb",
        ] {
            let err = url(bad).unwrap_err();
            assert!(!err.message.contains("s3cretPW"), "{}", err.message);
            assert!(err.message.contains("user:***@host"), "{}", err.message);
            assert!(!format!("{err:?}").contains("s3cretPW"), "{err:?}");
        }
        let request = UrlRequest {
            url: "https://user:s3cretPW@host/".into(),
            ..Default::default()
        };
        assert!(!format!("{request:?}").contains("s3cretPW"), "{request:?}");
    }

    #[test]
    fn url_regions() {
        assert_eq!(
            url_region("x.lambda-url.us-east-1.on.aws"),
            Some("us-east-1")
        );
        assert_eq!(
            url_region("x.lambda-url.us-east-1.on.aws."),
            Some("us-east-1")
        );
        assert_eq!(url_region("x.lambda-url.us-east-1.on.aws.evil"), None);
        assert_eq!(url_region("lambda.us-east-1.amazonaws.com"), None);
        assert_eq!(url_region("127.0.0.1"), None);
    }

    #[test]
    fn methods_default_by_body_and_take_any_case() {
        let with = |method: &str, body: &[u8]| {
            UrlRequest {
                url: "https://h/".into(),
                method: method.into(),
                body: body.to_vec(),
                ..Default::default()
            }
            .into_valid()
            .map(|r| r.method)
        };
        assert_eq!(with("", b""), Ok(Method::GET));
        assert_eq!(with("", b"x"), Ok(Method::POST));
        assert_eq!(with("put", b""), Ok(Method::PUT));
        assert_eq!(with("Delete", b""), Ok(Method::DELETE));
        assert_eq!(with("PROPFIND", b"").unwrap().as_str(), "PROPFIND");
        assert_eq!(
            with("bad method", b"").unwrap_err().field.as_deref(),
            Some("method")
        );
        assert_eq!(
            with("connect", b"").unwrap_err().field.as_deref(),
            Some("method")
        );
    }

    #[test]
    fn headers_are_checked_and_reserved_ones_refused() {
        let with = |name: &str, value: &str| {
            UrlRequest {
                url: "https://h/".into(),
                headers: vec![(name.into(), value.into())],
                ..Default::default()
            }
            .into_valid()
        };
        let r = with("X-Trace", " abc ").unwrap();
        assert_eq!(r.headers[0].0.as_str(), "x-trace");
        assert_eq!(r.headers[0].1, "abc");
        for reserved in ["Host", "authorization", "X-Amz-Date", "Content-Length"] {
            let err = with(reserved, "x").unwrap_err();
            assert_eq!(err.field.as_deref(), Some("headers"));
            assert!(err.message.contains("cannot be set"), "{}", err.message);
        }
        assert!(with("bad name", "x")
            .unwrap_err()
            .message
            .contains("header name"));
        assert!(with("x", "line\nbreak")
            .unwrap_err()
            .message
            .contains("invalid value"));
    }
}

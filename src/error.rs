//! Why an invocation did not produce a response, in the terms a k6 script
//! handles: a `name`, a `code`, a message, and what AWS said about it.

use std::error::Error as StdError;
use std::io;

use aws_sdk_lambda::error::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use serde::Serialize;

/// The broad class of a failure; the Go shim picks the JS error class from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// The request was refused before it was sent (bad name, option, size).
    Validation,
    /// Lambda (or the endpoint) answered with an error status.
    Service,
    /// No complete answer arrived: refused, reset, timed out, DNS.
    Network,
    /// The caller cancelled the invocation (the k6 VU stopped).
    Cancelled,
    /// No credentials to sign with (the credential chain found none).
    Credentials,
    /// The configuration could not be completed at the first invocation
    /// (no region from the script or the AWS chain): InvalidAWSConfigError.
    Config,
    /// A bug of this library, reported instead of crashing k6.
    Internal,
}

/// An error's `code`: the AWS error type for service errors, k6's numeric
/// network error code (<https://grafana.com/docs/k6/latest/javascript-api/error-codes/>)
/// for network errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ErrorCode {
    Text(String),
    Number(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvokeError {
    pub kind: ErrorKind,
    pub name: String,
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For validation errors: the option or argument at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For throttling (429): `Retry-After`, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// For throttling (429): why, e.g. `ReservedFunctionConcurrentInvocationLimitExceeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A network error after the server answered: unreadably (a malformed
    /// status line or header, which the SDK does not retry either), or with
    /// a 200 whose body broke off (the function ran: another attempt would
    /// run it twice). Never retried.
    #[serde(skip)]
    pub(crate) not_retryable: bool,
    /// Refused by k6's network options (`blacklistIPs`, `blockHostnames`)
    /// before anything was sent: no invocation of the function.
    #[serde(skip)]
    pub(crate) by_policy: bool,
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

impl StdError for InvokeError {}

/// k6's network error codes that this library can tell apart.
pub(crate) mod k6_code {
    pub const GENERIC: u32 = 1000;
    pub const REQUEST_TIMEOUT: u32 = 1050;
    pub const GENERIC_DNS: u32 = 1100;
    pub const DNS_NO_SUCH_HOST: u32 = 1101;
    pub const BLACKLISTED_IP: u32 = 1110;
    pub const BLOCKED_HOSTNAME: u32 = 1111;
    pub const GENERIC_TCP: u32 = 1200;
    pub const BROKEN_PIPE: u32 = 1201;
    pub const DIAL_TIMEOUT: u32 = 1211;
    pub const DIAL_REFUSED: u32 = 1212;
    pub const RESET_BY_PEER: u32 = 1220;
    pub const GENERIC_TLS: u32 = 1300;
    pub const TLS_UNKNOWN_AUTHORITY: u32 = 1310;
    pub const TLS_HOSTNAME_MISMATCH: u32 = 1311;
}

impl InvokeError {
    /// An error with only its identity set; the constructors below add
    /// what their kind carries. Every constructor comes here, so every
    /// message is redacted here (`redact::message`: no URL's password, no
    /// credential process's stderr): it reaches JavaScript, and so k6's log.
    fn new(kind: ErrorKind, name: &str, code: ErrorCode, message: String) -> Self {
        Self {
            kind,
            name: name.into(),
            code,
            message: crate::redact::message(message),
            status_code: None,
            request_id: None,
            field: None,
            retry_after_seconds: None,
            reason: None,
            not_retryable: false,
            by_policy: false,
        }
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(
                ErrorKind::Validation,
                "InvalidInvocationError",
                ErrorCode::Text("InvalidParameterValue".into()),
                message.into(),
            )
        }
    }

    pub fn cancelled() -> Self {
        Self::new(
            ErrorKind::Cancelled,
            "CancelledError",
            ErrorCode::Text("Cancelled".into()),
            "the invocation was cancelled: the k6 VU that started it has stopped".into(),
        )
    }

    pub fn credentials(message: String) -> Self {
        Self::new(
            ErrorKind::Credentials,
            "CredentialsError",
            ErrorCode::Text("CredentialsError".into()),
            message,
        )
    }

    pub fn config(message: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::Config,
            "InvalidAWSConfigError",
            ErrorCode::Text("InvalidAWSConfig".into()),
            message.into(),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::Internal,
            "InternalError",
            ErrorCode::Text("Internal".into()),
            message.into(),
        )
    }

    pub(crate) fn network(name: &str, code: u32, message: String) -> Self {
        Self::new(ErrorKind::Network, name, ErrorCode::Number(code), message)
    }

    pub(crate) fn service(
        code: String,
        message: String,
        status: u16,
        request_id: Option<String>,
    ) -> Self {
        Self {
            status_code: Some(status),
            request_id,
            ..Self::new(
                ErrorKind::Service,
                &code,
                ErrorCode::Text(code.clone()),
                message,
            )
        }
    }

    /// `{"error": {...}}`: a refusal, or a completion without wire
    /// statistics (see `Invoked::to_json` for those).
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Envelope<'a> {
            error: &'a InvokeError,
        }
        serde_json::to_vec(&Envelope { error: self }).unwrap_or_else(|_| {
            br#"{"error":{"kind":"internal","name":"InternalError","code":"Internal","message":"cannot encode the error"}}"#.to_vec()
        })
    }
}

/// A connection refused or failed before anything was sent, with the JS
/// error class and k6 code it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialError {
    pub name: &'static str,
    pub code: u32,
    pub message: String,
    /// Refused by the test's own options (`blacklistIPs`,
    /// `blockHostnames`): not an invocation of the function, and the same
    /// again on a retry.
    pub by_policy: bool,
}

impl std::fmt::Display for DialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DialError {}

impl DialError {
    pub(crate) fn blacklisted(ip: std::net::IpAddr, range: &ipnet::IpNet) -> Self {
        Self {
            name: "DNSError",
            code: k6_code::BLACKLISTED_IP,
            message: format!(
                "ip is blacklisted: IP ({ip}) is in a blacklisted range ({range}) of the blacklistIPs option"
            ),
            by_policy: true,
        }
    }

    pub(crate) fn blocked(host: &str, pattern: &str) -> Self {
        Self {
            name: "DNSError",
            code: k6_code::BLOCKED_HOSTNAME,
            message: format!(
                "hostname is blocked: hostname ({host}) is in a blocked pattern ({pattern}) of the blockHostnames option"
            ),
            by_policy: true,
        }
    }

    pub(crate) fn dns(code: u32, message: String) -> Self {
        Self {
            name: "DNSError",
            code,
            message,
            by_policy: false,
        }
    }
}

impl From<crate::config::ConfigError> for InvokeError {
    fn from(err: crate::config::ConfigError) -> Self {
        InvokeError::config(err.message)
    }
}

/// Any operation's (Invoke, InvokeWithResponseStream): they fail alike
/// before their answer.
impl<E> From<SdkError<E, HttpResponse>> for InvokeError
where
    E: StdError + Send + Sync + 'static,
{
    fn from(err: SdkError<E, HttpResponse>) -> Self {
        match &err {
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                from_service_error(ctx.raw(), status)
            }
            SdkError::TimeoutError(_) => InvokeError::network(
                "GeneralError",
                k6_code::REQUEST_TIMEOUT,
                format!("request timeout: {}", error_chain(&err)),
            ),
            SdkError::DispatchFailure(failure) => {
                let detail = error_chain(&err);
                if find_source::<aws_credential_types::provider::error::CredentialsError>(&err)
                    .is_some()
                {
                    // The SDK resolves the identity inside its dispatch: a
                    // failure there sent nothing.
                    return InvokeError::credentials(format!(
                        "no credentials from the AWS credential chain: {detail}"
                    ));
                }
                if failure.is_timeout() {
                    return InvokeError::network(
                        "GeneralError",
                        k6_code::REQUEST_TIMEOUT,
                        format!("request timeout: {detail}"),
                    );
                }
                classify_network(&err, detail)
            }
            SdkError::ResponseError(ctx) => {
                let status = ctx.raw().status().as_u16();
                if let Some(too_large) = find_source::<crate::limits::TooLarge>(&err) {
                    // The body over its bound (limits::BoundedAnswer).
                    return too_large.error(status, None);
                }
                InvokeError::network(
                    "GeneralError",
                    k6_code::GENERIC,
                    format!("invalid response (HTTP {status}): {}", error_chain(&err)),
                )
            }
            SdkError::ConstructionFailure(_) => InvokeError::validation(
                "request",
                format!("cannot build the request: {}", error_chain(&err)),
            ),
            _ => InvokeError::internal(error_chain(&err)),
        }
    }
}

/// A service error, read from the HTTP response as the Lambda REST-JSON
/// protocol defines it: the type from `X-Amzn-ErrorType` (before any `:`)
/// or the body's `__type`/`code`; the message from the body's `message` or
/// `Message`. Endpoints that answer with a bare Lambda error body (`cargo
/// lambda watch` does, with HTTP 500) give the function's `errorType` and
/// `errorMessage`. Both transports use this, so they report alike.
///
/// `body` is what was read of the body: at most `limits::MAX_ERROR_BODY`
/// bytes and one more, which says that there was more (not read). The
/// message keeps at most `limits::MAX_ERROR_MESSAGE` bytes, and says when
/// it or the body was cut.
pub(crate) fn service_error<'a>(
    status: u16,
    header: impl Fn(&str) -> Option<&'a str>,
    body: &[u8],
) -> InvokeError {
    let body_cut = body.len() > crate::limits::MAX_ERROR_BODY;
    let body = &body[..body.len().min(crate::limits::MAX_ERROR_BODY)];
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let body_field = |key: &str| {
        json.as_ref()
            .and_then(|v| v.get(key))
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let clean_type = |t: &str| {
        let t = t.split(':').next().unwrap_or(t);
        t.rsplit('#').next().unwrap_or(t).trim().to_owned()
    };
    let code = header("x-amzn-errortype")
        .map(clean_type)
        .or_else(|| body_field("__type").map(|t| clean_type(&t)))
        .or_else(|| body_field("code").map(|t| clean_type(&t)))
        .or_else(|| body_field("errorType"))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| fallback_code(status).to_owned());
    let message = body_field("message")
        .or_else(|| body_field("Message"))
        .or_else(|| body_field("errorMessage"))
        .or_else(|| {
            let text = String::from_utf8_lossy(body).trim().to_string();
            (!text.is_empty()).then_some(text)
        })
        .unwrap_or_else(|| format!("HTTP {status} with no error message"));
    let message = crate::limits::error_message(message, body_cut);
    let request_id = header("x-amzn-requestid").map(str::to_owned);
    let mut error = InvokeError::service(code, message, status, request_id);
    if status == 429 {
        error.retry_after_seconds = header("retry-after")
            .map(str::to_owned)
            .or_else(|| body_field("retryAfterSeconds"))
            // At most i64::MAX: the Go shim reads it into an int64.
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|seconds| u64::try_from(seconds).ok());
        error.reason = body_field("Reason");
    }
    error
}

fn from_service_error(raw: &HttpResponse, status: u16) -> InvokeError {
    let body = raw.body().bytes().unwrap_or_default();
    service_error(status, |name| raw.headers().get(name), body)
}

fn fallback_code(status: u16) -> &'static str {
    match status {
        400 => "InvalidRequestContentException",
        403 => "AccessDeniedException",
        404 => "ResourceNotFoundException",
        413 => "RequestTooLargeException",
        429 => "TooManyRequestsException",
        502 => "ServiceException",
        _ => "ServiceException",
    }
}

/// The first of `err` and its sources that is an `E`.
pub(crate) fn find_source<'a, E: StdError + 'static>(
    err: &'a (dyn StdError + 'static),
) -> Option<&'a E> {
    let mut source = Some(err);
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<E>() {
            return Some(found);
        }
        source = current.source();
    }
    None
}

/// An error and its sources, as one line: `a: b: c`. (The SDK's
/// DisplayErrorContext adds a Debug dump that no script user wants.)
pub(crate) fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = source {
        let text = current.to_string();
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        source = current.source();
    }
    parts.join(": ")
}

/// Finds the `io::Error` under a dispatch failure to name the cause as k6
/// names it for HTTP requests.
pub(crate) fn classify_network(err: &(dyn StdError + 'static), detail: String) -> InvokeError {
    if let Some(dial) = find_source::<DialError>(err) {
        let mut error = InvokeError::network(dial.name, dial.code, dial.message.clone());
        // The test's own options refused it: a retry would be refused too.
        error.not_retryable = dial.by_policy;
        error.by_policy = dial.by_policy;
        return error;
    }
    if let Some(tls) = tls_error(err, &detail) {
        return tls;
    }
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    let mut dns = false;
    while let Some(current) = source {
        if let Some(io_err) = current.downcast_ref::<io::Error>() {
            let (name, code, what) = match io_err.kind() {
                io::ErrorKind::ConnectionRefused => {
                    ("TCPError", k6_code::DIAL_REFUSED, "connection refused")
                }
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => (
                    "TCPError",
                    k6_code::RESET_BY_PEER,
                    "connection reset by peer",
                ),
                io::ErrorKind::BrokenPipe => ("TCPError", k6_code::BROKEN_PIPE, "broken pipe"),
                io::ErrorKind::TimedOut => ("TCPError", k6_code::DIAL_TIMEOUT, "dial timeout"),
                _ if dns => ("DNSError", k6_code::GENERIC_DNS, "DNS lookup failed"),
                _ => ("TCPError", k6_code::GENERIC_TCP, "TCP error"),
            };
            return InvokeError::network(name, code, format!("{what}: {detail}"));
        }
        dns |= current.to_string().contains("dns error");
        source = current.source();
    }
    if dns {
        return InvokeError::network(
            "DNSError",
            k6_code::GENERIC_DNS,
            format!("DNS lookup failed: {detail}"),
        );
    }
    InvokeError::network("GeneralError", k6_code::GENERIC, detail)
}

/// A TLS failure (rustls's error, which tokio-rustls wraps in an
/// `io::Error`), with k6's TLS codes: a certificate from an unknown
/// authority, one for another host name, anything else.
fn tls_error(err: &(dyn StdError + 'static), detail: &str) -> Option<InvokeError> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = source {
        // An io::Error's source() skips the error it wraps (it returns
        // that error's source): look inside, through nested io::Errors too.
        let mut wrapped = Some(current);
        let mut found = None;
        while let Some(e) = wrapped {
            if let Some(tls) = e.downcast_ref::<rustls::Error>() {
                found = Some(tls);
                break;
            }
            wrapped = e
                .downcast_ref::<io::Error>()
                .and_then(io::Error::get_ref)
                .map(|inner| inner as &(dyn StdError + 'static));
        }
        if let Some(tls) = found {
            use rustls::CertificateError as Cert;
            let (code, what) = match tls {
                rustls::Error::InvalidCertificate(Cert::UnknownIssuer | Cert::BadSignature) => (
                    k6_code::TLS_UNKNOWN_AUTHORITY,
                    "certificate signed by an unknown authority",
                ),
                rustls::Error::InvalidCertificate(
                    Cert::NotValidForName | Cert::NotValidForNameContext { .. },
                ) => (
                    k6_code::TLS_HOSTNAME_MISMATCH,
                    "certificate is not valid for the host name",
                ),
                _ => (k6_code::GENERIC_TLS, "TLS error"),
            };
            return Some(InvokeError::network(
                "TLSError",
                code,
                format!("{what}: {detail}"),
            ));
        }
        source = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As hyper-rustls and the SDK's connector wrap it: rustls's error in an
    /// io::Error in another io::Error (whose source() skips the middle one).
    #[test]
    fn tls_failures_get_k6s_tls_codes() {
        let nested =
            |e: rustls::Error| io::Error::other(io::Error::new(io::ErrorKind::InvalidData, e));
        let unknown = nested(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        let err = classify_network(&unknown, error_chain(&unknown));
        assert_eq!(
            (err.name.as_str(), &err.code),
            ("TLSError", &ErrorCode::Number(1310))
        );
        let name = nested(rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName,
        ));
        let err = classify_network(&name, error_chain(&name));
        assert_eq!(err.code, ErrorCode::Number(1311));
        let other = nested(rustls::Error::HandshakeNotComplete);
        let err = classify_network(&other, error_chain(&other));
        assert_eq!(
            (err.name.as_str(), &err.code),
            ("TLSError", &ErrorCode::Number(1300))
        );
    }

    #[test]
    fn validation_errors_name_the_field() {
        let err = InvokeError::validation("logType", "bad");
        let json: serde_json::Value = serde_json::from_slice(&err.to_json()).unwrap();
        assert_eq!(json["error"]["kind"], "validation");
        assert_eq!(json["error"]["field"], "logType");
        assert!(json["error"].get("statusCode").is_none());
    }

    #[test]
    fn refused_connections_get_k6s_code() {
        let io_err = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        let err = classify_network(&io_err, "tcp connect error".into());
        assert_eq!(err.name, "TCPError");
        assert_eq!(err.code, ErrorCode::Number(1212));
        assert!(err.message.starts_with("connection refused"));
    }

    #[test]
    fn retry_after_fits_the_go_shims_int64() {
        // internal/native decodes retryAfterSeconds into an int64: a larger
        // number made the whole outcome unreadable there (an InternalError
        // instead of the throttling error).
        let throttled = |retry_after: &'static str| {
            let header = move |name: &str| (name == "retry-after").then_some(retry_after);
            service_error(429, header, b"{}").retry_after_seconds
        };
        assert_eq!(throttled("2"), Some(2));
        assert_eq!(throttled(" 9223372036854775807 "), Some(i64::MAX as u64));
        for beyond in ["9223372036854775808", "18446744073709551615", "-1", "soon"] {
            assert_eq!(throttled(beyond), None, "{beyond}");
        }
    }

    #[test]
    fn service_errors_use_the_aws_type_as_name_and_code() {
        let err = InvokeError::service(
            "ResourceNotFoundException".into(),
            "Function not found".into(),
            404,
            Some("r-1".into()),
        );
        let json: serde_json::Value = serde_json::from_slice(&err.to_json()).unwrap();
        assert_eq!(json["error"]["name"], "ResourceNotFoundException");
        assert_eq!(json["error"]["code"], "ResourceNotFoundException");
        assert_eq!(json["error"]["statusCode"], 404);
        assert_eq!(json["error"]["requestId"], "r-1");
    }
}

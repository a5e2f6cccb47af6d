//! One `Invoke` call: the request, its validation (before anything is
//! sent), and the call itself.

use std::str::FromStr;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType as SdkInvocationType, LogType as SdkLogType};
use base64::Engine;

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::client::Client;
use crate::error::InvokeError;
use crate::metering::{Traffic, TrafficMeter};
use crate::report::Report;
use crate::response::{decode_log, InvocationResponse};

/// Lambda's limits on a request payload.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
pub const MAX_EVENT_PAYLOAD: usize = 1024 * 1024;
/// Lambda's limit on `X-Amz-Client-Context`, base64 text included.
pub const MAX_CLIENT_CONTEXT: usize = 3583;
const MAX_FUNCTION_NAME: usize = 256;
const MAX_QUALIFIER: usize = 128;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InvocationType {
    #[default]
    RequestResponse,
    Event,
    DryRun,
}

impl InvocationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestResponse => "RequestResponse",
            Self::Event => "Event",
            Self::DryRun => "DryRun",
        }
    }
}

impl FromStr for InvocationType {
    type Err = InvokeError;

    /// Exact names, as the Lambda API takes them; empty means the default.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "RequestResponse" => Ok(Self::RequestResponse),
            "Event" => Ok(Self::Event),
            "DryRun" => Ok(Self::DryRun),
            other => Err(InvokeError::validation(
                "invocationType",
                format!(
                    "invalid invocationType `{other}`; expected one of: RequestResponse, Event, DryRun"
                ),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogType {
    #[default]
    None,
    Tail,
}

impl FromStr for LogType {
    type Err = InvokeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "None" => Ok(Self::None),
            "Tail" => Ok(Self::Tail),
            other => Err(InvokeError::validation(
                "logType",
                format!("invalid logType `{other}`; expected one of: None, Tail"),
            )),
        }
    }
}

/// An invocation as the script asked for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvokeRequest {
    pub function_name: String,
    pub payload: Vec<u8>,
    pub invocation_type: InvocationType,
    pub log_type: LogType,
    /// Base64 text, passed as `X-Amz-Client-Context`.
    pub client_context: Option<String>,
    pub qualifier: Option<String>,
}

impl InvokeRequest {
    /// Refuses what Lambda would refuse, before it costs a round trip, with
    /// a message that names the field and the rule.
    pub fn validate(&self) -> Result<(), InvokeError> {
        validate_function_name(&self.function_name)?;
        if let Some(qualifier) = &self.qualifier {
            validate_qualifier(qualifier)?;
        }
        if let Some(context) = &self.client_context {
            validate_client_context(context)?;
        }
        let limit = match self.invocation_type {
            InvocationType::Event => MAX_EVENT_PAYLOAD,
            _ => MAX_SYNC_PAYLOAD,
        };
        if self.payload.len() > limit {
            return Err(InvokeError::validation(
                "payload",
                format!(
                    "payload is {} bytes; Lambda accepts at most {} bytes for {} invocations",
                    self.payload.len(),
                    limit,
                    self.invocation_type.as_str()
                ),
            ));
        }
        Ok(())
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

fn is_qualifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '$'
}

/// Function name, ARN or partial ARN, with an optional `:qualifier`, as the
/// `FunctionName` pattern of the Invoke API reference allows.
fn validate_function_name(name: &str) -> Result<(), InvokeError> {
    let bad = |rule: &str| {
        Err(InvokeError::validation(
            "name",
            format!("invalid function name `{name}`: {rule}"),
        ))
    };
    if name.is_empty() {
        return bad("expected a function name, ARN or partial ARN; got an empty string");
    }
    if name.len() > MAX_FUNCTION_NAME {
        return bad(&format!(
            "at most {MAX_FUNCTION_NAME} characters, got {}",
            name.len()
        ));
    }
    let parts: Vec<&str> = name.split(':').collect();
    let (function, qualifier) = match parts.as_slice() {
        ["arn", partition, "lambda", region, account, "function", function, rest @ ..]
            if rest.len() <= 1 =>
        {
            if !partition.starts_with("aws") || region.is_empty() {
                return bad("an ARN reads arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]");
            }
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return bad("the account ID in an ARN is 12 digits");
            }
            (*function, rest.first().copied())
        }
        [account, "function", function, rest @ ..] if rest.len() <= 1 => {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return bad("the account ID in a partial ARN is 12 digits");
            }
            (*function, rest.first().copied())
        }
        [function] => (*function, None),
        [function, qualifier] => (*function, Some(*qualifier)),
        _ => {
            return bad(
                "expected NAME[:QUALIFIER], ACCOUNT:function:NAME[:QUALIFIER] or a function ARN",
            )
        }
    };
    if function.is_empty() || !function.chars().all(is_name_char) {
        return bad("a function name has only letters, digits, '-', '_' and '.'");
    }
    if parts.len() <= 2 && function.len() > 64 {
        return bad("a function name alone is at most 64 characters");
    }
    if let Some(qualifier) = qualifier {
        validate_qualifier(qualifier).map_err(|mut e| {
            e.field = Some("name".into());
            e
        })?;
    }
    Ok(())
}

fn validate_qualifier(qualifier: &str) -> Result<(), InvokeError> {
    let ok = qualifier == "$LATEST"
        || (!qualifier.is_empty()
            && qualifier.len() <= MAX_QUALIFIER
            && qualifier.chars().all(is_qualifier_char));
    if ok {
        Ok(())
    } else {
        Err(InvokeError::validation(
            "qualifier",
            format!(
                "invalid qualifier `{qualifier}`: expected $LATEST, a version or an alias: 1 to {MAX_QUALIFIER} of letters, digits, '-', '_' and '$'"
            ),
        ))
    }
}

fn validate_client_context(context: &str) -> Result<(), InvokeError> {
    if context.len() > MAX_CLIENT_CONTEXT {
        return Err(InvokeError::validation(
            "clientContext",
            format!(
                "clientContext is {} bytes; Lambda accepts at most {MAX_CLIENT_CONTEXT} bytes of base64 text",
                context.len()
            ),
        ));
    }
    if base64::engine::general_purpose::STANDARD
        .decode(context)
        .is_err()
    {
        return Err(InvokeError::validation(
            "clientContext",
            "clientContext must be base64 text (for example `encoding.b64encode(JSON.stringify({custom: {...}}))`)",
        ));
    }
    Ok(())
}

/// What an invocation did on the network, for k6's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WireStats {
    /// Bytes sent and received (retries included), for data_sent and
    /// data_received; only what left, not what a refused connection would
    /// have carried.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// From the first attempt's hand-over to the HTTP client to the end of
    /// the answer or the failure. None: the invocation never reached the
    /// network (credentials, configuration, a bug), so it is no sample of
    /// the function.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ns: Option<u64>,
    /// When it ended, as Unix time in nanoseconds: the samples' time.
    pub end_unix_ns: u64,
}

impl WireStats {
    fn measure(traffic: &Traffic) -> Self {
        let end = Instant::now();
        let end_unix_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Self {
            bytes_sent: traffic.sent(),
            bytes_received: traffic.received(),
            duration_ns: traffic
                .first_attempt()
                .map(|start| u64::try_from((end - start).as_nanos()).unwrap_or(u64::MAX)),
            end_unix_ns,
        }
    }
}

/// The outcome of an invocation: the response or the error, and what it
/// did on the network either way.
#[derive(Debug)]
pub struct Invoked {
    pub result: Result<InvocationResponse, InvokeError>,
    pub wire: WireStats,
}

impl Invoked {
    /// The completion JSON of the C ABI (see `LambdaCompletionCallback`):
    /// the response's fields or `error`, and the wire statistics.
    pub fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Completion<'a> {
            #[serde(flatten, skip_serializing_if = "Option::is_none")]
            response: Option<&'a InvocationResponse>,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a InvokeError>,
            #[serde(flatten)]
            wire: &'a WireStats,
        }
        let completion = Completion {
            response: self.result.as_ref().ok(),
            error: self.result.as_ref().err(),
            wire: &self.wire,
        };
        serde_json::to_vec(&completion).unwrap_or_else(|e| {
            InvokeError::internal(format!("cannot encode the outcome: {e}")).to_json()
        })
    }
}

/// A request that passed [`InvokeRequest::validate`]: the only kind
/// [`invoke`] takes, so validation happens once, where the caller can
/// still refuse the call synchronously.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest(InvokeRequest);

impl InvokeRequest {
    pub fn into_valid(self) -> Result<ValidRequest, InvokeError> {
        self.validate()?;
        Ok(ValidRequest(self))
    }
}

/// Sends the invocation and waits for Lambda's answer.
///
/// A function error is a response (with `function_error` set), not an
/// `Err`: the caller decides how to surface it, with the payload intact.
pub async fn invoke(client: &Client, request: ValidRequest) -> Invoked {
    let traffic = Arc::new(Traffic::default());
    let result = send(client, request.0, &traffic).await;
    let mut wire = WireStats::measure(&traffic);
    if matches!(&result, Err(e) if e.by_policy) && wire.bytes_sent == 0 {
        // Refused by the test's own network options before a byte left:
        // not an invocation of the function (k6 codes 1110, 1111).
        wire.duration_ns = None;
    }
    Invoked { result, wire }
}

async fn send(
    client: &Client,
    request: InvokeRequest,
    traffic: &Arc<Traffic>,
) -> Result<InvocationResponse, InvokeError> {
    let backend = client.backend().await?;
    match &backend.direct {
        Some(transport) => transport.invoke(request, traffic).await,
        None => send_with_sdk(&backend.sdk, request, traffic).await,
    }
}

/// The same invocation through aws-sdk-lambda (`transport: 'sdk'`).
async fn send_with_sdk(
    sdk: &aws_sdk_lambda::Client,
    request: InvokeRequest,
    traffic: &Arc<Traffic>,
) -> Result<InvocationResponse, InvokeError> {
    let mut call = sdk
        .invoke()
        .function_name(request.function_name)
        .invocation_type(SdkInvocationType::from(request.invocation_type.as_str()))
        .payload(Blob::new(request.payload));
    if request.log_type == LogType::Tail {
        call = call.log_type(SdkLogType::Tail);
    }
    if let Some(context) = request.client_context {
        call = call.client_context(context);
    }
    if let Some(qualifier) = request.qualifier {
        call = call.qualifier(qualifier);
    }
    let mut output = call
        .customize()
        .interceptor(TrafficMeter(Arc::clone(traffic)))
        .send()
        .await?;
    let payload = match output.payload.take() {
        Some(blob) => String::from_utf8(blob.into_inner())
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        None => String::new(),
    };
    let log_result = output.log_result.as_deref().map(decode_log);
    Ok(InvocationResponse {
        status_code: u16::try_from(output.status_code).unwrap_or(0),
        executed_version: output.executed_version.take(),
        report: log_result.as_deref().and_then(Report::from_log),
        log_result,
        payload,
        function_error: output.function_error.take(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str) -> InvokeRequest {
        InvokeRequest {
            function_name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_names_arns_and_qualifiers() {
        for name in [
            "add-numbers",
            "add-numbers:prod",
            "add-numbers:$LATEST",
            "123456789012:function:add-numbers",
            "123456789012:function:add-numbers:7",
            "arn:aws:lambda:us-east-1:123456789012:function:add-numbers",
            "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:alias_1",
        ] {
            assert_eq!(request(name).validate(), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_bad_names_with_the_rule() {
        for (name, rule) in [
            ("", "empty"),
            ("has space", "letters, digits"),
            ("a/b", "letters, digits"),
            ("f:bad qualifier", "qualifier"),
            ("12345:function:f", "12 digits"),
            ("a:b:c:d:e", "expected NAME"),
            (&"x".repeat(65), "64 characters"),
            (&"x".repeat(257), "at most 256"),
        ] {
            let err = request(name).validate().unwrap_err();
            assert_eq!(err.field.as_deref(), Some("name"), "{name}");
            assert!(err.message.contains(rule), "{name}: {}", err.message);
        }
    }

    #[test]
    fn parses_invocation_and_log_types() {
        assert_eq!(
            "".parse::<InvocationType>(),
            Ok(InvocationType::RequestResponse)
        );
        assert_eq!(
            "DryRun".parse::<InvocationType>(),
            Ok(InvocationType::DryRun)
        );
        let err = "event".parse::<InvocationType>().unwrap_err();
        assert!(
            err.message.contains("RequestResponse, Event, DryRun"),
            "{}",
            err.message
        );
        assert_eq!("Tail".parse::<LogType>(), Ok(LogType::Tail));
        let err = "tail".parse::<LogType>().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("logType"));
        assert!(err.message.contains("None, Tail"));
    }

    #[test]
    fn checks_client_context() {
        let mut req = request("f");
        req.client_context = Some("not base64!".into());
        assert!(req.validate().unwrap_err().message.contains("base64"));
        req.client_context = Some("A".repeat(3584));
        assert!(req.validate().unwrap_err().message.contains("3583"));
        req.client_context = Some("eyJhIjoxfQ==".into());
        assert_eq!(req.validate(), Ok(()));
    }

    #[test]
    fn checks_qualifier_and_payload_limits() {
        let mut req = request("f");
        req.qualifier = Some("bad/qualifier".into());
        assert_eq!(
            req.validate().unwrap_err().field.as_deref(),
            Some("qualifier")
        );
        req.qualifier = None;
        req.payload = vec![b' '; MAX_EVENT_PAYLOAD + 1];
        assert_eq!(req.validate(), Ok(()));
        req.invocation_type = InvocationType::Event;
        assert!(req.validate().unwrap_err().message.contains("Event"));
        req.invocation_type = InvocationType::RequestResponse;
        req.payload = vec![b' '; MAX_SYNC_PAYLOAD + 1];
        assert_eq!(
            req.validate().unwrap_err().field.as_deref(),
            Some("payload")
        );
    }
}

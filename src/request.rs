//! What a script asks to invoke, and its validation: the one authority on
//! what may be sent, applied before anything is.

use std::str::FromStr;

use base64::Engine;

use crate::error::InvokeError;

/// Lambda's limits on a request payload.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
pub const MAX_EVENT_PAYLOAD: usize = 1024 * 1024;
/// Lambda's limit on `X-Amz-Client-Context`, base64 text included.
pub const MAX_CLIENT_CONTEXT: usize = 3583;
const MAX_FUNCTION_NAME: usize = 256;
const MAX_QUALIFIER: usize = 128;
/// `TenantId` of the Invoke API model: 1 to 256 of `[a-zA-Z0-9._:/=+\-@ ]`.
pub const MAX_TENANT_ID: usize = 256;
/// `DurableExecutionName` of the Invoke API model: 1 to 64 of `[a-zA-Z0-9-_]`.
pub const MAX_DURABLE_EXECUTION_NAME: usize = 64;

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
                    "invalid invocationType `{}`; expected one of: RequestResponse, Event, DryRun",
                    shown(other)
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
                format!(
                    "invalid logType `{}`; expected one of: None, Tail",
                    shown(other)
                ),
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
    /// `X-Amz-Tenant-Id`: the tenant of a function in tenant isolation
    /// mode (each tenant has execution environments of its own).
    pub tenant_id: Option<String>,
    /// `X-Amz-Durable-Execution-Name`: the execution of a durable function
    /// (Invoke only; InvokeWithResponseStream has none).
    pub durable_execution_name: Option<String>,
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
        if let Some(tenant) = &self.tenant_id {
            validate_tenant_id(tenant)?;
        }
        if let Some(name) = &self.durable_execution_name {
            validate_durable_execution_name(name)?;
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

/// How many characters of a refused value an error message repeats.
const SHOWN_CHARS: usize = 64;

/// A refused value as an error message shows it: whole when short, else
/// its first characters and its length, so that a script passing a
/// megabyte where a name belongs gets a message of a line, not a megabyte
/// in k6's output and every error metric; control characters (a newline
/// that would start a forged log line) shown as U+FFFD.
fn shown(value: &str) -> String {
    let printable = |c: char| if c.is_control() { '\u{FFFD}' } else { c };
    if value.chars().count() <= SHOWN_CHARS {
        return value.chars().map(printable).collect();
    }
    let head: String = value.chars().take(SHOWN_CHARS).map(printable).collect();
    format!("{head}… ({} bytes in all)", value.len())
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
            format!("invalid function name `{}`: {rule}", shown(name)),
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
    if function == "." || function == ".." {
        // A path segment of its own: `/functions/../invocations` would go
        // out, which a server or proxy may normalise into another path
        // than the one the signature covers.
        return bad("a function name is not `.` or `..` (a path segment that URLs normalise away)");
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
                "invalid qualifier `{}`: expected $LATEST, a version or an alias: 1 to {MAX_QUALIFIER} of letters, digits, '-', '_' and '$'",
                shown(qualifier)
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

fn is_tenant_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._:/=+-@ ".contains(c)
}

/// `TenantId`, as the Invoke API model constrains it. Spaces at either
/// end are refused although the pattern has them: HTTP drops them from a
/// header value, so Lambda would see another tenant than the script named.
fn validate_tenant_id(tenant: &str) -> Result<(), InvokeError> {
    let bad = |rule: &str| {
        Err(InvokeError::validation(
            "tenantId",
            format!("invalid tenantId `{}`: {rule}", shown(tenant)),
        ))
    };
    if tenant.is_empty() || tenant.len() > MAX_TENANT_ID {
        return bad(&format!(
            "expected 1 to {MAX_TENANT_ID} characters, got {}",
            tenant.len()
        ));
    }
    if !tenant.chars().all(is_tenant_char) {
        return bad("a tenant ID has only letters, digits, spaces and `. _ : / = + - @`");
    }
    if tenant.starts_with(' ') || tenant.ends_with(' ') {
        return bad(
            "a tenant ID does not begin or end with a space (HTTP drops those from a header)",
        );
    }
    Ok(())
}

/// `DurableExecutionName`, as the Invoke API model constrains it.
fn validate_durable_execution_name(name: &str) -> Result<(), InvokeError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_DURABLE_EXECUTION_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(InvokeError::validation(
            "durableExecutionName",
            format!(
                "invalid durableExecutionName `{}`: expected 1 to {MAX_DURABLE_EXECUTION_NAME} of letters, digits, '-' and '_'",
                shown(name)
            ),
        ))
    }
}

/// A request that passed [`InvokeRequest::validate`]: the only kind
/// [`invoke`] takes, so validation happens once, where the caller can
/// still refuse the call synchronously.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest(InvokeRequest);

impl ValidRequest {
    pub(crate) fn into_inner(self) -> InvokeRequest {
        self.0
    }
}

impl InvokeRequest {
    pub fn into_valid(self) -> Result<ValidRequest, InvokeError> {
        self.validate()?;
        Ok(ValidRequest(self))
    }
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
            "...",
            ".hidden",
            "a..b",
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
            // A path segment: /functions/../invocations would be sent,
            // while the signature covers the normalised path.
            (".", "`.` or `..`"),
            ("..", "`.` or `..`"),
            ("..:live", "`.` or `..`"),
            ("123456789012:function:..", "`.` or `..`"),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:.:1",
                "`.` or `..`",
            ),
        ] {
            let err = request(name).validate().unwrap_err();
            assert_eq!(err.field.as_deref(), Some("name"), "{name}");
            assert!(err.message.contains(rule), "{name}: {}", err.message);
        }
    }

    /// A refused value is repeated in its message only in part: a
    /// megabyte given as a name, qualifier, tenant or type makes a message
    /// of a line that still says what was wrong and how long it was.
    #[test]
    fn refused_values_are_shown_in_part() {
        let huge = format!("{}\n{}", "n".repeat(70), "x".repeat(1 << 20));
        let mut errors = vec![request(&huge).validate().unwrap_err()];
        for field in ["qualifier", "tenant", "durable"] {
            let mut r = request("add-numbers");
            match field {
                "qualifier" => r.qualifier = Some(huge.clone()),
                "tenant" => r.tenant_id = Some(huge.clone()),
                _ => r.durable_execution_name = Some(huge.clone()),
            }
            errors.push(r.validate().unwrap_err());
        }
        errors.push(huge.parse::<InvocationType>().unwrap_err());
        errors.push(huge.parse::<LogType>().unwrap_err());
        for err in errors {
            assert!(err.message.len() < 400, "{} bytes", err.message.len());
            assert!(
                err.message.contains(&format!(
                    "{}… ({} bytes in all)",
                    "n".repeat(64),
                    huge.len()
                )),
                "{}",
                err.message
            );
        }
        // Short values whole, control characters replaced.
        let err = request("bad\nname").validate().unwrap_err();
        assert!(err.message.contains("`bad\u{FFFD}name`"), "{}", err.message);
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
    fn checks_tenant_ids() {
        let mut req = request("f");
        for good in [
            "blue",
            "a",
            "tenant-1_x.y:z/w=v+u@t",
            "two words",
            &"t".repeat(MAX_TENANT_ID),
        ] {
            req.tenant_id = Some(good.into());
            assert_eq!(req.validate(), Ok(()), "{good}");
        }
        for (bad, rule) in [
            ("", "1 to 256"),
            (&"t".repeat(MAX_TENANT_ID + 1) as &str, "1 to 256"),
            ("a#b", "only letters"),
            ("é", "only letters"),
            ("a\nb", "only letters"),
            (" lead", "begin or end with a space"),
            ("trail ", "begin or end with a space"),
        ] {
            req.tenant_id = Some(bad.into());
            let err = req.validate().unwrap_err();
            assert_eq!(err.field.as_deref(), Some("tenantId"), "{bad:?}");
            assert!(err.message.contains(rule), "{bad:?}: {}", err.message);
        }
    }

    #[test]
    fn checks_durable_execution_names() {
        let mut req = request("f");
        for good in ["order-42", "a", "A_b-9", &"n".repeat(64)] {
            req.durable_execution_name = Some(good.into());
            assert_eq!(req.validate(), Ok(()), "{good}");
        }
        for bad in ["", "has space", "dot.ted", "colon:x", &"n".repeat(65)] {
            req.durable_execution_name = Some(bad.into());
            let err = req.validate().unwrap_err();
            assert_eq!(err.field.as_deref(), Some("durableExecutionName"), "{bad}");
            assert!(err.message.contains("1 to 64"), "{bad}: {}", err.message);
        }
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

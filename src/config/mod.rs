//! Client configuration: what a k6 script's `AWSConfig` (plus the
//! `LambdaClient` options) says, and the k6-jslib-aws validation rules.

use std::time::Duration;

use serde::Deserialize;

pub mod address;
pub mod network;

pub use network::NetworkPolicy;

/// Default bound on one invocation, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default number of attempts: one. Retrying would hide throttling and
/// errors from a load test, so it is opt-in.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 1;

/// Configuration of a Lambda client, as the Go shim sends it (JSON, camelCase).
///
/// Two clients with equal configurations share one SDK client and so one
/// connection pool: that is why it is `Eq + Hash`. `Debug` shows whether
/// the keys are set, never what they are, and the endpoint without its
/// password.
#[derive(Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientConfig {
    /// Empty: the standard AWS region chain (`AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, the profile) decides, at the first invocation
    /// (allowed only without static keys).
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub secret_access_key: Option<String>,
    #[serde(default)]
    pub session_token: Option<String>,
    /// `https://host[:port]`, `http://127.0.0.1:9000`, or a bare host name
    /// (taken as `https://`).
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// A named profile of the shared AWS config files: its credentials
    /// (beating the environment's, as with the AWS CLI's `--profile`) and
    /// settings. Unused when static keys are given.
    #[serde(default)]
    pub profile: Option<String>,
    /// `direct` (default): one signed request on a pooled HTTP client;
    /// `sdk`: aws-sdk-lambda's full orchestration (FIPS, dual-stack, its
    /// endpoint rules). Both report alike.
    #[serde(default)]
    pub transport: Option<String>,
    /// k6's network options of the VU (`blacklistIPs`, `hosts`, `dns`, TLS,
    /// `localIPs`...), which the Go shim adds at the first invocation;
    /// absent: k6's defaults.
    #[serde(default)]
    pub network: Option<NetworkPolicy>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::redact::{presence, url};
        f.debug_struct("ClientConfig")
            .field("region", &self.region)
            .field("access_key_id", &presence(&self.access_key_id))
            .field("secret_access_key", &presence(&self.secret_access_key))
            .field("session_token", &presence(&self.session_token))
            .field("endpoint", &self.endpoint.as_deref().map(url))
            .field("timeout_ms", &self.timeout_ms)
            .field("max_attempts", &self.max_attempts)
            .field("profile", &self.profile)
            .field("transport", &self.transport)
            .field("network", &self.network)
            .finish()
    }
}

/// How invocations are sent (see `ClientConfig::transport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Direct,
    Sdk,
}

/// A configuration the client refuses; the script sees it as `InvalidAWSConfigError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A refusal; its message is redacted (`redact::message`): it may quote
/// an endpoint with a password in it.
fn invalid(message: String) -> ConfigError {
    ConfigError {
        message: crate::redact::message(message),
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

impl ClientConfig {
    /// Parses and validates the JSON the Go shim sends.
    pub fn from_json(json: &[u8]) -> Result<Self, ConfigError> {
        let config: ClientConfig = serde_json::from_slice(json)
            .map_err(|e| invalid(format!("invalid AWS configuration: {e}")))?;
        config.validate()?;
        Ok(config)
    }

    /// The k6-jslib-aws `AWSConfig` rules, with one extension: when neither
    /// key is given, the standard AWS credential chain is used instead, and
    /// the region may be left to the AWS region chain too (so that `k6
    /// inspect` and `k6 archive`, which see no environment, pass).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let region_from_chain = self.region.is_empty() && self.static_keys().is_none();
        if !region_from_chain && self.region.trim().is_empty() {
            return Err(invalid(format!(
                "invalid AWS region; reason: expected a valid AWS region name (e.g. \"us-east-1\"), got `{}`",
                self.region
            )));
        }
        let access = present(&self.access_key_id);
        let secret = present(&self.secret_access_key);
        match (access, secret) {
            (None, None) => {}
            (None, Some(_)) => {
                return Err(invalid(
                    "invalid AWS access key ID; reason: expected a non empty string, got ``".into(),
                ))
            }
            (Some(key), secret) => {
                let len = key.chars().count();
                if !(16..=128).contains(&len) {
                    return Err(invalid(format!(
                        "invalid AWS access key ID; reason: size should be between 16 and 128 characters, got {len}"
                    )));
                }
                if secret.is_none() {
                    return Err(invalid(
                        "invalid AWS secret access key; reason: expected a non empty string, got ``"
                            .into(),
                    ));
                }
            }
        }
        if let Some(endpoint) = &self.endpoint {
            validate_endpoint(endpoint)?;
        }
        if self.timeout_ms == Some(0) {
            return Err(invalid(
                "invalid timeout; reason: expected a duration above zero".into(),
            ));
        }
        if let Some(transport) = self.transport.as_deref() {
            if transport != "direct" && transport != "sdk" {
                return Err(invalid(format!(
                    "invalid transport; reason: expected `direct` or `sdk`, got `{transport}`"
                )));
            }
        }
        if let Some(network) = &self.network {
            network.parse()?;
        }
        if let Some(attempts) = self.max_attempts {
            if !(1..=10).contains(&attempts) {
                return Err(invalid(format!(
                    "invalid maxAttempts; reason: expected a whole number from 1 to 10, got {attempts}"
                )));
            }
        }
        Ok(())
    }

    /// The region the script set, if any.
    pub fn region(&self) -> Option<&str> {
        Some(self.region.as_str()).filter(|r| !r.is_empty())
    }

    /// Static keys, when the script gave them.
    pub fn static_keys(&self) -> Option<(&str, &str, Option<&str>)> {
        Some((
            present(&self.access_key_id)?,
            present(&self.secret_access_key)?,
            present(&self.session_token),
        ))
    }

    pub fn transport(&self) -> TransportKind {
        match self.transport.as_deref() {
            Some("sdk") => TransportKind::Sdk,
            _ => TransportKind::Direct,
        }
    }

    /// The named profile, when one was given.
    pub fn profile(&self) -> Option<&str> {
        present(&self.profile)
    }

    /// The endpoint as a URL the SDK accepts (a bare host becomes
    /// `https://host`), without user information: nothing uses it
    /// (requests are signed), and it must not reach the wire.
    pub fn endpoint_url(&self) -> Option<String> {
        let endpoint = self.endpoint.as_deref()?.trim();
        if endpoint.is_empty() {
            return None;
        }
        let endpoint = crate::redact::strip_userinfo(endpoint);
        let endpoint = endpoint.as_ref();
        if endpoint.contains("://") {
            Some(endpoint.trim_end_matches('/').to_string())
        } else {
            Some(format!("https://{}", endpoint.trim_end_matches('/')))
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout_ms
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TIMEOUT)
    }

    pub fn max_attempts(&self) -> u32 {
        self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS)
    }

    /// The network options connections obey (k6's defaults when none were given).
    pub fn network(&self) -> NetworkPolicy {
        self.network.clone().unwrap_or_default()
    }
}

fn validate_endpoint(endpoint: &str) -> Result<(), ConfigError> {
    let trimmed = endpoint.trim();
    let bad = |reason: &str| {
        Err(invalid(format!(
            "invalid endpoint; reason: {reason}, got `{endpoint}`"
        )))
    };
    if trimmed.is_empty() {
        return Ok(());
    }
    let rest = match trimmed.split_once("://") {
        Some(("http", rest)) | Some(("https", rest)) => rest,
        Some(_) => return bad("the scheme must be http or https"),
        None => trimmed,
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return bad("expected a host name");
    }
    if trimmed.chars().any(char::is_whitespace) {
        return bad("a URL has no white space");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed() -> ClientConfig {
        ClientConfig {
            region: "us-east-1".into(),
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()),
            ..Default::default()
        }
    }

    #[test]
    fn accepts_the_seed_example() {
        assert_eq!(keyed().validate(), Ok(()));
    }

    #[test]
    fn leaves_the_region_to_the_aws_chain_only_without_keys() {
        let chain = ClientConfig::from_json(b"{}").expect("no region, no keys: the AWS chain");
        assert_eq!(chain.region(), None);
        for config in [
            ClientConfig {
                region: " ".into(),
                ..ClientConfig::default()
            },
            ClientConfig {
                region: String::new(),
                ..keyed()
            },
        ] {
            let err = config.validate().unwrap_err();
            assert!(err.message.starts_with("invalid AWS region"), "{err}");
        }
    }

    #[test]
    fn rejects_a_short_access_key() {
        let config = ClientConfig {
            access_key_id: Some("AKIA".into()),
            ..keyed()
        };
        let err = config.validate().unwrap_err();
        assert!(err.message.contains("between 16 and 128"), "{err}");
        assert!(err.message.ends_with("got 4"), "{err}");
    }

    #[test]
    fn rejects_a_key_without_secret_and_a_secret_without_key() {
        let no_secret = ClientConfig {
            secret_access_key: None,
            ..keyed()
        };
        assert!(no_secret
            .validate()
            .unwrap_err()
            .message
            .contains("secret access key"));
        let no_key = ClientConfig {
            access_key_id: Some(String::new()),
            ..keyed()
        };
        assert!(no_key
            .validate()
            .unwrap_err()
            .message
            .contains("access key ID"));
    }

    #[test]
    fn no_keys_means_the_credential_chain() {
        let config = ClientConfig {
            region: "eu-west-1".into(),
            ..Default::default()
        };
        assert_eq!(config.validate(), Ok(()));
        assert!(config.static_keys().is_none());
    }

    #[test]
    fn endpoints() {
        let with = |e: &str| ClientConfig {
            endpoint: Some(e.into()),
            ..keyed()
        };
        assert_eq!(
            with("http://127.0.0.1:9000/").endpoint_url().as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(
            with("lambda.example.com").endpoint_url().as_deref(),
            Some("https://lambda.example.com")
        );
        // User information is of no use, and must not be sent.
        assert_eq!(
            with("http://user:s3cretPW@127.0.0.1:9000/p/")
                .endpoint_url()
                .as_deref(),
            Some("http://127.0.0.1:9000/p")
        );
        assert_eq!(
            with("user:s3cretPW@lambda.example.com")
                .endpoint_url()
                .as_deref(),
            Some("https://lambda.example.com")
        );
        assert!(with("ftp://x").validate().is_err());
        // A refused endpoint is quoted without its password.
        for bad in ["ftp://user:s3cretPW@x", "http://user:s3cretPW@x/a b"] {
            let err = with(bad).validate().unwrap_err();
            assert!(
                err.message.contains("`") && err.message.contains("user:***@x"),
                "{err}"
            );
            assert!(!err.message.contains("s3cretPW"), "{err}");
        }
        assert!(with("http://").validate().is_err());
        assert!(with("http://a b").validate().is_err());
    }

    #[test]
    fn parses_json_and_rejects_unknown_fields() {
        let config = ClientConfig::from_json(
            br#"{"region":"us-east-1","endpoint":"http://127.0.0.1:9000","timeoutMs":500,"maxAttempts":3}"#,
        )
        .unwrap();
        assert_eq!(config.timeout(), Duration::from_millis(500));
        assert_eq!(config.max_attempts(), 3);
        assert!(ClientConfig::from_json(br#"{"region":"x","regoin":"y"}"#).is_err());
        let profiled =
            ClientConfig::from_json(br#"{"region":"us-east-1","profile":"test"}"#).unwrap();
        assert_eq!(profiled.profile(), Some("test"));
        assert_eq!(keyed().profile(), None);
        assert!(ClientConfig::from_json(b"not json").is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = ClientConfig {
            session_token: Some("SESSIONTOKENs3cret".into()),
            endpoint: Some("http://user:s3cretPW@lambda.example:9000/p".into()),
            profile: Some("prod".into()),
            ..keyed()
        };
        let text = format!("{config:?}");
        for secret in [
            "EXAMPLEKEY",
            "SESSIONTOKENs3cret",
            "s3cretPW",
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        for shown in [
            "us-east-1",
            "http://user:***@lambda.example:9000/p",
            "prod",
            "** redacted **",
        ] {
            assert!(text.contains(shown), "{shown} not in {text}");
        }
        let none = format!("{:?}", ClientConfig::default());
        assert!(none.contains("secret_access_key: None"), "{none}");
    }

    #[test]
    fn bounds_timeout_and_attempts() {
        let zero = ClientConfig {
            timeout_ms: Some(0),
            ..keyed()
        };
        assert!(zero.validate().is_err());
        let many = ClientConfig {
            max_attempts: Some(11),
            ..keyed()
        };
        assert!(many.validate().is_err());
        assert_eq!(keyed().max_attempts(), 1);
        assert_eq!(keyed().timeout(), DEFAULT_TIMEOUT);
    }
}

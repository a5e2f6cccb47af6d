//! Where the invocation goes, and as whom: the local emulator with dummy
//! credentials, or AWS / a given endpoint with the standard chain.

use std::net::Ipv6Addr;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileRegionProvider;
use xk6_lambda::runtime::runtime;
use xk6_lambda::{Client, ClientConfig, ValidUrlRequest};

use crate::args::Cli;
use crate::Usage;

/// Credentials for the local emulator, which does not check them: the AWS
/// documentation's example keys, which tests/lambdaserver verifies
/// signatures against.
const LOCAL_ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const LOCAL_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const LOCAL_REGION: &str = "us-east-1";

/// cargo lambda watch's name for the only function of a package.
const DEFAULT_LOCAL_FUNCTION: &str = "_";

/// The function to invoke: as given, or `_` for the local emulator.
pub fn function_name(cli: &Cli) -> Result<String, Usage> {
    match &cli.function {
        Some(name) => Ok(name.clone()),
        None if cli.remote_style() => Err(Usage(
            "a FUNCTION name is required with --remote and --endpoint-url".into(),
        )),
        None => Ok(DEFAULT_LOCAL_FUNCTION.into()),
    }
}

/// The client for the target the flags name. Does no network I/O.
pub fn client(cli: &Cli) -> Result<Client, Usage> {
    let base = ClientConfig {
        timeout_ms: Some(u64::try_from(cli.timeout.as_millis()).unwrap_or(u64::MAX)),
        max_attempts: Some(cli.retry_attempts),
        ..Default::default()
    };
    let config = if cli.remote_style() {
        ClientConfig {
            region: remote_region(cli)?,
            endpoint: cli.endpoint_url.clone(),
            profile: cli.profile.clone(),
            ..base
        }
    } else {
        ClientConfig {
            region: cli.region.clone().unwrap_or_else(|| LOCAL_REGION.into()),
            endpoint: Some(local_endpoint(&cli.invoke_address, cli.invoke_port)),
            access_key_id: Some(LOCAL_ACCESS_KEY_ID.into()),
            secret_access_key: Some(LOCAL_SECRET_ACCESS_KEY.into()),
            ..base
        }
    };
    Client::new(config).map_err(|e| Usage(e.message))
}

/// The client for a function URL: the AWS chain's credentials (or
/// --profile's), and the region of --region, else of the URL's host name
/// (`<id>.lambda-url.<region>.on.aws`: the signature must name it), else
/// as --remote finds it. Does no network I/O.
pub fn url_client(cli: &Cli, request: &ValidUrlRequest) -> Result<Client, Usage> {
    let region = match (&cli.region, request.url_region()) {
        (Some(region), _) => region.clone(),
        (None, Some(region)) => region.to_owned(),
        (None, None) => remote_region(cli)?,
    };
    let config = ClientConfig {
        region,
        profile: cli.profile.clone(),
        timeout_ms: Some(u64::try_from(cli.timeout.as_millis()).unwrap_or(u64::MAX)),
        max_attempts: Some(cli.retry_attempts),
        ..Default::default()
    };
    Client::new(config).map_err(|e| Usage(e.message))
}

fn local_endpoint(address: &str, port: u16) -> String {
    // An IPv6 address goes in brackets in a URL; a host name or IPv4 as is.
    if address.parse::<Ipv6Addr>().is_ok() {
        format!("http://[{address}]:{port}")
    } else {
        format!("http://{address}:{port}")
    }
}

/// `--region`, else AWS_REGION / AWS_DEFAULT_REGION, else the profile's
/// region: the AWS CLI's order. Instance metadata is not asked: it would
/// stall for seconds off EC2, and a region guessed from it surprises.
fn remote_region(cli: &Cli) -> Result<String, Usage> {
    if let Some(region) = &cli.region {
        return Ok(region.clone());
    }
    let profile = cli.profile.clone();
    let resolved = runtime().block_on(async move {
        let from_env = EnvironmentVariableRegionProvider::new().region().await;
        if let Some(region) = from_env.filter(|r| !r.as_ref().is_empty()) {
            return Some(region);
        }
        let mut from_profile = ProfileFileRegionProvider::builder();
        if let Some(profile) = &profile {
            from_profile = from_profile.profile_name(profile);
        }
        from_profile.build().region().await
    });
    resolved.map(|region| region.to_string()).ok_or_else(|| {
        Usage(format!(
            "no AWS region: give --region, set AWS_REGION, or use a profile with a region \
             (profile `{}`)",
            cli.profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok())
                .unwrap_or_else(|| "default".into())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_endpoints() {
        assert_eq!(local_endpoint("127.0.0.1", 9000), "http://127.0.0.1:9000");
        assert_eq!(local_endpoint("::1", 9001), "http://[::1]:9001");
        assert_eq!(local_endpoint("localhost", 1), "http://localhost:1");
    }
}

//! k6's `localIPs` gives each VU an address of its own, so each VU's
//! clients have network options of their own: they must still share one
//! credentials cache per AWS configuration, or N VUs ask the credential
//! provider (an STS, SSO or instance metadata endpoint in real use) N
//! times, or 2N with function URLs.
//!
//! The provider here is a `credential_process` that counts its runs in a
//! file. This is the only test of this binary: it sets the process's
//! environment (AWS_CONFIG_FILE) before any client exists.

mod common;

use std::future::pending;
use std::path::Path;

use xk6_lambda::config::network::NetworkPolicy;
use xk6_lambda::{Client, ClientConfig, InvokeRequest, UrlRequest};

const VUS: usize = 8;

/// A shared config file whose profile `counted` gets its keys from a
/// script that appends a line to `runs` each time it is run.
fn counted_profile(dir: &Path) -> std::path::PathBuf {
    let runs = dir.join("runs");
    let script = dir.join("credentials.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\n\
             echo '{{\"Version\":1,\"AccessKeyId\":\"AKIDEXAMPLE0000000\",\"SecretAccessKey\":\"secret\"}}'\n",
            runs.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        format!(
            "[profile counted]\nregion = us-east-1\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    std::env::set_var("AWS_CONFIG_FILE", &config);
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"));
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    runs
}

fn runs(file: &Path) -> usize {
    std::fs::read_to_string(file).map_or(0, |s| s.lines().count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vus_with_their_own_local_ip_share_one_credentials_cache() {
    let dir = std::env::temp_dir().join(format!("xk6-lambda-credentials-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let runs_file = counted_profile(&dir);
    let endpoint = common::serve(common::OK_RESPONSE, std::time::Duration::ZERO);

    let mut calls = 0;
    // Every VU keeps its client for the whole test, as k6's do.
    let mut clients = Vec::new();
    for transport in ["direct", "sdk"] {
        for vu in 0..VUS {
            let client = Client::new(ClientConfig {
                region: "us-east-1".into(),
                profile: Some("counted".into()),
                endpoint: Some(endpoint.clone()),
                transport: Some(transport.into()),
                network: Some(NetworkPolicy {
                    local_ip: Some(format!("127.0.0.{}", vu + 2)),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .unwrap();
            let invoked = client
                .invoke(
                    InvokeRequest {
                        function_name: "counted".into(),
                        ..Default::default()
                    }
                    .into_valid()
                    .unwrap(),
                )
                .await;
            assert!(invoked.result.is_ok(), "{:?}", invoked.result.err());
            let url = UrlRequest {
                url: format!("{endpoint}/url"),
                method: "POST".into(),
                body: b"{}".to_vec(),
                ..Default::default()
            }
            .into_valid()
            .unwrap();
            let answered = client.invoke_url(url, |_| {}, pending()).await;
            assert!(answered.result.is_ok(), "{:?}", answered.result.err());
            calls += 2;
            clients.push(client);
        }
    }
    let runs = runs(&runs_file);
    println!("{calls} calls by {VUS} VUs per transport, each VU with its own localIPs address: {runs} credential_process runs");
    let _ = std::fs::remove_dir_all(&dir);
    // One for the direct transport's cache (Invoke, streams and function
    // URLs), one for the SDK's identity cache.
    assert!(runs <= 2, "{runs} runs");
}

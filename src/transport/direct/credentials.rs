//! Credentials for signing: the script's static keys, or the AWS credential
//! chain, cached.
//!
//! Chain credentials are refreshed once, in the background, from
//! `REFRESH_AHEAD` before they expire; meanwhile every invocation signs with
//! the cached ones, which are still valid. Only an invocation that finds
//! none valid (the first, or after a refresh kept failing until expiry)
//! waits, and concurrent ones wait for the same single refresh. A failed
//! refresh is remembered for `FAILURE_BACKOFF`: within it, invocations that
//! need credentials get that error at once instead of each asking the
//! provider again (an STS or SSO endpoint that is down would otherwise be
//! hammered by every VU).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::config::ClientConfig;
use crate::error::{error_chain, InvokeError};
use crate::redact::Redacted;

/// Start refreshing this long before expiry (in the background).
const REFRESH_AHEAD: Duration = Duration::from_secs(300);
/// Stop signing with credentials this close to expiry: a request signed now
/// must still be valid when it arrives (the SDK's identity cache keeps a
/// similar margin).
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);
/// How long a failed refresh is reported without asking again.
const FAILURE_BACKOFF: Duration = Duration::from_secs(5);

/// Cloned, a chain source is the same cache (the clients of one account
/// share it).
#[derive(Clone)]
pub enum CredentialSource {
    Static(Identity),
    Chain(Arc<Chain>),
}

/// `Debug` shows where credentials come from, never what they are.
impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Static(_) => f.debug_tuple("Static").field(&Redacted).finish(),
            Self::Chain(chain) => f.debug_tuple("Chain").field(chain).finish(),
        }
    }
}

impl CredentialSource {
    pub fn new(config: &ClientConfig, sdk_config: &SdkConfig) -> Self {
        match config.static_keys() {
            Some((key, secret, token)) => Self::Static(Identity::from(Credentials::new(
                key,
                secret,
                token.map(str::to_owned),
                None,
                "xk6-lambda",
            ))),
            None => Self::Chain(Arc::new(Chain::new(sdk_config.credentials_provider()))),
        }
    }

    pub async fn identity(&self) -> Result<Identity, InvokeError> {
        match self {
            Self::Static(identity) => Ok(identity.clone()),
            Self::Chain(chain) => Chain::identity(chain).await,
        }
    }
}

pub struct Chain {
    provider: Option<SharedCredentialsProvider>,
    state: Mutex<State>,
    /// Held by the one task asking the provider.
    refreshing: tokio::sync::Mutex<()>,
}

/// `Debug`: whether there is a provider and cached credentials, not them.
impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.lock().cached.is_some();
        f.debug_struct("Chain")
            .field("provider", &self.provider.is_some())
            .field("cached", &cached.then_some(Redacted))
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct State {
    cached: Option<(Identity, Option<SystemTime>)>,
    /// When the provider last answered with credentials.
    refreshed_at: Option<Instant>,
    failure: Option<(InvokeError, Instant)>,
    background: bool,
}

enum Lookup {
    Ready(Identity),
    ReadyRefreshAhead(Identity),
    Failed(InvokeError),
    Wait,
}

impl Chain {
    pub fn new(provider: Option<SharedCredentialsProvider>) -> Self {
        Self {
            provider,
            state: Mutex::new(State::default()),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    fn lookup(&self) -> Lookup {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = SystemTime::now();
        if let Some((identity, expiry)) = state.cached.clone() {
            match expiry {
                None => return Lookup::Ready(identity),
                Some(at) if now + EXPIRY_MARGIN < at => {
                    if now + REFRESH_AHEAD < at || state.background || state.recent_failure() {
                        return Lookup::Ready(identity);
                    }
                    state.background = true;
                    return Lookup::ReadyRefreshAhead(identity);
                }
                Some(_) => {} // expired, or about to: wait for a refresh
            }
        }
        match &state.failure {
            Some((error, _)) if state.recent_failure() => Lookup::Failed(error.clone()),
            _ => Lookup::Wait,
        }
    }

    pub async fn identity(chain: &Arc<Self>) -> Result<Identity, InvokeError> {
        match chain.lookup() {
            Lookup::Ready(identity) => Ok(identity),
            Lookup::Failed(error) => Err(error),
            Lookup::ReadyRefreshAhead(identity) => {
                let chain = Arc::clone(chain);
                tokio::spawn(async move {
                    let _ = chain.refresh().await;
                    chain.lock().background = false;
                });
                Ok(identity)
            }
            Lookup::Wait => chain.refresh().await,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the provider, once for all the tasks that need it now: those
    /// that waited on the lock find the result it left.
    async fn refresh(&self) -> Result<Identity, InvokeError> {
        let started = Instant::now();
        let _only_one = self.refreshing.lock().await;
        {
            let state = self.lock();
            if let (Some((identity, _)), Some(at)) = (&state.cached, state.refreshed_at) {
                if at >= started {
                    return Ok(identity.clone()); // refreshed while this task waited
                }
            }
            if let Some((error, at)) = &state.failure {
                if *at >= started {
                    return Err(error.clone()); // failed while this task waited
                }
            }
        }
        let result = self.ask_provider().await;
        let mut state = self.lock();
        match result {
            Ok(credentials) => {
                let expiry = credentials.expiry();
                let identity = Identity::from(credentials);
                state.cached = Some((identity.clone(), expiry));
                state.refreshed_at = Some(Instant::now());
                state.failure = None;
                Ok(identity)
            }
            Err(error) => {
                state.failure = Some((error.clone(), Instant::now()));
                // Credentials that are still valid keep serving.
                match &state.cached {
                    Some((identity, Some(at))) if SystemTime::now() + EXPIRY_MARGIN < *at => {
                        Ok(identity.clone())
                    }
                    _ => Err(error),
                }
            }
        }
    }

    async fn ask_provider(&self) -> Result<Credentials, InvokeError> {
        let provider = self.provider.as_ref().ok_or_else(|| {
            InvokeError::credentials(
                "no credentials: give accessKeyId and secretAccessKey, or configure the AWS credential chain".into(),
            )
        })?;
        provider.provide_credentials().await.map_err(|e| {
            InvokeError::credentials(format!(
                "no credentials from the AWS credential chain: {}",
                error_chain(&e)
            ))
        })
    }
}

impl State {
    fn recent_failure(&self) -> bool {
        self.failure
            .as_ref()
            .is_some_and(|(_, at)| at.elapsed() < FAILURE_BACKOFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::{error::CredentialsError, future};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A provider that counts its calls, takes a while, and gives
    /// credentials valid for `lifetime` (or fails).
    #[derive(Debug)]
    struct Counting {
        calls: Arc<AtomicU32>,
        lifetime: Option<Duration>,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::new(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                match self.lifetime {
                    Some(lifetime) => Ok(Credentials::new(
                        format!("AKID{n}"),
                        "secret",
                        None,
                        Some(SystemTime::now() + lifetime),
                        "test",
                    )),
                    None => Err(CredentialsError::provider_error("the STS endpoint is down")),
                }
            })
        }
    }

    fn chain(lifetime: Option<Duration>) -> (Arc<Chain>, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let provider = SharedCredentialsProvider::new(Counting {
            calls: Arc::clone(&calls),
            lifetime,
        });
        (Arc::new(Chain::new(Some(provider))), calls)
    }

    async fn many(chain: &Arc<Chain>, n: usize) -> Vec<Result<Identity, InvokeError>> {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let chain = Arc::clone(chain);
                tokio::spawn(async move { Chain::identity(&chain).await })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    }

    /// A real credential_process, through aws-config's profile provider:
    /// it writes a token to stderr and exits 3. The error says it exited
    /// with status 3; what it wrote stays out (issue 20).
    // aws-config's profile_file names are deprecated for aws-runtime's,
    // which is no dependency of this crate.
    #[allow(deprecated)]
    #[tokio::test]
    async fn a_failed_credential_process_says_its_exit_status_not_its_stderr() {
        use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
        use aws_config::profile::ProfileFileCredentialsProvider;
        let dir = std::env::temp_dir().join(format!("xk6-lambda-process-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config");
        std::fs::write(
            &config,
            "[profile leaky]\ncredential_process = echo \"helper failed: token=s3cretPW\" 1>&2; exit 3\n",
        )
        .unwrap();
        let provider = ProfileFileCredentialsProvider::builder()
            .profile_files(
                ProfileFiles::builder()
                    .with_file(ProfileFileKind::Config, &config)
                    .build(),
            )
            .profile_name("leaky")
            .build();
        let chain = Arc::new(Chain::new(Some(SharedCredentialsProvider::new(provider))));
        let error = Chain::identity(&chain).await.unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(error.name, "CredentialsError");
        assert!(!error.message.contains("s3cretPW"), "{}", error.message);
        assert!(
            error.message.contains("exit status: 3"),
            "{}",
            error.message
        );
    }

    #[test]
    fn debug_output_hides_static_keys() {
        let config = ClientConfig {
            region: "us-east-1".into(),
            access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
            secret_access_key: Some("s3cretKEYs3cretKEY".into()),
            session_token: Some("s3cretTOKEN".into()),
            ..Default::default()
        };
        let source = CredentialSource::new(&config, &SdkConfig::builder().build());
        let text = format!("{source:?}");
        assert!(!text.contains("s3cret") && !text.contains("AKIA"), "{text}");
        let (chain, _) = chain(None);
        let text = format!("{:?}", CredentialSource::Chain(chain));
        assert!(text.starts_with("Chain"), "{text}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_first_calls_ask_the_provider_once() {
        let (chain, calls) = chain(Some(Duration::from_secs(3600)));
        assert!(many(&chain, 100).await.iter().all(Result::is_ok));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn credentials_near_expiry_are_refreshed_once_in_the_background() {
        // Valid for 4 minutes: inside the refresh-ahead window.
        let (chain, calls) = chain(Some(Duration::from_secs(240)));
        Chain::identity(&chain).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let started = Instant::now();
        assert!(many(&chain, 100).await.iter().all(Result::is_ok));
        assert!(
            started.elapsed() < Duration::from_millis(45),
            "no call waited for the refresh"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one background refresh");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn expired_short_lived_credentials_are_refreshed_once_for_all_waiting() {
        // Valid for 9 s: inside the expiry margin at once, so every call must wait.
        let (chain, calls) = chain(Some(Duration::from_secs(9)));
        assert!(many(&chain, 100).await.iter().all(Result::is_ok));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(many(&chain, 100).await.iter().all(Result::is_ok));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "one refresh for the next 100"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failure_is_remembered_for_the_backoff() {
        let (chain, calls) = chain(None);
        let results = many(&chain, 50).await;
        assert!(results.iter().all(Result::is_err));
        let error = results[0].as_ref().unwrap_err();
        assert_eq!(error.name, "CredentialsError");
        assert!(
            error.message.contains("the STS endpoint is down"),
            "{}",
            error.message
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one call for 50 invocations"
        );
        assert!(many(&chain, 50).await.iter().all(Result::is_err));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "none within the back-off");
        chain.lock().failure.as_mut().unwrap().1 -= FAILURE_BACKOFF;
        assert!(Chain::identity(&chain).await.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "asked again after the back-off"
        );
    }
}

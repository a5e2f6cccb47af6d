//! Host names to addresses as k6 resolves them for `k6/http`: the system
//! resolver's answer is kept for `dns.ttl`, filtered by `dns.policy`, and
//! one address is picked per connection by `dns.select`.
//!
//! The names are the test's input (every function URL has a host of its
//! own), so what is kept per name is bounded: [`KEPT_NAMES`] answers and
//! round-robin turns, the least recently used forgotten first. A name
//! forgotten before its TTL is looked up again, and its turn starts over.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::OnceCell;

use super::DialError;
use crate::config::address;
use crate::config::network::{DnsOptions, DnsSelect};
use crate::error::k6_code;
use crate::keyed::Bounded;

struct Cached {
    ips: Vec<IpAddr>,
    at: Instant,
}

type Lookup = Arc<OnceCell<Result<Vec<IpAddr>, DialError>>>;

/// The addresses a lookup will answer.
pub(crate) type Answer = Pin<Box<dyn Future<Output = Result<Vec<IpAddr>, DialError>> + Send>>;

/// Where answers come from: the system resolver; the tests give a table.
type LookupFn = fn(String) -> Answer;

/// How many names a resolver keeps an answer and a turn for.
pub const KEPT_NAMES: usize = 1024;

pub struct Resolver {
    options: DnsOptions,
    cache: Mutex<Bounded<String, Cached>>,
    /// Lookups under way: a thousand VUs opening their first connection
    /// to one name wait for one lookup, not a thousand.
    pending: Mutex<HashMap<String, Lookup>>,
    round_robin: Mutex<Bounded<String, usize>>,
    /// System lookups made (the single-flight test reads it).
    lookups: std::sync::atomic::AtomicUsize,
    system: LookupFn,
}

impl Resolver {
    pub fn new(options: DnsOptions) -> Self {
        Self::with_lookup(options, system_lookup)
    }

    pub(crate) fn with_lookup(options: DnsOptions, system: LookupFn) -> Self {
        Self {
            options,
            cache: Mutex::new(Bounded::new(KEPT_NAMES)),
            pending: Mutex::new(HashMap::new()),
            round_robin: Mutex::new(Bounded::new(KEPT_NAMES)),
            lookups: std::sync::atomic::AtomicUsize::new(0),
            system,
        }
    }

    /// One address for `host`, a name (IP literals never get here).
    pub async fn resolve(&self, host: &str) -> Result<IpAddr, DialError> {
        let ips = match self.cached(host) {
            Some(ips) => ips,
            None => self.look_up_once(host).await?,
        };
        self.select(host, &ips).ok_or_else(|| {
            DialError::dns(
                k6_code::DNS_NO_SUCH_HOST,
                format!(
                    "lookup {host}: no such host: no address of the families dns.policy {} allows",
                    self.options.policy.name()
                ),
            )
        })
    }

    /// One lookup of `host` however many callers ask at once; its answer,
    /// filtered by the policy, goes to the cache.
    async fn look_up_once(&self, host: &str) -> Result<Vec<IpAddr>, DialError> {
        let cell = {
            // The cache is read again under the lock of the pending
            // lookups: a lookup that just ended has cached its answer
            // before it left `pending`, so no caller looks up twice.
            let mut pending = lock(&self.pending);
            if let Some(ips) = self.cached(host) {
                return Ok(ips);
            }
            Arc::clone(pending.entry(host.to_owned()).or_default())
        };
        let answer = cell
            .get_or_init(|| async {
                self.lookups
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let answer = distinct((self.system)(host.to_owned()).await?);
                let ips = self.options.policy.apply(&answer);
                if !self.options.ttl().is_zero() {
                    lock(&self.cache).insert(
                        host.to_owned(),
                        Cached {
                            ips: ips.clone(),
                            at: Instant::now(),
                        },
                    );
                }
                Ok(ips)
            })
            .await
            .clone();
        let mut pending = lock(&self.pending);
        if pending.get(host).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            pending.remove(host);
        }
        answer
    }

    fn cached(&self, host: &str) -> Option<Vec<IpAddr>> {
        let mut cache = lock(&self.cache);
        let entry = cache.get_mut(host)?;
        (entry.at.elapsed() < self.options.ttl()).then(|| entry.ips.clone())
    }

    pub(crate) fn select(&self, host: &str, ips: &[IpAddr]) -> Option<IpAddr> {
        if ips.is_empty() {
            return None;
        }
        let index = match self.options.select {
            DnsSelect::First => 0,
            DnsSelect::Random => fastrand::usize(..ips.len()),
            DnsSelect::RoundRobin => {
                let mut turns = lock(&self.round_robin);
                let turn = match turns.get_mut(host) {
                    Some(turn) => turn,
                    None => turns.insert(host.to_owned(), 0),
                };
                let index = *turn % ips.len();
                *turn = turn.wrapping_add(1);
                index
            }
        };
        Some(ips[index])
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn system_lookup(host: String) -> Answer {
    Box::pin(async move { lookup(&host).await })
}

/// The system resolver (getaddrinfo, on tokio's blocking pool): the
/// addresses in its order (`distinct` then keeps each once).
async fn lookup(host: &str) -> Result<Vec<IpAddr>, DialError> {
    let found = tokio::net::lookup_host((host, 0)).await.map_err(|e| {
        DialError::dns(
            k6_code::DNS_NO_SUCH_HOST,
            format!("lookup {host}: no such host: {e}"),
        )
    })?;
    Ok(found.map(|addr| addr.ip()).collect())
}

/// The addresses of an answer, canonical (an IPv4-mapped answer is IPv4 to
/// `dns.policy` and to `blacklistIPs`, as in k6), each once, in order.
fn distinct(answer: impl IntoIterator<Item = IpAddr>) -> Vec<IpAddr> {
    let mut ips: Vec<IpAddr> = Vec::new();
    for ip in answer.into_iter().map(address::canonical) {
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    ips
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::network::DnsPolicy;

    fn resolver(select: DnsSelect, ttl_ms: u64) -> Resolver {
        Resolver::new(DnsOptions {
            ttl_ms,
            select,
            policy: DnsPolicy::PreferIpv4,
        })
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn selects_first_in_turn_or_at_random() {
        let three = ips(&["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        let first = resolver(DnsSelect::First, 0);
        assert!((0..5).all(|_| first.select("h", &three) == Some(three[0])));
        let rr = resolver(DnsSelect::RoundRobin, 0);
        let turns: Vec<_> = (0..6).map(|_| rr.select("h", &three).unwrap()).collect();
        assert_eq!(turns, [&three[..], &three[..]].concat());
        let random = resolver(DnsSelect::Random, 0);
        let picked: std::collections::HashSet<_> = (0..200)
            .map(|_| random.select("h", &three).unwrap())
            .collect();
        assert_eq!(
            picked.len(),
            3,
            "200 random picks of 3 addresses hit every one"
        );
        assert_eq!(first.select("h", &[]), None);
    }

    #[tokio::test]
    async fn caches_for_the_ttl_and_not_with_ttl_zero() {
        let cached = resolver(DnsSelect::First, 60_000);
        assert_eq!(
            cached.resolve("localhost").await.unwrap(),
            ips(&["127.0.0.1"])[0]
        );
        // A planted answer is returned while the entry lives: the cache is used.
        lock(&cached.cache).get_mut("localhost").unwrap().ips = ips(&["10.9.9.9"]);
        assert_eq!(
            cached.resolve("localhost").await.unwrap(),
            ips(&["10.9.9.9"])[0]
        );

        let uncached = resolver(DnsSelect::First, 0);
        uncached.resolve("localhost").await.unwrap();
        assert!(lock(&uncached.cache).is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_lookups_share_one() {
        let r = Arc::new(resolver(DnsSelect::First, 60_000));
        let callers: Vec<_> = (0..50)
            .map(|_| {
                let r = Arc::clone(&r);
                tokio::spawn(async move { r.resolve("localhost").await })
            })
            .collect();
        for caller in callers {
            assert!(caller.await.unwrap().is_ok());
        }
        assert!(
            lock(&r.pending).is_empty(),
            "finished lookups are forgotten"
        );
        assert_eq!(r.lookups.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(lock(&r.cache).len(), 1);
    }

    fn answers(host: String) -> Answer {
        Box::pin(async move {
            let ips: &[&str] = match host.as_str() {
                "mapped.test" => &["::ffff:10.0.0.1", "::1"],
                _ => &["10.0.0.1", "10.0.0.2"],
            };
            Ok(ips.iter().map(|s| s.parse().unwrap()).collect())
        })
    }

    #[tokio::test]
    async fn names_kept_are_bounded() {
        // Five rounds of 1,000 names never seen before (function URLs
        // each have a host of their own), kept for a minute, in turn.
        let r = Resolver::with_lookup(
            DnsOptions {
                ttl_ms: 60_000,
                select: DnsSelect::RoundRobin,
                policy: DnsPolicy::PreferIpv4,
            },
            answers,
        );
        let mut sizes = Vec::new();
        for round in 0..5 {
            for i in 0..1000 {
                r.resolve(&format!("fn-{round}-{i}.test")).await.unwrap();
            }
            sizes.push((lock(&r.cache).len(), lock(&r.round_robin).len()));
        }
        println!("(cached answers, turns) after each round of 1,000 new names: {sizes:?}");
        assert!(
            sizes
                .iter()
                .all(|&(c, t)| c <= KEPT_NAMES && t <= KEPT_NAMES),
            "{sizes:?}"
        );
        assert_eq!(sizes[3], sizes[4], "flat once full: {sizes:?}");
        // The names used last are still cached: no new lookup.
        let looked_up = r.lookups.load(std::sync::atomic::Ordering::Relaxed);
        r.resolve("fn-4-999.test").await.unwrap();
        assert_eq!(
            r.lookups.load(std::sync::atomic::Ordering::Relaxed),
            looked_up
        );
    }

    #[tokio::test]
    async fn mapped_answers_are_ipv4_to_the_dns_policy() {
        let only_v4 = Resolver::with_lookup(
            DnsOptions {
                ttl_ms: 0,
                select: DnsSelect::First,
                policy: DnsPolicy::OnlyIpv4,
            },
            answers,
        );
        assert_eq!(
            only_v4.resolve("mapped.test").await.unwrap(),
            ips(&["10.0.0.1"])[0]
        );
    }

    #[tokio::test]
    async fn a_policy_that_leaves_no_address_is_a_dns_error() {
        let only_v6 = Resolver::new(DnsOptions {
            ttl_ms: 0,
            select: DnsSelect::First,
            policy: DnsPolicy::OnlyIpv6,
        });
        // This machine's localhost is 127.0.0.1 only; where it also has ::1,
        // onlyIPv6 must give that.
        match only_v6.resolve("localhost").await {
            Ok(ip) => assert!(ip.is_ipv6(), "{ip}"),
            Err(e) => {
                assert_eq!((e.name, e.code), ("DNSError", k6_code::DNS_NO_SUCH_HOST));
                assert!(e.message.contains("onlyIPv6"), "{}", e.message);
            }
        }
        let err = resolver(DnsSelect::First, 0)
            .resolve("no-such-host.invalid")
            .await
            .unwrap_err();
        assert_eq!(err.code, k6_code::DNS_NO_SUCH_HOST);
    }
}

//! Rate limits (docs/design-api.md «Threats and limits»): login attempts and public searches
//! per client address, reads and writes per logged-in person. Each limit is N requests a
//! minute, kept as a generic cell rate (GCRA): a burst of N is allowed, then one every 60/N
//! seconds, and a refusal says exactly when the next request will pass (`Retry-After`).
//!
//! The counters live in the database when the store is shared by several servers (PostgreSQL,
//! `Store::take_rate`: one conditional upsert per request, so the servers of a deployment share
//! one allowance per key); a store of one server (SQLite) leaves them in this process's memory.
//! [`RateLimits`] is the one door to them.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::api::problem::{Problem, ProblemCode};
use crate::domain::Iin;
use crate::server::config::Limits;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::Store;

/// How many keys a limiter holds before it forgets those whose allowance is whole again.
const PURGE_ABOVE: usize = 10_000;

/// N requests a minute per key.
#[derive(Debug)]
pub struct RateLimiter<K> {
    /// Time between two requests at the sustained rate; `None`: no limit.
    interval: Option<Duration>,
    /// How far ahead of now a key's theoretical arrival time may run: the burst.
    tolerance: Duration,
    /// Per key, when its allowance will be whole again (the theoretical arrival time).
    cells: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_minute` requests a minute, in a burst or spread out; 0 means no limit.
    pub fn per_minute(per_minute: u32) -> RateLimiter<K> {
        let minute = Duration::from_secs(60);
        let interval = (per_minute > 0).then(|| minute / per_minute);
        RateLimiter {
            interval,
            tolerance: minute - interval.unwrap_or_default(),
            cells: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `key` in the store when it keeps the counters, else in memory;
    /// refused, how long until one would pass.
    async fn take(&self, store: &dyn Store, key: K) -> ApiResult<Result<(), Duration>>
    where
        K: std::fmt::Display,
    {
        let Some(interval) = self.interval else {
            return Ok(Ok(()));
        };
        let shared = store
            .take_rate(&key.to_string(), interval, self.tolerance, Utc::now())
            .await?;
        Ok(shared.unwrap_or_else(|| self.check(key, Instant::now())))
    }

    /// Counts one request of `key` at `now`; refused, how long until one would pass.
    pub fn check(&self, key: K, now: Instant) -> Result<(), Duration> {
        let Some(interval) = self.interval else {
            return Ok(());
        };
        // A panic while holding the lock leaves a map that is still consistent.
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        if cells.len() > PURGE_ABOVE {
            cells.retain(|_, whole_at| *whole_at > now);
        }
        let arrival = cells.get(&key).map_or(now, |&at| at.max(now));
        let ahead = arrival - now;
        if ahead > self.tolerance {
            return Err(ahead - self.tolerance);
        }
        cells.insert(key, arrival + interval);
        Ok(())
    }
}

/// The limits of one server.
#[derive(Debug)]
pub struct RateLimits {
    login: RateLimiter<Keyed<IpAddr>>,
    public: RateLimiter<Keyed<IpAddr>>,
    person_reads: RateLimiter<Keyed<Iin>>,
    person_writes: RateLimiter<Keyed<Iin>>,
}

impl RateLimits {
    pub fn new(limits: &Limits) -> RateLimits {
        RateLimits {
            login: RateLimiter::per_minute(limits.login_attempts_per_minute),
            public: RateLimiter::per_minute(limits.public_requests_per_minute),
            person_reads: RateLimiter::per_minute(limits.person_reads_per_minute),
            person_writes: RateLimiter::per_minute(limits.person_writes_per_minute),
        }
    }

    /// One login attempt (challenge or login) from `client`.
    pub async fn login(&self, store: &dyn Store, client: IpAddr) -> ApiResult<()> {
        let key = Keyed("login", address_key(client));
        refused_after(self.login.take(store, key).await?)
    }

    /// One public search or statistics request from `client`.
    pub async fn public(&self, store: &dyn Store, client: IpAddr) -> ApiResult<()> {
        let key = Keyed("public", address_key(client));
        refused_after(self.public.take(store, key).await?)
    }

    /// One request of the logged-in `person`: a read (GET, HEAD) or anything else.
    pub async fn person(&self, store: &dyn Store, person: Iin, read: bool) -> ApiResult<()> {
        let (limiter, kind) = if read {
            (&self.person_reads, "read")
        } else {
            (&self.person_writes, "write")
        };
        refused_after(limiter.take(store, Keyed(kind, person)).await?)
    }
}

/// A counter's key: which limit, and whose requests; `login/192.0.2.1` in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Keyed<T>(&'static str, T);

impl<T: std::fmt::Display> std::fmt::Display for Keyed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

/// The key of a client address: IPv6 by its /64, the smallest block one subscriber gets, so
/// that hopping through one's own addresses does not multiply the allowance.
fn address_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !0u128 << 64).into()),
        v4 => v4,
    }
}

fn refused_after(outcome: Result<(), Duration>) -> ApiResult<()> {
    outcome.map_err(|wait| {
        // Whole seconds, rounded up: a client that waits that long passes.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::from(
            Problem::new(ProblemCode::RateLimited).with_param(RETRY_AFTER, seconds.to_string()),
        )
    })
}

/// The problem parameter that carries the seconds to wait; the answer repeats it as the
/// `Retry-After` header.
pub const RETRY_AFTER: &str = "retry_after";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_the_allowance_passes_then_one_per_interval() {
        let limiter = RateLimiter::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.check("a", start).unwrap();
        }
        // The fourth waits until one interval (20 s) has freed a place.
        let wait = limiter.check("a", start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        assert_eq!(
            limiter.check("a", start + Duration::from_secs(5)),
            Err(Duration::from_secs(15))
        );
        limiter.check("a", start + Duration::from_secs(20)).unwrap();
        // Others have their own allowance.
        limiter.check("b", start).unwrap();
        // After a quiet minute the whole burst is back.
        let later = start + Duration::from_secs(120);
        for _ in 0..3 {
            limiter.check("a", later).unwrap();
        }
        assert!(limiter.check("a", later).is_err());
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::per_minute(0);
        let now = Instant::now();
        for _ in 0..10_000 {
            limiter.check(1, now).unwrap();
        }
    }

    #[tokio::test]
    async fn a_refusal_is_rate_limited_with_whole_seconds_to_wait() {
        let limits = RateLimits::new(&Limits {
            login_attempts_per_minute: 1,
            ..Limits::default()
        });
        let dir = tempfile::tempdir().unwrap();
        let store = crate::server::store::open(dir.path().join("k.db").to_str().unwrap())
            .await
            .unwrap();
        let store = store.as_ref();
        let client: IpAddr = [192, 0, 2, 1].into();
        limits.login(store, client).await.unwrap();
        let refusal = limits.login(store, client).await.unwrap_err();
        assert_eq!(refusal.code(), ProblemCode::RateLimited);
        let seconds: u64 = refusal.0.params[RETRY_AFTER].parse().unwrap();
        assert!((59..=60).contains(&seconds), "{seconds}");
        limits.login(store, [192, 0, 2, 2].into()).await.unwrap();
    }

    #[test]
    fn ipv6_clients_share_their_64_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), IpAddr::from([192, 0, 2, 7]));
    }
}

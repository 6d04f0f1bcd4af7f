//! What the exchange keeps in the process: the parsed catalog entries it serves, rate buckets
//! and in-flight calls per grant, and the signal that new changes were collected.
//!
//! Daily quotas are counted in `exchange_usage`, written with the calls' entries (on SQLite,
//! when the spreader moves them from the audit journal, whose batches not yet moved are
//! counted too); calls admitted here but not yet sealed are added on top, so concurrent calls
//! cannot overrun a quota in one process. Rate buckets are per process: with
//! several replicas, each enforces the grant's rate on its own share of the calls.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use shuqiao_core::exchange::refusals::{RefusalTurn, RefusalWindow, UNAUTHENTICATED_PER_WINDOW};
use shuqiao_core::exchange::{self, Bucket};

use super::TokenGrants;
use crate::audit::UsageReader;
use crate::collect::{load_target, Target};
use crate::db::{ChangeMark, Conn};
use crate::share::access::GrantView;
use crate::{params, Result, StoreError};

pub(crate) struct ExchangeState {
    /// The calls each grant has made today, as the audit log counts them.
    usage: UsageReader,
    /// Calls a second for grants that set none; `None`: no platform default.
    default_rate: Mutex<Option<u32>>,
    buckets: Mutex<HashMap<i64, Bucket>>,
    inflight: Arc<Mutex<HashMap<i64, i64>>>,
    /// Published catalog entries by code, with the version they were parsed from.
    targets: Mutex<HashMap<String, Arc<Target>>>,
    /// Woken when a collection batch applies, for long-polling change feeds.
    pub(crate) changed: tokio::sync::Notify,
    /// Tokens and their grants by the mark's owner (a connection, or on SQLite the whole
    /// database: `ChangeMark`) and `hash resource`, with the change mark they were read under
    /// (see `token_and_grants`).
    token_grants: Mutex<HashMap<(u64, String), (ChangeMark, TokenGrants)>>,
    /// Sealed refusals of unidentified callers, per client address.
    pub(crate) anonymous: AnonymousRefusals,
}

/// Addresses whose refusal windows are kept at most. Past it, idle ones are forgotten, and
/// if none is idle the new address shares one window with every other newcomer: memory stays
/// bounded, and so does the log's growth.
const ADDRESSES_KEPT: usize = 4096;

/// Whose window a refusal counts in: an IPv4 address, an IPv6 /64 (one host usually holds a
/// whole /64), calls that came with no address (not over HTTP), or the shared overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4(u32),
    V6(u64),
    NoAddress,
    Overflow,
}

impl ClientKey {
    fn of(client: Option<std::net::IpAddr>) -> ClientKey {
        match client.map(|ip| ip.to_canonical()) {
            Some(std::net::IpAddr::V4(a)) => ClientKey::V4(a.into()),
            Some(std::net::IpAddr::V6(a)) => ClientKey::V6((u128::from(a) >> 64) as u64),
            None => ClientKey::NoAddress,
        }
    }
}

/// The refusal windows of unidentified callers (`core::exchange::refusals`), in this process.
#[derive(Default)]
pub(crate) struct AnonymousRefusals {
    windows: Mutex<Windows>,
}

#[derive(Default)]
struct Windows {
    by_client: HashMap<ClientKey, RefusalWindow>,
    /// Dropped refusals whose summary could not be sealed yet.
    carried: u64,
    /// Whether a task is sealing the summaries of windows as they end.
    summariser: bool,
}

impl AnonymousRefusals {
    /// One more refusal of an unidentified caller from `client` at `now`.
    pub(crate) fn turn(&self, client: Option<std::net::IpAddr>, now: i64) -> RefusalTurn {
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let mut key = ClientKey::of(client);
        if !w.by_client.contains_key(&key) && w.by_client.len() >= ADDRESSES_KEPT {
            w.by_client.retain(|_, win| !win.idle(now));
            if w.by_client.len() >= ADDRESSES_KEPT {
                key = ClientKey::Overflow;
            }
        }
        let turn = w
            .by_client
            .entry(key)
            .or_insert_with(|| RefusalWindow::new(now))
            .turn(now, UNAUTHENTICATED_PER_WINDOW);
        if let (RefusalTurn::Drop { .. }, false) = (turn, w.summariser) {
            tracing::warn!(client = ?client, "unauthenticated exchange calls over the sealed rate: answering 429");
        }
        turn
    }

    /// Claims the summariser's place; false when a task already holds it.
    pub(crate) fn start_summariser(&self) -> bool {
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        !std::mem::replace(&mut w.summariser, true)
    }

    /// The dropped counts of every window that is over, taken once.
    pub(crate) fn take_due(&self, now: i64) -> u64 {
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let mut due = std::mem::take(&mut w.carried);
        for win in w.by_client.values_mut() {
            due += win.take_due(now);
        }
        due
    }

    /// A count whose summary could not be sealed: it goes into the next one.
    pub(crate) fn put_back(&self, count: u64) {
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        w.carried += count;
    }

    /// Gives up the summariser's place when nothing is left to summarise (true: stop).
    pub(crate) fn stop_summariser_if_idle(&self) -> bool {
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let pending = w.carried > 0 || w.by_client.values().any(RefusalWindow::pending);
        if !pending {
            w.summariser = false;
        }
        !pending
    }
}

/// Tokens and grants kept at most; past it the memory starts again from nothing.
const TOKEN_GRANTS_KEPT: usize = 4096;

/// The key of a token's grants on a resource under one owner of change marks.
fn token_key(m: ChangeMark, hash: &str, code: &str) -> (u64, String) {
    (m.conn, format!("{hash} {code}"))
}

/// One call counted against its grant's quota while it is in flight.
pub(crate) struct Admission {
    grant: i64,
    inflight: Arc<Mutex<HashMap<i64, i64>>>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut m = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.grant) {
            *n -= 1;
            if *n <= 0 {
                m.remove(&self.grant);
            }
        }
    }
}

impl ExchangeState {
    pub(crate) fn new(usage: UsageReader) -> ExchangeState {
        ExchangeState {
            usage,
            default_rate: Mutex::default(),
            buckets: Mutex::default(),
            inflight: Arc::default(),
            targets: Mutex::default(),
            changed: tokio::sync::Notify::new(),
            token_grants: Mutex::default(),
            anonymous: AnonymousRefusals::default(),
        }
    }

    /// Calls of `grant` sealed today (China time).
    pub(crate) fn used_today(&self, c: &mut dyn Conn, grant: i64, now: i64) -> Result<i64> {
        let day = shuqiao_core::catalog::china_date(now);
        Ok(self.usage.calls_on(c, grant, &day)?)
    }

    /// What `keep_token_grants` kept for this token and resource, if no commit to the main
    /// file has come since (the mark is the same).
    pub(crate) fn token_grants(
        &self,
        m: ChangeMark,
        hash: &str,
        code: &str,
    ) -> Option<TokenGrants> {
        let kept = self.token_grants.lock().unwrap_or_else(|p| p.into_inner());
        match kept.get(&token_key(m, hash, code)) {
            Some((kept_at, tg)) if *kept_at == m => Some(tg.clone()),
            _ => None,
        }
    }

    pub(crate) fn keep_token_grants(&self, m: ChangeMark, hash: &str, code: &str, tg: TokenGrants) {
        let mut kept = self.token_grants.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= TOKEN_GRANTS_KEPT {
            kept.clear();
        }
        kept.insert(token_key(m, hash, code), (m, tg));
    }

    pub(crate) fn set_default_rate(&self, rate: Option<u32>) {
        *self.default_rate.lock().unwrap_or_else(|p| p.into_inner()) = rate.filter(|r| *r > 0);
    }

    /// The published entry of `code`, parsed once per version: only the version number is
    /// read on a hit.
    pub(crate) fn target(&self, c: &mut dyn Conn, code: &str) -> Result<Arc<Target>> {
        let row = c.query_one(
            "SELECT published_version, retired FROM resources WHERE code = $1",
            params![code],
        )?;
        let version = match &row {
            Some(r) => Some((r.opt_int(0)?, r.bool(1)?)),
            None => None,
        };
        self.target_at(c, code, version)
    }

    /// The same, given the resource's (published version, retired) as just read.
    pub(crate) fn target_at(
        &self,
        c: &mut dyn Conn,
        code: &str,
        version: Option<(Option<i64>, bool)>,
    ) -> Result<Arc<Target>> {
        if let Some((version, retired)) = version {
            let cached = self
                .targets
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(code)
                .cloned();
            if let Some(t) = cached.filter(|t| Some(t.version) == version && !retired) {
                return Ok(t);
            }
        }
        let fresh = Arc::new(load_target(c, code)?);
        self.targets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(code.to_string(), fresh.clone());
        Ok(fresh)
    }

    /// Lets one call of `grant` through, or refuses it with 429: over the rate (a token bucket
    /// per grant), or over the daily quota (`used_today` sealed calls plus those in flight).
    /// `charge_rate` is false for the re-checks of a long poll, which are one call.
    pub(crate) fn admit(
        &self,
        grant: &GrantView,
        used_today: i64,
        now: i64,
        charge_rate: bool,
    ) -> Result<Admission> {
        let default = *self.default_rate.lock().unwrap_or_else(|p| p.into_inner());
        let rate = exchange::grant_rate(grant.rate_per_second, default);
        if let (Some(rate), true) = (rate, charge_rate) {
            let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
            let bucket = buckets
                .entry(grant.id)
                .or_insert_with(|| Bucket::full(rate, now));
            bucket
                .take(rate, now)
                .map_err(|secs| StoreError::from(exchange::rate_limited(secs, rate)))?;
        }
        let mut inflight = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        let n = inflight.entry(grant.id).or_insert(0);
        exchange::check_quota(grant.quota_per_day, used_today, *n, now)?;
        *n += 1;
        Ok(Admission {
            grant: grant.id,
            inflight: self.inflight.clone(),
        })
    }
}

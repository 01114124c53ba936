//! How tokens are used, without a write on every request: uses are noted in memory (the
//! last use at most once a minute per token; a count for every request; each client's
//! address and user agent; when each scope was needed) and written in one batch, in one
//! transaction, by a background task. Daily counts are kept for [`KEEP_DAYS`], the last
//! [`CLIENTS_KEPT`] clients per token.
//!
//! Memory is bounded whatever the traffic: counts take one entry per token and day, and
//! clients and scopes at most [`MAX_PENDING`] entries each between two flushes, clients at
//! most [`MAX_PENDING_PER_TOKEN`] per token (a client first seen beyond that is counted,
//! not described, until the next flush).

mod reports;

pub use reports::{clients, per_day, scopes};

use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const ONCE_PER: Duration = Duration::from_secs(60);

/// How long requests per day are kept.
pub const KEEP_DAYS: i32 = 90;

/// How many distinct clients (address and user agent) are kept per token.
pub const CLIENTS_KEPT: i64 = 10;

/// The most clients, and the most token scopes, noted between two flushes.
pub const MAX_PENDING: usize = 1_000;

/// The most clients one token has noted between two flushes: so that one token (a
/// thousand user agents, or addresses) cannot fill [`MAX_PENDING`] and leave other tokens'
/// new clients unseen.
pub const MAX_PENDING_PER_TOKEN: usize = 20;

/// How much of a user agent is kept.
const USER_AGENT_MAX: usize = 200;

/// One request as usage sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    /// The scopes the request needed (none for operations any valid token may call).
    pub scopes: &'a [&'a str],
}

/// One client of one token since the last flush.
#[derive(Debug, Clone, Copy)]
struct ClientSeen {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    requests: i64,
}

type ClientKey = (i64, String, String);

#[derive(Clone, Default)]
pub struct UsageRecorder {
    inner: Arc<Mutex<Usage>>,
}

#[derive(Default)]
struct Usage {
    pending: HashMap<i64, (DateTime<Utc>, Option<String>)>,
    noted: HashMap<i64, Instant>,
    /// Requests since the last flush, per token and day: one entry per token used.
    counts: HashMap<(i64, NaiveDate), Counts>,
    /// Clients since the last flush, per token, address and user agent.
    clients: HashMap<ClientKey, ClientSeen>,
    /// How many of `clients` each token has, so that its cap costs no scan.
    clients_per_token: HashMap<i64, usize>,
    /// When each scope was last needed since the last flush, per token.
    scopes: HashMap<(i64, String), DateTime<Utc>>,
}

impl Usage {
    /// Notes a client not noted yet, if there is room: [`MAX_PENDING`] in all,
    /// [`MAX_PENDING_PER_TOKEN`] for its token. Beyond that it is counted, not described.
    fn note_client(&mut self, key: ClientKey, seen: ClientSeen) {
        let of_token = self.clients_per_token.entry(key.0).or_default();
        if self.clients.len() < MAX_PENDING && *of_token < MAX_PENDING_PER_TOKEN {
            *of_token += 1;
            self.clients.insert(key, seen);
        }
    }
}

/// One token's requests on one day: served, and refused by its allowlist.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    requests: i64,
    refused: i64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.requests += other.requests;
        self.refused += other.refused;
    }
}

impl UsageRecorder {
    /// Counts a request refused because of the client's address (the token's allowlist).
    pub fn refused(&self, token_id: i64) {
        let mut usage = self.inner.lock().expect("usage lock");
        let day = Utc::now().date_naive();
        usage.counts.entry((token_id, day)).or_default().refused += 1;
    }

    /// Notes one request served with the token `token_id`.
    pub fn record(&self, token_id: i64, request: Request<'_>) {
        let now = Utc::now();
        let addr = request
            .client_addr
            .map_or_else(|| "unknown".to_owned(), |a| a.to_canonical().to_string());
        let agent = request.user_agent.unwrap_or("").trim();
        let agent = match agent.char_indices().nth(USER_AGENT_MAX) {
            Some((cut, _)) => &agent[..cut],
            None => agent,
        };
        let mut usage = self.inner.lock().expect("usage lock");
        let usage = &mut *usage;
        usage
            .counts
            .entry((token_id, now.date_naive()))
            .or_default()
            .requests += 1;
        let key = (token_id, addr, agent.to_owned());
        match usage.clients.get_mut(&key) {
            Some(seen) => {
                seen.last = now;
                seen.requests += 1;
            }
            None => {
                let first = ClientSeen {
                    first: now,
                    last: now,
                    requests: 1,
                };
                usage.note_client(key.clone(), first);
            }
        }
        for scope in request.scopes {
            let key = (token_id, (*scope).to_owned());
            if usage.scopes.len() < MAX_PENDING || usage.scopes.contains_key(&key) {
                usage.scopes.insert(key, now);
            }
        }
        let client_addr = request.client_addr.map(|_| key.1);
        if usage
            .noted
            .get(&token_id)
            .is_some_and(|t| t.elapsed() < ONCE_PER)
        {
            return;
        }
        usage.noted.insert(token_id, Instant::now());
        usage.pending.insert(token_id, (now, client_addr));
    }

    /// Writes what was noted since the last flush, in one transaction: the last uses, and
    /// the requests added to each token's day. Should the write fail (or the flush be
    /// cancelled), the uses are noted again for the next flush.
    pub async fn flush(&self, pool: &PgPool) -> Result<usize> {
        let taken = {
            let mut usage = self.inner.lock().expect("usage lock");
            usage.noted.retain(|_, t| t.elapsed() < ONCE_PER);
            usage.clients_per_token.clear();
            Taken {
                recorder: self,
                pending: std::mem::take(&mut usage.pending),
                counts: std::mem::take(&mut usage.counts),
                clients: std::mem::take(&mut usage.clients),
                scopes: std::mem::take(&mut usage.scopes),
            }
        };
        if taken.is_empty() {
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(taken.pending.len());
        let mut times = Vec::with_capacity(taken.pending.len());
        let mut addrs = Vec::with_capacity(taken.pending.len());
        for (id, (at, addr)) in &taken.pending {
            ids.push(*id);
            times.push(*at);
            addrs.push(addr.clone());
        }
        let (mut day_ids, mut days, mut requests, mut refused) = (vec![], vec![], vec![], vec![]);
        for ((id, day), n) in &taken.counts {
            day_ids.push(*id);
            days.push(*day);
            requests.push(n.requests);
            refused.push(n.refused);
        }
        let mut tx = pool.begin().await?;
        sqlx::query(
            "UPDATE api_tokens t SET last_used_at = u.at, last_used_addr = u.addr
             FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS u(id, at, addr)
             WHERE t.id = u.id",
        )
        .bind(&ids)
        .bind(&times)
        .bind(&addrs)
        .execute(&mut *tx)
        .await?;
        // A token deleted meanwhile (its owner deleted) is skipped, not an error.
        sqlx::query(
            "INSERT INTO token_usage_daily (token_id, day, requests, refused)
             SELECT u.id, u.day, u.n, u.refused
             FROM unnest($1::bigint[], $2::date[], $3::bigint[], $4::bigint[])
                  AS u(id, day, n, refused)
             JOIN api_tokens t ON t.id = u.id
             ON CONFLICT (token_id, day)
             DO UPDATE SET requests = token_usage_daily.requests + EXCLUDED.requests,
                           refused = token_usage_daily.refused + EXCLUDED.refused",
        )
        .bind(&day_ids)
        .bind(&days)
        .bind(&requests)
        .bind(&refused)
        .execute(&mut *tx)
        .await?;
        write_clients(&mut tx, &taken.clients).await?;
        write_scopes(&mut tx, &taken.scopes).await?;
        tx.commit().await?;
        taken.written();
        Ok(ids.len())
    }

    /// What is held in memory now: entries (last uses, daily counts, clients, scopes) and
    /// about how many bytes they take.
    pub fn held(&self) -> (usize, usize) {
        let usage = self.inner.lock().expect("usage lock");
        let entries = usage.pending.len()
            + usage.noted.len()
            + usage.counts.len()
            + usage.clients.len()
            + usage.scopes.len();
        let strings: usize = usage
            .pending
            .values()
            .map(|(_, a)| a.as_ref().map_or(0, String::capacity))
            .chain(
                usage
                    .clients
                    .keys()
                    .map(|(_, a, u)| a.capacity() + u.capacity()),
            )
            .chain(usage.scopes.keys().map(|(_, s)| s.capacity()))
            .sum();
        let bytes = usage.pending.len()
            * std::mem::size_of::<(i64, (DateTime<Utc>, Option<String>))>()
            + usage.noted.len() * std::mem::size_of::<(i64, Instant)>()
            + usage.counts.len() * std::mem::size_of::<((i64, NaiveDate), Counts)>()
            + usage.clients.len() * std::mem::size_of::<(ClientKey, ClientSeen)>()
            + usage.scopes.len() * std::mem::size_of::<((i64, String), DateTime<Utc>)>()
            + strings;
        (entries, bytes)
    }

    #[cfg(test)]
    fn pending(&self) -> (usize, i64) {
        let usage = self.inner.lock().expect("usage lock");
        (
            usage.pending.len(),
            usage.counts.values().map(|c| c.requests).sum(),
        )
    }

    /// Flushes every `every` until the process ends.
    pub fn spawn_flusher(&self, pool: PgPool, every: Duration) -> tokio::task::JoinHandle<()> {
        let recorder = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = recorder.flush(&pool).await {
                    tracing::warn!(error = %e, "could not record token use");
                }
            }
        })
    }
}

/// Adds the clients noted to each token's, keeping each token's last [`CLIENTS_KEPT`].
async fn write_clients(
    tx: &mut sqlx::PgConnection,
    clients: &HashMap<ClientKey, ClientSeen>,
) -> Result<()> {
    if clients.is_empty() {
        return Ok(());
    }
    let (mut ids, mut addrs, mut agents) = (vec![], vec![], vec![]);
    let (mut firsts, mut lasts, mut requests) = (vec![], vec![], vec![]);
    for ((id, addr, agent), seen) in clients {
        ids.push(*id);
        addrs.push(addr.as_str());
        agents.push(agent.as_str());
        firsts.push(seen.first);
        lasts.push(seen.last);
        requests.push(seen.requests);
    }
    announce_new_addresses(tx, &ids, &addrs, &agents).await?;
    sqlx::query(
        "INSERT INTO token_clients (token_id, addr, user_agent, first_seen, last_seen, requests)
         SELECT u.id, u.addr, u.agent, u.first, u.last, u.n
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[],
                     $5::timestamptz[], $6::bigint[]) AS u(id, addr, agent, first, last, n)
         JOIN api_tokens t ON t.id = u.id
         ON CONFLICT (token_id, addr, user_agent)
         DO UPDATE SET last_seen = GREATEST(token_clients.last_seen, EXCLUDED.last_seen),
                       requests = token_clients.requests + EXCLUDED.requests",
    )
    .bind(&ids)
    .bind(&addrs)
    .bind(&agents)
    .bind(&firsts)
    .bind(&lasts)
    .bind(&requests)
    .execute(&mut *tx)
    .await?;
    ids.sort_unstable();
    ids.dedup();
    sqlx::query(
        "DELETE FROM token_clients c USING (
             SELECT token_id, addr, user_agent,
                    row_number() OVER (PARTITION BY token_id ORDER BY last_seen DESC) AS n
             FROM token_clients WHERE token_id = ANY($1)) r
         WHERE c.token_id = r.token_id AND c.addr = r.addr AND c.user_agent = r.user_agent
           AND r.n > $2",
    )
    .bind(&ids)
    .bind(CLIENTS_KEPT)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Fires `token.used_from_new_address` for each token used from an address that is not
/// among its recent clients (the first use of a token included), once per token and
/// address, in the flush's transaction.
async fn announce_new_addresses(
    tx: &mut sqlx::PgConnection,
    ids: &[i64],
    addrs: &[&str],
    agents: &[&str],
) -> Result<()> {
    let fresh: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT DISTINCT ON (t.id, u.addr) t.public_id, t.name, u.addr, u.agent
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, addr, agent)
         JOIN api_tokens t ON t.id = u.id
         WHERE u.addr <> 'unknown'
           AND NOT EXISTS (SELECT 1 FROM token_clients c
                           WHERE c.token_id = u.id AND c.addr = u.addr)
         ORDER BY t.id, u.addr",
    )
    .bind(ids)
    .bind(addrs)
    .bind(agents)
    .fetch_all(&mut *tx)
    .await?;
    for (public_id, name, addr, agent) in fresh {
        let data = serde_json::json!({
            "token": { "id": public_id, "name": name },
            "client_addr": addr,
            "user_agent": agent,
        });
        crate::webhooks::enqueue(
            &mut *tx,
            types::events::Event::TokenUsedFromNewAddress,
            data,
        )
        .await?;
    }
    Ok(())
}

/// Moves each token scope's last use forward.
async fn write_scopes(
    tx: &mut sqlx::PgConnection,
    scopes: &HashMap<(i64, String), DateTime<Utc>>,
) -> Result<()> {
    if scopes.is_empty() {
        return Ok(());
    }
    let (mut ids, mut names, mut times) = (vec![], vec![], vec![]);
    for ((id, scope), at) in scopes {
        ids.push(*id);
        names.push(scope.as_str());
        times.push(*at);
    }
    sqlx::query(
        "INSERT INTO token_scope_use (token_id, scope, last_used)
         SELECT u.id, u.scope, u.at
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS u(id, scope, at)
         JOIN api_tokens t ON t.id = u.id
         ON CONFLICT (token_id, scope)
         DO UPDATE SET last_used = GREATEST(token_scope_use.last_used, EXCLUDED.last_used)",
    )
    .bind(&ids)
    .bind(&names)
    .bind(&times)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Deletes the daily counts older than [`KEEP_DAYS`].
pub async fn prune(pool: &PgPool) -> Result<u64> {
    let deleted = sqlx::query("DELETE FROM token_usage_daily WHERE day < current_date - $1::int")
        .bind(KEEP_DAYS)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

/// Uses taken out for one flush: unless written, they go back to the pending ones (a
/// newer use of the same token, noted meanwhile, wins).
struct Taken<'a> {
    recorder: &'a UsageRecorder,
    pending: HashMap<i64, (DateTime<Utc>, Option<String>)>,
    counts: HashMap<(i64, NaiveDate), Counts>,
    clients: HashMap<ClientKey, ClientSeen>,
    scopes: HashMap<(i64, String), DateTime<Utc>>,
}

impl Taken<'_> {
    fn is_empty(&self) -> bool {
        self.pending.is_empty()
            && self.counts.is_empty()
            && self.clients.is_empty()
            && self.scopes.is_empty()
    }

    fn written(mut self) {
        self.pending.clear();
        self.counts.clear();
        self.clients.clear();
        self.scopes.clear();
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if self.is_empty() {
            return;
        }
        let mut usage = self.recorder.inner.lock().expect("usage lock");
        for (key, seen) in self.clients.drain() {
            if let Some(newer) = usage.clients.get_mut(&key) {
                newer.first = seen.first;
                newer.requests += seen.requests;
            } else {
                usage.note_client(key, seen);
            }
        }
        for (key, at) in self.scopes.drain() {
            usage.scopes.entry(key).or_insert(at);
        }
        for (id, used) in self.pending.drain() {
            usage.pending.entry(id).or_insert(used);
        }
        // Counts noted meanwhile and counts put back add up.
        for (key, n) in self.counts.drain() {
            *usage.counts.entry(key).or_default() += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::postgres::PgPoolOptions;

    #[tokio::test]
    async fn a_use_survives_a_failed_write() {
        let recorder = UsageRecorder::default();
        let from = Request {
            client_addr: Some("10.0.0.1".parse().unwrap()),
            user_agent: Some("SAP-Connector/2.1"),
            scopes: &["shipping:read"],
        };
        recorder.record(7, from);
        recorder.record(7, from);
        assert_eq!(
            recorder.pending(),
            (1, 2),
            "the last use once a minute, every request counted"
        );
        // Nothing listens on port 1: the write fails.
        let unreachable = PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(200))
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap();
        assert!(recorder.flush(&unreachable).await.is_err());
        assert_eq!(recorder.pending(), (1, 2), "kept for the next flush");
        recorder.record(7, Request::default());
        assert_eq!(recorder.pending(), (1, 3), "and added to");
    }

    #[test]
    fn one_token_cannot_fill_the_clients_and_hide_another_tokens_new_address() {
        let recorder = UsageRecorder::default();
        // A thousand and more user agents through one token, from one address.
        for n in 0..1500 {
            let agent = format!("flood/{n}");
            recorder.record(
                1,
                Request {
                    client_addr: Some("203.0.113.9".parse().unwrap()),
                    user_agent: Some(&agent),
                    scopes: &[],
                },
            );
        }
        recorder.record(
            2,
            Request {
                client_addr: Some("198.51.100.4".parse().unwrap()),
                user_agent: Some("ERP/1.0"),
                scopes: &[],
            },
        );
        let usage = recorder.inner.lock().unwrap();
        let of = |token: i64| usage.clients.keys().filter(|k| k.0 == token).count();
        assert_eq!(of(1), MAX_PENDING_PER_TOKEN);
        assert_eq!(of(2), 1, "the other token's new client is seen");
        let requests: i64 = usage.counts.values().map(|c| c.requests).sum();
        assert_eq!(requests, 1501, "every request is still counted");
    }
}

//! `last_used` and requests per day without a write on every request: uses are noted in
//! memory (the last use at most once a minute per token, a count for every request) and
//! written in one batch, in one transaction, by a background task. Daily counts are kept
//! for [`KEEP_DAYS`].

use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const ONCE_PER: Duration = Duration::from_secs(60);

/// How long requests per day are kept.
pub const KEEP_DAYS: i32 = 90;

#[derive(Clone, Default)]
pub struct UsageRecorder {
    inner: Arc<Mutex<Usage>>,
}

#[derive(Default)]
struct Usage {
    pending: HashMap<i64, (DateTime<Utc>, Option<String>)>,
    noted: HashMap<i64, Instant>,
    /// Requests since the last flush, per token and day: one entry per token used.
    counts: HashMap<(i64, NaiveDate), i64>,
}

impl UsageRecorder {
    pub fn record(&self, token_id: i64, client_addr: Option<String>) {
        let now = Utc::now();
        let mut usage = self.inner.lock().expect("usage lock");
        *usage
            .counts
            .entry((token_id, now.date_naive()))
            .or_insert(0) += 1;
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
            Taken {
                recorder: self,
                pending: std::mem::take(&mut usage.pending),
                counts: std::mem::take(&mut usage.counts),
            }
        };
        if taken.pending.is_empty() && taken.counts.is_empty() {
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
        let (mut day_ids, mut days, mut requests) = (vec![], vec![], vec![]);
        for ((id, day), n) in &taken.counts {
            day_ids.push(*id);
            days.push(*day);
            requests.push(*n);
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
            "INSERT INTO token_usage_daily (token_id, day, requests)
             SELECT u.id, u.day, u.n
             FROM unnest($1::bigint[], $2::date[], $3::bigint[]) AS u(id, day, n)
             JOIN api_tokens t ON t.id = u.id
             ON CONFLICT (token_id, day)
             DO UPDATE SET requests = token_usage_daily.requests + EXCLUDED.requests",
        )
        .bind(&day_ids)
        .bind(&days)
        .bind(&requests)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        taken.written();
        Ok(ids.len())
    }

    #[cfg(test)]
    fn pending(&self) -> (usize, i64) {
        let usage = self.inner.lock().expect("usage lock");
        (usage.pending.len(), usage.counts.values().sum())
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

/// A token's requests per day over the days kept, oldest first; days without requests
/// are left out. The caller has checked that the token may be seen.
pub async fn per_day(pool: &PgPool, public_id: &str) -> Result<Vec<(NaiveDate, i64)>> {
    Ok(sqlx::query_as(
        "SELECT d.day, d.requests FROM token_usage_daily d
         JOIN api_tokens t ON t.id = d.token_id
         WHERE t.public_id = $1 AND d.day > current_date - $2::int
         ORDER BY d.day",
    )
    .bind(public_id)
    .bind(KEEP_DAYS)
    .fetch_all(pool)
    .await?)
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
    counts: HashMap<(i64, NaiveDate), i64>,
}

impl Taken<'_> {
    fn written(mut self) {
        self.pending.clear();
        self.counts.clear();
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if self.pending.is_empty() && self.counts.is_empty() {
            return;
        }
        let mut usage = self.recorder.inner.lock().expect("usage lock");
        for (id, used) in self.pending.drain() {
            usage.pending.entry(id).or_insert(used);
        }
        // Counts noted meanwhile and counts put back add up.
        for (key, n) in self.counts.drain() {
            *usage.counts.entry(key).or_insert(0) += n;
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
        recorder.record(7, Some("10.0.0.1".into()));
        recorder.record(7, Some("10.0.0.1".into()));
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
        recorder.record(7, None);
        assert_eq!(recorder.pending(), (1, 3), "and added to");
    }
}

//! `last_used` without a write on every request: uses are noted in memory, at most once a
//! minute per token, and written in one batch by a background task.

use crate::error::Result;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const ONCE_PER: Duration = Duration::from_secs(60);

#[derive(Clone, Default)]
pub struct UsageRecorder {
    inner: Arc<Mutex<Usage>>,
}

#[derive(Default)]
struct Usage {
    pending: HashMap<i64, (DateTime<Utc>, Option<String>)>,
    noted: HashMap<i64, Instant>,
}

impl UsageRecorder {
    pub fn record(&self, token_id: i64, client_addr: Option<String>) {
        let mut usage = self.inner.lock().expect("usage lock");
        if usage
            .noted
            .get(&token_id)
            .is_some_and(|t| t.elapsed() < ONCE_PER)
        {
            return;
        }
        usage.noted.insert(token_id, Instant::now());
        usage.pending.insert(token_id, (Utc::now(), client_addr));
    }

    /// Writes what was noted since the last flush in one statement. Should the write fail
    /// (or the flush be cancelled), the uses are noted again for the next flush.
    pub async fn flush(&self, pool: &PgPool) -> Result<usize> {
        let taken = {
            let mut usage = self.inner.lock().expect("usage lock");
            usage.noted.retain(|_, t| t.elapsed() < ONCE_PER);
            Taken {
                recorder: self,
                pending: std::mem::take(&mut usage.pending),
            }
        };
        if taken.pending.is_empty() {
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
        sqlx::query(
            "UPDATE api_tokens t SET last_used_at = u.at, last_used_addr = u.addr
             FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS u(id, at, addr)
             WHERE t.id = u.id",
        )
        .bind(&ids)
        .bind(&times)
        .bind(&addrs)
        .execute(pool)
        .await?;
        taken.written();
        Ok(ids.len())
    }

    #[cfg(test)]
    fn pending(&self) -> usize {
        self.inner.lock().expect("usage lock").pending.len()
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

/// Uses taken out for one flush: unless written, they go back to the pending ones (a
/// newer use of the same token, noted meanwhile, wins).
struct Taken<'a> {
    recorder: &'a UsageRecorder,
    pending: HashMap<i64, (DateTime<Utc>, Option<String>)>,
}

impl Taken<'_> {
    fn written(mut self) {
        self.pending.clear();
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let mut usage = self.recorder.inner.lock().expect("usage lock");
        for (id, used) in self.pending.drain() {
            usage.pending.entry(id).or_insert(used);
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
        assert_eq!(recorder.pending(), 1, "noted once a minute");
        // Nothing listens on port 1: the write fails.
        let unreachable = PgPoolOptions::new()
            .acquire_timeout(Duration::from_millis(200))
            .connect_lazy("postgres://nobody@127.0.0.1:1/none")
            .unwrap();
        assert!(recorder.flush(&unreachable).await.is_err());
        assert_eq!(recorder.pending(), 1, "kept for the next flush");
    }
}

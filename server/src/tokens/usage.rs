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

    /// Writes what was noted since the last flush in one statement.
    pub async fn flush(&self, pool: &PgPool) -> Result<usize> {
        let pending = {
            let mut usage = self.inner.lock().expect("usage lock");
            usage.noted.retain(|_, t| t.elapsed() < ONCE_PER);
            std::mem::take(&mut usage.pending)
        };
        if pending.is_empty() {
            return Ok(0);
        }
        let mut ids = Vec::with_capacity(pending.len());
        let mut times = Vec::with_capacity(pending.len());
        let mut addrs = Vec::with_capacity(pending.len());
        for (id, (at, addr)) in pending {
            ids.push(id);
            times.push(at);
            addrs.push(addr);
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
        Ok(ids.len())
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

//! Receipts: how many running instances confirmed dropping a revoked token, and how long
//! the slowest took after the change committed.

use super::{listening::notify, Verifier, ACKS, ALIVE_FOR_SECONDS, RECEIPT_WAIT};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};
use tokio::sync::mpsc;
use types::tokens::Propagation;

impl Verifier {
    /// Starts waiting for acknowledgements of the revocation of `public_id`: call before
    /// revoking, then [`Receipt::wait`] after the change committed.
    pub fn expect_revocation(&self, public_id: &str) -> Receipt {
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner
            .receipts
            .lock()
            .expect("receipts")
            .insert(public_id.to_owned(), tx);
        Receipt {
            verifier: self.clone(),
            public_id: public_id.to_owned(),
            acks: rx,
        }
    }

    /// Tells the revoking instance this one has dropped the token.
    pub(super) fn acknowledge(&self, public_id: &str) {
        let pool = self.inner.pool.clone();
        let payload = format!("{public_id} {}", self.inner.instance);
        tokio::spawn(async move {
            let _ = notify(&pool, ACKS, &payload).await;
        });
    }

    pub(super) fn acknowledged(&self, payload: &str) {
        let Some((public_id, instance)) = payload.split_once(' ') else {
            return;
        };
        if let Some(tx) = self.inner.receipts.lock().expect("receipts").get(public_id) {
            let _ = tx.send((instance.to_owned(), Instant::now()));
        }
    }
}

/// A revocation's acknowledgements, counted once it has committed.
pub struct Receipt {
    verifier: Verifier,
    public_id: String,
    acks: mpsc::UnboundedReceiver<(String, Instant)>,
}

impl Receipt {
    /// Waits (at most half a second) until every live instance has acknowledged the
    /// revocation, and says how many did and how long the slowest took from `committed`.
    /// A token found already revoked (`newly` false) was dropped everywhere long ago.
    pub async fn wait(mut self, committed: Instant, newly: bool) -> Propagation {
        let pool = &self.verifier.inner.pool;
        let alive = sqlx::query_scalar!(
            "SELECT id FROM verifier_instances
             WHERE last_seen > now() - make_interval(secs => $1)",
            ALIVE_FOR_SECONDS,
        )
        .fetch_all(pool)
        .await
        .unwrap_or_default();
        let mut confirmed: HashMap<String, Duration> = HashMap::new();
        if !newly {
            confirmed.extend(alive.iter().map(|i| (i.clone(), Duration::ZERO)));
        }
        let deadline = tokio::time::Instant::now() + RECEIPT_WAIT;
        while !alive.iter().all(|i| confirmed.contains_key(i)) {
            match tokio::time::timeout_at(deadline, self.acks.recv()).await {
                Ok(Some((instance, at))) => {
                    confirmed.insert(instance, at.saturating_duration_since(committed));
                }
                _ => break,
            }
        }
        let counted: Vec<Duration> = alive
            .iter()
            .filter_map(|i| confirmed.get(i).copied())
            .collect();
        Propagation {
            instances: alive.len() as u32,
            confirmed: counted.len() as u32,
            slowest_ms: counted
                .iter()
                .max()
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0),
        }
    }
}

impl Drop for Receipt {
    fn drop(&mut self) {
        self.verifier
            .inner
            .receipts
            .lock()
            .expect("receipts")
            .remove(&self.public_id);
    }
}

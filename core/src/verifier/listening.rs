//! Listening: the connection that hears every change, the heartbeat that tells the other
//! instances this one is alive, and `settle`, which waits until this instance has heard
//! everything committed before it.

use super::{notices::Notice, Known, Verifier, ACKS, CHANGES, HEARTBEAT_EVERY, RECEIPT_WAIT};
use crate::error::Result;
use rand::RngCore;
use sqlx::{postgres::PgListener, PgPool};
use std::{sync::atomic::Ordering, time::Duration};
use tokio::sync::oneshot;

impl Verifier {
    /// Waits until this instance has heard every change committed before the call, so
    /// that the request after a change is answered as the change says. Called after each
    /// request that may have changed something.
    pub async fn settle(&self) {
        if !self.cache_in_use() {
            return; // Nothing is cached: there is nothing to wait for.
        }
        if !self.round_trip().await {
            // The notice did not come back in time: better empty than stale.
            self.forget_all();
        }
    }

    /// Sends a notice of this instance's own and waits for it to come back, which it does
    /// after every notice committed before it; `false` if it does not within the wait.
    async fn round_trip(&self) -> bool {
        let id = rand::rngs::OsRng.next_u64();
        let (tx, rx) = oneshot::channel();
        self.inner.settling.lock().expect("settling").insert(id, tx);
        let payload = format!("settle {} {id}", self.inner.instance);
        let sent = notify(&self.inner.pool, CHANGES, &payload).await;
        let back = sent.is_ok() && tokio::time::timeout(RECEIPT_WAIT, rx).await.is_ok();
        self.inner.settling.lock().expect("settling").remove(&id);
        back
    }

    /// Listens for changes and keeps this instance's heartbeat until the process ends,
    /// reconnecting (and flushing) whenever the connection is lost.
    pub fn spawn(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let listener = {
            let verifier = self.clone();
            tokio::spawn(async move { verifier.listen_forever().await })
        };
        let heartbeat = {
            let verifier = self.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
                loop {
                    tick.tick().await;
                    if let Err(e) = verifier.heartbeat().await {
                        tracing::debug!(error = %e, "verifier heartbeat failed");
                    }
                    // A listening connection can die silently (a network partition drops
                    // no packet to say so): one that no longer hears this instance's own
                    // notice is given up, and the cache with it.
                    if verifier.cache_in_use() && !verifier.round_trip().await {
                        verifier.flush("the listening connection stopped answering");
                        verifier.inner.reconnect.notify_one();
                    }
                }
            })
        };
        vec![listener, heartbeat]
    }

    async fn heartbeat(&self) -> Result<()> {
        sqlx::query!(
            "INSERT INTO verifier_instances (id) VALUES ($1)
             ON CONFLICT (id) DO UPDATE SET last_seen = now()",
            self.inner.instance,
        )
        .execute(&self.inner.pool)
        .await?;
        Ok(())
    }

    /// Removes this instance's heartbeat row (at a graceful shutdown).
    pub async fn leave(&self) {
        let _ = sqlx::query!(
            "DELETE FROM verifier_instances WHERE id = $1",
            self.inner.instance
        )
        .execute(&self.inner.pool)
        .await;
    }

    async fn listen_forever(&self) {
        let mut delay = Duration::from_millis(100);
        loop {
            match self.listen_once().await {
                Ok(()) => delay = Duration::from_millis(100),
                Err(e) => {
                    tracing::debug!(error = %e, "verifier cannot listen yet");
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
            self.flush("the connection to PostgreSQL was lost");
            tokio::time::sleep(delay).await;
        }
    }

    /// One listening connection's life: returns when it is lost.
    async fn listen_once(&self) -> Result<()> {
        let mut listener = PgListener::connect_with(&self.inner.pool).await?;
        listener.listen_all([CHANGES, ACKS]).await?;
        // Whatever changed before this point was missed: start empty, and read the ids
        // and digests that exist now (a token made meanwhile is in the read or in a
        // notice to come).
        self.flush("reconnecting");
        let ids = sqlx::query!("SELECT public_id, secret_digest, canary FROM api_tokens")
            .fetch_all(&self.inner.pool)
            .await?;
        *self.inner.known.write().expect("known ids") = ids
            .into_iter()
            .map(|row| {
                let (digest, canary) = (row.secret_digest, row.canary);
                (row.public_id, Known { digest, canary })
            })
            .collect();
        let _ = self.heartbeat().await;
        self.inner.listening.store(true, Ordering::Release);
        tracing::info!(instance = %self.inner.instance, "verifier listening for changes");
        loop {
            let notification = tokio::select! {
                received = listener.try_recv() => match received? {
                    Some(notification) => notification,
                    None => return Ok(()), // The connection was lost.
                },
                _ = self.inner.reconnect.notified() => return Ok(()),
            };
            let payload = notification.payload();
            if notification.channel() == ACKS {
                self.acknowledged(payload);
                continue;
            }
            let Some(notice) = Notice::parse(payload) else {
                continue;
            };
            self.apply(&notice);
            match notice {
                Notice::Revoked { public_id, .. } => self.acknowledge(public_id),
                Notice::Settle { instance, id } if instance == self.inner.instance => {
                    if let Some(tx) = self.inner.settling.lock().expect("settling").remove(&id) {
                        let _ = tx.send(());
                    }
                }
                _ => {}
            }
        }
    }
}

pub(super) async fn notify(pool: &PgPool, channel: &str, payload: &str) -> sqlx::Result<()> {
    sqlx::query!("SELECT pg_notify($1, $2)", channel, payload)
        .execute(pool)
        .await
        .map(drop)
}

//! The worker loop every outbox shares (webhook deliveries, e-mail): take what is due, one
//! at a time, until nothing is; then wait for a notice on the outbox's channel (sent when a
//! change that wrote to it commits) or at most a second, for retries that fell due.

use crate::error::Result;
use sqlx::{postgres::PgListener, PgPool};
use std::{future::Future, time::Duration};

/// How often a worker looks for retries that fell due, without a notice.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Runs `take_one` (which answers whether it took something) until the process ends.
/// `what` names the work in the log when a round fails.
pub async fn drain<F, Fut>(pool: PgPool, channel: &'static str, what: &'static str, take_one: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let mut listener = None;
    loop {
        if listener.is_none() {
            listener = listen(&pool, channel).await;
        }
        loop {
            match take_one().await {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "{what} failed to run");
                    break;
                }
            }
        }
        match listener.as_mut() {
            Some(l) => match tokio::time::timeout(LOOK_EVERY, l.try_recv()).await {
                Ok(Ok(Some(_))) | Err(_) => {}
                // The connection was lost: listen anew on the next round.
                Ok(Ok(None)) | Ok(Err(_)) => listener = None,
            },
            None => tokio::time::sleep(LOOK_EVERY).await,
        }
    }
}

async fn listen(pool: &PgPool, channel: &str) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(channel).await.ok()?;
    Some(listener)
}

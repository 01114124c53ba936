//! The worker loop every outbox shares (webhook deliveries, e-mail): take what is due, one
//! at a time, until nothing is; then wait for a notice on the outbox's channel (sent when a
//! change that wrote to it commits) or at most a second, for retries that fell due. Also
//! their one retry policy: [`backoff`] between attempts, given up after a day.

use crate::error::Result;
use chrono::{DateTime, Utc};
use sqlx::{postgres::PgListener, PgPool};
use std::{future::Future, sync::Arc, time::Duration};
use tokio::{sync::Notify, task::JoinSet};

/// After how long since it was written something is no longer tried again.
pub const GIVE_UP_AFTER_HOURS: i64 = 24;

/// How long to wait after `attempts` failed attempts: 5 s, 15 s, 45 s, … at most 2 hours.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.saturating_sub(1).clamp(0, 10) as u32;
    Duration::from_secs(5 * 3u64.pow(exponent)).min(Duration::from_secs(2 * 3600))
}

/// Whether something written at `written_at` has been retried long enough.
pub fn past_retrying(written_at: DateTime<Utc>) -> bool {
    Utc::now() - written_at > chrono::Duration::hours(GIVE_UP_AFTER_HOURS)
}

/// How often a worker looks for retries that fell due, without a notice.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Runs `workers` workers until the process ends. Each calls `take_one(worker)` (which
/// answers whether it took something) until nothing is left, then waits for a notice on
/// `channel` or at most a second. One listening connection wakes them all. `what` names
/// the work in the log when a round fails.
pub async fn drain<F, Fut>(
    pool: PgPool,
    channel: &'static str,
    what: &'static str,
    workers: usize,
    take_one: F,
) where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool>> + Send,
{
    let wake = Arc::new(Notify::new());
    let take_one = Arc::new(take_one);
    // Dropped (and so stopped) with this future.
    let mut running = JoinSet::new();
    for worker in 0..workers {
        let (wake, take_one) = (wake.clone(), take_one.clone());
        running.spawn(async move {
            loop {
                // Registered before looking, so that a notice sent meanwhile is not lost.
                let notified = wake.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                loop {
                    match take_one(worker).await {
                        Ok(true) => continue,
                        Ok(false) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "{what} failed to run");
                            break;
                        }
                    }
                }
                tokio::select! {
                    _ = notified => {}
                    _ = tokio::time::sleep(LOOK_EVERY) => {}
                }
            }
        });
    }
    let mut listener = None;
    loop {
        if listener.is_none() {
            listener = listen(&pool, channel).await;
        }
        match listener.as_mut() {
            Some(l) => match l.try_recv().await {
                Ok(Some(_)) => wake.notify_waiters(),
                // The connection was lost: listen anew.
                Ok(None) | Err(_) => listener = None,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_two_hours() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(15));
        assert_eq!(backoff(3), Duration::from_secs(45));
        assert_eq!(backoff(20), Duration::from_secs(7200));
    }
}

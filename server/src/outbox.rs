//! The worker loop every outbox shares (webhook deliveries, e-mail): take what is due, one
//! at a time, until nothing is; then wait for a notice on the outbox's channel (sent when a
//! change that wrote to it commits) or at most a second, for retries that fell due. Also
//! their one retry policy: [`backoff`] between attempts, given up after a day.

use crate::error::Result;
use chrono::{DateTime, Utc};
use sqlx::{postgres::PgListener, PgPool};
use std::{future::Future, time::Duration};

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

//! Slows down password guessing. A client address gets at most `MAX_FAILURES` failed
//! attempts a minute. An account gets `MAX_FAILURES` free ones, then must wait between
//! attempts, twice as long after each further failure of the hour (1 s, 2 s, 4 s, … at
//! most `LONGEST_WAIT`): guessing stays slow, yet nobody can lock an administrator out
//! for more than minutes. Kept in PostgreSQL, so it holds across restarts.
//!
//! The account's wait binds only addresses that have failed lately: from an address with
//! no failure in the last hour, the owner's right password is checked (and a wrong one
//! counts, so that address is bound from then on). Guessing from many addresses costs an
//! address each time; the owner is never locked out by others' failures.
//!
//! An attempt is reserved before its password is checked, atomically for all its keys
//! (each key's advisory lock serialises the count and the insert), and counts as a
//! failure unless it is forgiven: however many guesses arrive at once, only those the
//! budget allows are ever checked.

use crate::error::Result;
use sqlx::PgPool;
use types::AppError;

pub const MAX_FAILURES: i64 = 5;
/// The longest an account waits between attempts.
pub const LONGEST_WAIT_SECONDS: f64 = 300.0;

/// How long to wait before the next attempt, in whole seconds, and the key whose budget
/// is spent (the address, or the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub seconds: u64,
    pub key: String,
}

const ACCOUNT: &str = "account:";
const ADDRESS: &str = "address:";
const SECOND_FACTOR: &str = "second-factor:";

pub fn account_key(email: &str) -> String {
    format!("{ACCOUNT}{email}")
}

/// The key of a person's second-factor codes. It waits as an account does after its
/// free failures, but from every address alike: whoever types codes has the password
/// already, and a fresh address must not buy them another guess.
pub fn second_factor_key(user_id: i64) -> String {
    format!("{SECOND_FACTOR}{user_id}")
}

pub fn address_key(addr: Option<std::net::IpAddr>) -> Option<String> {
    addr.map(|a| format!("{ADDRESS}{}", a.to_canonical()))
}

/// The answer while a key's budget is spent.
pub(crate) fn too_many(wait: Wait) -> AppError {
    let seconds = wait.seconds;
    let when = match seconds {
        0 | 1 => "in a second".to_owned(),
        s if s < 90 => format!("in {s} seconds"),
        s => format!("in {} minutes", s.div_ceil(60)),
    };
    AppError::TooManyRequests(format!("Too many failed attempts. Try again {when}."))
}

/// One reserved attempt: a failure row per key, until [`Attempt::succeeded`].
#[must_use]
pub struct Attempt {
    rows: Vec<i64>,
}

/// Reserves an attempt for every one of `keys`, or says how long to wait when one of
/// them has used up its budget.
pub async fn reserve(pool: &PgPool, keys: &[String]) -> Result<Result<Attempt, Wait>> {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    let mut tx = pool.begin().await?;
    // In a fixed order, so that two attempts sharing keys cannot deadlock.
    for key in &keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7468))")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    let recent: Vec<(String, i64, i64, f64)> = sqlx::query_as(
        "SELECT key, count(*) FILTER (WHERE at > now() - interval '1 minute'), count(*),
                EXTRACT(EPOCH FROM now() - max(at))::float8
         FROM sign_in_failures
         WHERE key = ANY($1) AND at > now() - interval '1 hour'
         GROUP BY key",
    )
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await?;
    // An address key with no failure this hour: a client that has not failed.
    let fresh_address = keys
        .iter()
        .filter(|k| k.starts_with(ADDRESS))
        .any(|k| !recent.iter().any(|(key, ..)| key == k));
    let wait = recent
        .iter()
        .map(|(key, last_minute, last_hour, since_latest)| {
            let seconds = if key.starts_with(ACCOUNT) {
                if fresh_address {
                    0.0
                } else {
                    account_wait(*last_hour, *since_latest)
                }
            } else if key.starts_with(SECOND_FACTOR) {
                account_wait(*last_hour, *since_latest)
            } else if *last_minute >= MAX_FAILURES {
                60.0
            } else {
                0.0
            };
            (seconds, key)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((seconds, key)) = wait.filter(|(s, _)| *s > 0.0) {
        return Ok(Err(Wait {
            seconds: seconds.ceil() as u64,
            key: key.clone(),
        }));
    }
    let rows: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (key) SELECT unnest($1::text[]) RETURNING id",
    )
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(Attempt { rows }))
}

/// Seconds an account still waits, after `failures` failures this hour, the latest
/// `since_latest` seconds ago.
fn account_wait(failures: i64, since_latest: f64) -> f64 {
    if failures < MAX_FAILURES {
        return 0.0;
    }
    let delay = 2f64
        .powi((failures - MAX_FAILURES).min(20) as i32)
        .min(LONGEST_WAIT_SECONDS);
    (delay - since_latest).max(0.0)
}

impl Attempt {
    /// The password was right: the attempt is not a failure, and `forgiven` (the
    /// account's key) has its earlier failures forgiven too.
    pub async fn succeeded(self, pool: &PgPool, forgiven: Option<&str>) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE id = ANY($1) OR key = $2")
            .bind(&self.rows)
            .bind(forgiven)
            .execute(pool)
            .await?;
        Ok(())
    }
}

/// Deletes failures too old to count for anything.
pub async fn prune(pool: &PgPool) -> Result<u64> {
    let deleted = sqlx::query("DELETE FROM sign_in_failures WHERE at < now() - interval '1 hour'")
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_waits_longer_after_each_failure_and_never_too_long() {
        assert_eq!(account_wait(4, 0.0), 0.0);
        assert_eq!(account_wait(5, 0.0), 1.0);
        assert_eq!(account_wait(6, 0.5), 1.5);
        assert_eq!(account_wait(9, 0.0), 16.0);
        assert_eq!(account_wait(40, 0.0), LONGEST_WAIT_SECONDS);
        assert_eq!(account_wait(40, 301.0), 0.0);
    }
}

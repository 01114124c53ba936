//! Slows down password guessing: at most `MAX_FAILURES` failed attempts a minute for one
//! account and for one client address. Kept in PostgreSQL, so it holds across restarts.
//!
//! An attempt is reserved before its password is checked, atomically for all its keys
//! (each key's advisory lock serialises the count and the insert), and counts as a
//! failure unless it is forgiven: however many guesses arrive at once, at most
//! `MAX_FAILURES` a minute are ever checked.

use crate::error::Result;
use sqlx::PgPool;

pub const MAX_FAILURES: i64 = 5;

pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}

pub fn address_key(addr: Option<std::net::IpAddr>) -> Option<String> {
    addr.map(|a| format!("address:{a}"))
}

/// One reserved attempt: a failure row per key, until [`Attempt::succeeded`].
#[must_use]
pub struct Attempt {
    rows: Vec<i64>,
}

/// Reserves an attempt for every one of `keys`, or `None` when one of them has used up
/// its attempts for the last minute.
pub async fn reserve(pool: &PgPool, keys: &[String]) -> Result<Option<Attempt>> {
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
    let most: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_failures
         WHERE key = ANY($1) AND at > now() - interval '1 minute'
         GROUP BY key ORDER BY count(*) DESC LIMIT 1",
    )
    .bind(&keys)
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(0);
    if most >= MAX_FAILURES {
        return Ok(None);
    }
    let rows: Vec<i64> = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (key) SELECT unnest($1::text[]) RETURNING id",
    )
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Attempt { rows }))
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

//! Slows down password guessing: at most `MAX_FAILURES` failed attempts a minute for one
//! account and for one client address. Kept in PostgreSQL, so it holds across restarts.

use crate::error::Result;
use sqlx::PgPool;

pub const MAX_FAILURES: i64 = 5;

pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}

pub fn address_key(addr: Option<std::net::IpAddr>) -> Option<String> {
    addr.map(|a| format!("address:{a}"))
}

/// Whether any of `keys` has used up its attempts for the last minute.
pub async fn is_limited(pool: &PgPool, keys: &[String]) -> Result<bool> {
    let failures: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_failures
         WHERE key = ANY($1) AND at > now() - interval '1 minute'
         GROUP BY key ORDER BY count(*) DESC LIMIT 1",
    )
    .bind(keys)
    .fetch_optional(pool)
    .await?
    .unwrap_or(0);
    Ok(failures >= MAX_FAILURES)
}

pub async fn record_failure(pool: &PgPool, keys: &[String]) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE at < now() - interval '1 hour'")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO sign_in_failures (key) SELECT unnest($1::text[])")
        .bind(keys)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A successful sign-in forgives the account's earlier failures.
pub async fn clear(pool: &PgPool, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

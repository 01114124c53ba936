//! What a token's usage shows those who may see the token: requests per day, its last
//! clients, and when each scope was last needed.

use super::{CLIENTS_KEPT, KEEP_DAYS};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use types::tokens::{ClientUse, ScopeUse};

/// A token's requests per day over the days kept, oldest first; days without requests
/// are left out. The caller has checked that the token may be seen.
pub async fn per_day(pool: &PgPool, public_id: &str) -> Result<Vec<(NaiveDate, i64)>> {
    let days = sqlx::query!(
        "SELECT d.day, d.requests FROM token_usage_daily d
         JOIN api_tokens t ON t.id = d.token_id
         WHERE t.public_id = $1 AND d.day > current_date - $2::int
         ORDER BY d.day",
        public_id,
        KEEP_DAYS,
    )
    .fetch_all(pool)
    .await?;
    Ok(days.into_iter().map(|d| (d.day, d.requests)).collect())
}

/// A token's last clients, most recent first. The caller has checked that the token may
/// be seen.
pub async fn clients(pool: &PgPool, public_id: &str) -> Result<Vec<ClientUse>> {
    Ok(sqlx::query_as!(
        ClientUse,
        "SELECT c.addr, c.user_agent, c.first_seen, c.last_seen, c.requests
         FROM token_clients c JOIN api_tokens t ON t.id = c.token_id
         WHERE t.public_id = $1 ORDER BY c.last_seen DESC LIMIT $2",
        public_id,
        CLIENTS_KEPT,
    )
    .fetch_all(pool)
    .await?)
}

/// When each of the token's scopes (`granted`), and each scope its requests needed, was
/// last needed: granted ones first, in the token's order.
pub async fn scopes(pool: &PgPool, public_id: &str, granted: &[String]) -> Result<Vec<ScopeUse>> {
    let used: Vec<(String, DateTime<Utc>)> = sqlx::query!(
        "SELECT s.scope, s.last_used FROM token_scope_use s
         JOIN api_tokens t ON t.id = s.token_id WHERE t.public_id = $1 ORDER BY s.scope",
        public_id,
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|s| (s.scope, s.last_used))
    .collect();
    let last = |scope: &str| used.iter().find(|(s, _)| s == scope).map(|(_, at)| *at);
    let mut out: Vec<ScopeUse> = granted
        .iter()
        .map(|scope| ScopeUse {
            scope: scope.clone(),
            granted: true,
            last_used: last(scope),
        })
        .collect();
    out.extend(
        used.iter()
            .filter(|(s, _)| !granted.contains(s))
            .map(|(scope, at)| ScopeUse {
                scope: scope.clone(),
                granted: false,
                last_used: Some(*at),
            }),
    );
    Ok(out)
}

//! Expiry warnings before anything breaks: `token.expiring` 30, 7 and 1 days before a
//! live token expires and `token.expired` when it has, each at most once per token, found
//! by the housekeeping round. A token made with less time left gets only the nearest
//! warning (one made to live five days is warned at 7, then at 1).

use super::{enqueue, token_data};
use crate::error::Result;
use app::{tokens::OwnerRef, webhooks::EventKind};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct Due {
    public_id: String,
    name: String,
    expires_at: DateTime<Utc>,
    notice: String,
    owner_id: i64,
    owner_name: String,
    owner_email: Option<String>,
    owner_kind: app::directory::UserKind,
}

/// Sends the warnings due at `now` (the clock is the caller's, so tests can move it);
/// returns how many events it wrote. One transaction: the notices and their events
/// commit together.
pub async fn warn(pool: &PgPool, now: DateTime<Utc>) -> Result<usize> {
    let mut tx = pool.begin().await?;
    let due: Vec<Due> = sqlx::query_as(
        "WITH live AS (
             SELECT t.id, t.expires_at,
                    CASE WHEN t.expires_at <= $1 THEN 'expired'
                         WHEN t.expires_at <= $1 + interval '1 day' THEN '1'
                         WHEN t.expires_at <= $1 + interval '7 days' THEN '7'
                         ELSE '30' END AS notice
             FROM api_tokens t
             WHERE t.revoked_at IS NULL AND t.replaced_by IS NULL
               AND t.expires_at > $1 - interval '7 days'
               AND t.expires_at <= $1 + interval '30 days'
         ), fresh AS (
             INSERT INTO token_expiry_notices (token_id, notice)
             SELECT l.id, l.notice FROM live l
             WHERE NOT EXISTS (
                 SELECT 1 FROM token_expiry_notices n
                 WHERE n.token_id = l.id
                   AND (n.notice = l.notice OR n.notice = 'expired'
                        OR (l.notice <> 'expired' AND n.notice <> 'expired'
                            AND n.notice::int <= l.notice::int)))
             ON CONFLICT DO NOTHING
             RETURNING token_id, notice
         )
         SELECT t.public_id, t.name, t.expires_at, f.notice,
                u.id AS owner_id, u.display_name AS owner_name, u.email AS owner_email,
                u.kind AS owner_kind
         FROM fresh f JOIN api_tokens t ON t.id = f.token_id JOIN users u ON u.id = t.owner_id
         ORDER BY t.expires_at",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for d in &due {
        let owner = OwnerRef {
            id: d.owner_id,
            display_name: d.owner_name.clone(),
            email: d.owner_email.clone(),
            kind: d.owner_kind,
        };
        let mut data = token_data(&d.public_id, &d.name, &owner, "Latchkey");
        data["expires_at"] = serde_json::json!(d.expires_at);
        let kind = if d.notice == "expired" {
            EventKind::TokenExpired
        } else {
            data["days_left"] = serde_json::json!(d.notice.parse::<i64>().unwrap_or_default());
            EventKind::TokenExpiring
        };
        enqueue(&mut tx, kind, data).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

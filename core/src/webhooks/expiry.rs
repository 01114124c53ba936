//! Expiry warnings before anything breaks: `token.expiring` 30, 7 and 1 days before a
//! live token expires and `token.expired` when it has, each at most once per token, found
//! by the housekeeping round. A token made with less time left gets only the nearest
//! warning (one made to live five days is warned at 7, then at 1). When SMTP is
//! configured, each warning is also e-mailed (see [`crate::mail`]).

use super::{enqueue, token_data};
use crate::{error::Result, mail, settings::Settings};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::{events::Event, tokens::OwnerRef};

#[derive(sqlx::FromRow)]
struct Due {
    public_id: String,
    name: String,
    expires_at: DateTime<Utc>,
    notice: String,
    owner_id: i64,
    owner_name: String,
    owner_email: Option<String>,
    owner_kind: types::directory::UserKind,
    /// Who created the token: the e-mail goes there when the owner has no address.
    creator_email: Option<String>,
}

impl Due {
    /// The warning as an e-mail: what, when, and where to replace it. No secret.
    fn mail(&self, console_url: &str, now: DateTime<Utc>) -> Option<mail::Mail> {
        let to = self
            .owner_email
            .clone()
            .or_else(|| self.creator_email.clone())?;
        let when = self.expires_at.format("%Y-%m-%d %H:%M UTC");
        let token = format!(
            "“{}” ({})",
            self.name,
            types::tokens::masked(&self.public_id)
        );
        let owner = match self.owner_kind {
            types::directory::UserKind::Service => {
                format!("the service account {}", self.owner_name)
            }
            _ => self.owner_name.clone(),
        };
        let link = format!("{console_url}/tokens/{}", self.public_id);
        let (subject, body) = if self.notice == "expired" {
            (
                format!("API token “{}” has expired", self.name),
                format!(
                    "The API token {token}, owned by {owner}, expired on {when}. Requests made \
                     with it are refused.\n\nIf something still needs it, generate a \
                     replacement:\n{link}\n\n-- Latchkey\n"
                ),
            )
        } else {
            let days = time_left(self.expires_at - now);
            (
                format!("API token “{}” expires {days}", self.name),
                format!(
                    "The API token {token}, owned by {owner}, expires on {when}, {days}. \
                     From then on, whatever uses it is refused.\n\nRoll it before then: its \
                     replacement can work beside it for a while, so you can swap it in \
                     without an outage.\n{link}\n\n-- Latchkey\n"
                ),
            )
        };
        Some(mail::Mail { to, subject, body })
    }
}

/// How long until the expiry, as a warning says it: "in 5 days", "in 3 hours".
fn time_left(left: chrono::Duration) -> String {
    match left.num_hours() {
        ..=0 => "within the hour".into(),
        1 => "in 1 hour".into(),
        hours @ 2..=23 => format!("in {hours} hours"),
        hours => match (hours + 12) / 24 {
            1 => "in 1 day".into(),
            days => format!("in {days} days"),
        },
    }
}

/// Sends the warnings due at `now` (the clock is the caller's, so tests can move it);
/// returns how many events it wrote. One transaction: the notices, their events and
/// their e-mails (when `settings` has SMTP) commit together.
pub async fn warn(pool: &PgPool, settings: &Settings, now: DateTime<Utc>) -> Result<usize> {
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
                u.kind AS owner_kind, c.email AS creator_email
         FROM fresh f JOIN api_tokens t ON t.id = f.token_id JOIN users u ON u.id = t.owner_id
         LEFT JOIN users c ON c.id = t.created_by
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
            Event::TokenExpired
        } else {
            data["days_left"] = serde_json::json!(d.notice.parse::<i64>().unwrap_or_default());
            Event::TokenExpiring
        };
        enqueue(&mut tx, kind, data).await?;
        if settings.mail.is_some() {
            if let Some(mail) = d.mail(&settings.public_url, now) {
                mail::enqueue(&mut tx, &mail).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

#[cfg(test)]
mod tests {
    use super::time_left;
    use chrono::Duration;

    #[test]
    fn time_left_is_said_in_hours_then_days() {
        assert_eq!(time_left(Duration::minutes(20)), "within the hour");
        assert_eq!(time_left(Duration::minutes(90)), "in 1 hour");
        assert_eq!(time_left(Duration::hours(23)), "in 23 hours");
        assert_eq!(time_left(Duration::hours(30)), "in 1 day");
        assert_eq!(
            time_left(Duration::days(5) - Duration::seconds(2)),
            "in 5 days"
        );
        assert_eq!(time_left(Duration::days(30)), "in 30 days");
    }
}

//! Canary tokens: tokens that never authorize anything and exist to be found. Any use is
//! answered like an invalid token ([`super::verify::Rejection::Canary`]), and here fires
//! `canary.triggered` (with the client's address, user agent and path), writes an audit
//! event and flags the canary, in one transaction, off the request's path.

use super::format;
use crate::{
    audit::{self, Actor, Target},
    error::Result,
    quiet::Quiet,
    webhooks,
};
use serde_json::json;
use sqlx::PgPool;
use std::{net::IpAddr, sync::LazyLock, time::Duration};
use types::events::Event;

/// One use of a canary, as the request showed it.
#[derive(Debug, Clone)]
pub struct Use {
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub path: String,
}

/// Uses fired lately: once a minute per canary and address, and at most
/// [`PER_MINUTE`] a minute per canary and per address, so that a flood (from many
/// addresses, or over many canaries) costs no write per request.
static RECENT: LazyLock<Quiet> = LazyLock::new(|| Quiet::new(Duration::from_secs(60), 10_000));

/// How many uses a minute one canary, or one address, fires at most.
pub const PER_MINUTE: u32 = 20;

/// Fires the canary `presented` names, in the background.
pub fn tripped(pool: &PgPool, presented: &str, seen: Use) {
    let Some(parsed) = format::parse(presented.trim()) else {
        return;
    };
    let public_id = parsed.public_id.to_owned();
    let addr = seen.client_addr.map(|a| a.to_canonical());
    let budgets = [
        (format!("{public_id} {addr:?}"), 1),
        (format!("canary {public_id}"), PER_MINUTE),
        (format!("address {addr:?}"), PER_MINUTE),
    ];
    if !RECENT.admit(&budgets) {
        return;
    }
    let pool = pool.clone();
    tokio::spawn(async move {
        if let Err(e) = fire(&pool, &public_id, &seen).await {
            tracing::warn!(error = %e, "could not record a canary's use");
        }
    });
}

async fn fire(pool: &PgPool, public_id: &str, seen: &Use) -> Result<()> {
    let mut tx = pool.begin().await?;
    let canary = sqlx::query!(
        "UPDATE api_tokens t SET canary_triggered_at = now()
         FROM users u
         WHERE t.public_id = $1 AND t.canary AND u.id = t.owner_id
         RETURNING t.name, u.id AS owner_id, u.display_name AS owner_name, u.email AS owner_email",
        public_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(canary) = canary else {
        return Ok(());
    };
    let (name, owner_id, owner_name, owner_email) = (
        canary.name,
        canary.owner_id,
        canary.owner_name,
        canary.owner_email,
    );
    let addr = seen.client_addr.map(|a| a.to_canonical().to_string());
    tracing::warn!(token = %public_id, client = ?addr, path = %seen.path, "a canary token was used");
    audit::record(
        &mut *tx,
        &Actor::anonymous(seen.client_addr),
        Event::CanaryTriggered,
        Target::Token(public_id),
        json!({ "name": name, "user_agent": seen.user_agent, "path": seen.path }),
    )
    .await?;
    let data = json!({
        "token": { "id": public_id, "name": name },
        "owner": { "id": owner_id, "display_name": owner_name, "email": owner_email },
        "client_addr": addr,
        "user_agent": seen.user_agent,
        "path": seen.path,
    });
    webhooks::enqueue(&mut tx, Event::CanaryTriggered, data).await?;
    tx.commit().await?;
    Ok(())
}

//! The audit log: who did what, when, from where. Never a secret.

use crate::error::Result;
use serde_json::Value;
use std::net::IpAddr;

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// How the actor reads in the log: an email, a service account's name, or "anonymous".
    pub label: String,
    pub client_addr: Option<IpAddr>,
}

impl Actor {
    pub fn anonymous(client_addr: Option<IpAddr>) -> Self {
        Self {
            user_id: None,
            label: "anonymous".into(),
            client_addr,
        }
    }

    pub fn user(user: &app::CurrentUser, client_addr: Option<IpAddr>) -> Self {
        Self {
            user_id: Some(user.id),
            label: user.email.clone(),
            client_addr,
        }
    }
}

pub async fn record<'e>(
    db: impl sqlx::PgExecutor<'e>,
    actor: &Actor,
    action: &str,
    target: Option<&str>,
    details: Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (actor_user_id, actor, action, target, client_addr, details)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(action)
    .bind(target)
    .bind(actor.client_addr.map(|a| a.to_string()))
    .bind(details)
    .execute(db)
    .await?;
    Ok(())
}

//! `server create-token`: a token for provisioning scripts, with the console's rules.

use crate::config::Settings;
use anyhow::{anyhow, bail, Context};
use chrono::{Duration, Utc};
use latchkey_core::{principal::Principal, tokens};
use sqlx::PgPool;
use types::tokens::NewToken;

pub async fn create_token(
    pool: PgPool,
    settings: Settings,
    owner: &str,
    name: String,
    scopes: Vec<String>,
    expires_in: Option<&str>,
    description: Option<String>,
) -> anyhow::Result<String> {
    let owner_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
        .bind(owner.trim())
        .fetch_optional(&pool)
        .await?
        .with_context(|| format!("no user has the email {owner}"))?;
    let expires_at = match expires_in.map(str::trim) {
        None | Some("never") => None,
        Some(text) => {
            let days: i64 = text
                .strip_suffix('d')
                .unwrap_or(text)
                .parse()
                .map_err(|_| anyhow!("--expires-in takes days, like 30 or 30d, or never"))?;
            if days < 1 {
                bail!("--expires-in must be at least one day");
            }
            Some(Utc::now() + Duration::days(days))
        }
    };
    let new = NewToken {
        name,
        description,
        owner_id: Some(owner_id),
        scopes,
        expires_at,
        allowed_ips: Vec::new(),
    };
    let created = tokens::create(
        &pool,
        &settings.core.token_policy(),
        &Principal::command_line(),
        new,
    )
    .await
    .map_err(|e| anyhow!("{}", e.into_answer()))?;
    Ok(created.token)
}

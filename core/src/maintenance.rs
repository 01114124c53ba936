//! Housekeeping that runs beside the server: sessions past their idle time, sign-ins
//! left waiting for a second factor, old throttle
//! rows, audit events older than the retention setting and requests per day older than 90
//! days are deleted, webhook signing secrets whose rotation overlap ended are forgotten,
//! and tokens near or past their expiry are announced to webhooks (and by e-mail, when SMTP
//! is configured).

use crate::{
    audit, error::Result, factors::challenge, sessions, settings::Settings, throttle,
    tokens::usage, webhooks,
};
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};

/// What one round deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: u64,
    pub sign_in_challenges: u64,
    pub throttle_rows: u64,
    pub audit_events: u64,
    pub usage_days: u64,
    pub previous_secrets: u64,
}

/// One round of housekeeping.
#[tracing::instrument(skip_all)]
pub async fn run_once(pool: &PgPool, settings: &Settings) -> Result<Pruned> {
    Ok(Pruned {
        sessions: sessions::prune(pool, settings).await?,
        sign_in_challenges: challenge::prune(pool).await?,
        throttle_rows: throttle::prune(pool).await?,
        audit_events: audit::prune(pool, settings.audit_retention_days).await?,
        usage_days: usage::prune(pool).await?,
        previous_secrets: webhooks::forget_previous_secrets(pool).await?,
    })
}

/// Runs [`run_once`] now and then every `every` until the process ends.
pub fn spawn(
    pool: PgPool,
    settings: Arc<Settings>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match run_once(&pool, &settings).await {
                Ok(pruned) if pruned != Pruned::default() => {
                    tracing::info!(?pruned, "housekeeping")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; trying again later"),
            }
            if let Err(e) =
                crate::webhooks::expiry::warn(&pool, &settings, chrono::Utc::now()).await
            {
                tracing::warn!(error = %e, "expiry warnings failed; trying again later");
            }
        }
    })
}

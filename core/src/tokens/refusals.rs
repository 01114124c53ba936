//! Requests refused because a token's allowlist does not admit their address: counted
//! and written down within budgets, so that a flood cannot fill the audit log.

use super::verify::Verified;
use crate::{
    audit::{self, Actor, Target},
    error::Result,
    webhooks, Core,
};
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;
use types::events::Event;

/// How many refusals one token, or one address, writes in ten minutes at most; a token
/// and address together write one.
pub const REFUSALS_WRITTEN: u32 = 20;

/// A request refused because the token's allowlist does not admit `client`: counted in
/// the token's usage, and written to the audit log with `token.refused_address` fired,
/// within [`Core::refusals`]' budgets (once per token and address, at most
/// [`REFUSALS_WRITTEN`] per token and per address, in ten minutes), off the request's path.
pub fn refused(state: &Core, verified: &Verified, client: Option<IpAddr>) {
    state.usage.refused(verified.token_row);
    let addr = client.map(|a| a.to_canonical());
    let budgets = [
        (format!("{} {addr:?}", verified.public_id), 1),
        (format!("token {}", verified.public_id), REFUSALS_WRITTEN),
        (format!("address {addr:?}"), REFUSALS_WRITTEN),
    ];
    if !state.refusals.admit(&budgets) {
        return;
    }
    let pool = state.pool.clone();
    let (public_id, name, owner) = (
        verified.public_id.clone(),
        verified.name.clone(),
        verified.owner.clone(),
    );
    tokio::spawn(async move {
        if let Err(e) = write_refusal(&pool, &public_id, &name, &owner, addr).await {
            tracing::warn!(error = %e, "could not record an allowlist refusal");
        }
    });
}

async fn write_refusal(
    pool: &PgPool,
    public_id: &str,
    name: &str,
    owner: &types::tokens::OwnerRef,
    addr: Option<IpAddr>,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let addr_text = addr.map(|a| a.to_string());
    audit::record(
        &mut *tx,
        &Actor::anonymous(addr),
        Event::TokenRefusedAddress,
        Target::Token(public_id),
        json!({ "name": name, "address": addr_text }),
    )
    .await?;
    let mut data = webhooks::token_data(public_id, name, owner, "allowlist");
    data["address"] = json!(addr_text);
    webhooks::enqueue(&mut tx, Event::TokenRefusedAddress, data).await?;
    tx.commit().await?;
    Ok(())
}

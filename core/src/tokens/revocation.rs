//! Revoking from the console and the API: the tokens are revoked in one transaction, and
//! the answer waits for every running instance to confirm it dropped them (a receipt).

use super::lineage::revoke_in;
use crate::{error::Result, principal::Principal, verifier::Verifier};
use sqlx::PgPool;
use std::time::Instant;
use types::{permissions::TOKENS_WRITE, tokens::Revoked, AppError};

/// Revokes a token and waits for every running instance to confirm that it dropped it
/// (see [`crate::verifier`]); the answer carries that receipt. Revoking twice is harmless.
pub async fn revoke_everywhere(
    pool: &PgPool,
    verifier: &Verifier,
    p: &Principal,
    public_id: &str,
) -> Result<Revoked> {
    let mut revoked = revoke_all_everywhere(pool, verifier, p, &[public_id.to_owned()]).await?;
    Ok(revoked.pop().expect("one token asked, one answered"))
}

/// The most tokens one bulk revocation takes: a page of the list.
pub const MAX_BULK_REVOKE: usize = 100;

/// Revokes several tokens in one transaction (all of them, or none when one is not the
/// caller's to revoke), then waits for every running instance to confirm each.
pub async fn revoke_all_everywhere(
    pool: &PgPool,
    verifier: &Verifier,
    p: &Principal,
    public_ids: &[String],
) -> Result<Vec<Revoked>> {
    p.require(TOKENS_WRITE, "revoke API tokens")?;
    let mut ids: Vec<&str> = Vec::with_capacity(public_ids.len());
    for id in public_ids {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    if ids.is_empty() || ids.len() > MAX_BULK_REVOKE {
        return Err(AppError::invalid(
            "ids",
            format!("Name 1 to {MAX_BULK_REVOKE} tokens to revoke."),
        )
        .into());
    }
    let receipts: Vec<_> = ids
        .iter()
        .map(|id| verifier.expect_revocation(id))
        .collect();
    let mut tx = pool.begin().await?;
    let mut outcomes = Vec::with_capacity(ids.len());
    for id in &ids {
        outcomes.push(revoke_in(&mut tx, p, id).await?);
    }
    tx.commit().await?;
    let committed = Instant::now();
    let waits = receipts
        .into_iter()
        .zip(outcomes)
        .map(|(receipt, (token, newly))| async move {
            Revoked {
                token,
                propagation: receipt.wait(committed, newly).await,
            }
        });
    Ok(futures::future::join_all(waits).await)
}

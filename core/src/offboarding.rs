//! A person leaving, as their directory says (SCIM): disabled, their sessions ended, and
//! every token they own or made revoked (with what those made), in one transaction; then a
//! receipt from every running instance, written to the audit log. Coming back brings no
//! token back.

use crate::{
    audit::{self, Target},
    error::Result,
    principal::Principal,
    tokens::lineage,
    users, webhooks, Core,
};
use serde_json::json;
use std::time::Instant;
use types::{
    directory::BuiltinRole, events::Event, permissions::USERS_WRITE, tokens::Propagation, AppError,
};

/// Whether the directory disabled the person or deleted them (then the directory no
/// longer sees them; the person stays, disabled, for the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    Disabled,
    Deleted,
}

/// Disables a person, ends their sessions and revokes every live token they own or made,
/// then waits for every running instance to confirm and writes that receipt to the audit
/// log. Doing it again revokes whatever is still live (a token made while they were
/// enabled by hand) and changes nothing else.
#[tracing::instrument(skip_all, fields(actor = %p.label, user = id))]
pub async fn offboard(core: &Core, p: &Principal, id: i64, leaving: Leaving) -> Result<()> {
    p.require(USERS_WRITE, "disable people")?;
    if p.is(id) {
        return Err(AppError::Forbidden("disable yourself".into()).into());
    }
    let mut tx = core.pool.begin().await?;
    let user = users::get(&mut *tx, p, id).await?;
    users::require_outranks(&mut tx, p, &user, "disable").await?;
    if user.active && user.role.name == BuiltinRole::Administrator.name() {
        users::keep_an_administrator(&mut tx, id).await?;
    }
    sqlx::query(
        "UPDATE users SET active = false, updated_at = now(),
             left_directory_at = CASE WHEN $2 THEN now() ELSE left_directory_at END
         WHERE id = $1",
    )
    .bind(id)
    .bind(leaving == Leaving::Deleted)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut revoked =
        lineage::revoke_owned_by(&mut tx, p, id, "its owner's directory disabled them").await?;
    revoked.extend(lineage::revoke_created_by(&mut tx, p, id).await?);
    let label = user
        .email
        .clone()
        .unwrap_or_else(|| user.display_name.clone());
    let target = Target::User { id, label: &label };
    if user.active {
        let data = json!({
            "user": { "id": id, "display_name": user.display_name, "email": user.email },
            "tokens": revoked,
            "revoked_created_tokens": [],
            "actor": p.label,
        });
        webhooks::enqueue(&mut tx, Event::UserDisabled, data).await?;
    }
    // Each instance acknowledges what it dropped once the change commits.
    let receipts: Vec<_> = revoked
        .iter()
        .map(|public_id| core.verifier.expect_revocation(public_id))
        .collect();
    tx.commit().await?;
    let committed = Instant::now();
    let receipt = if receipts.is_empty() {
        // No token to acknowledge: the disabled owner's sessions and any cached verdict
        // still change everywhere before the answer.
        core.verifier.settle().await;
        None
    } else {
        let waits = receipts.into_iter().map(|r| r.wait(committed, true));
        let all = futures::future::join_all(waits).await;
        Some(Propagation::combined(all.into_iter()))
    };
    audit::record(
        &core.pool,
        &p.into(),
        Event::UserDeprovisioned,
        target,
        json!({
            "leaving": match leaving { Leaving::Disabled => "disabled", Leaving::Deleted => "deleted" },
            "revoked_tokens": revoked,
            "servers_confirmed": receipt.map(|r| format!("{} of {}", r.confirmed, r.instances)),
            "slowest_ms": receipt.map(|r| (r.slowest_ms * 10.0).round() / 10.0),
        }),
    )
    .await?;
    Ok(())
}

//! Revoking inside a transaction: a token, with every live member of its family (the
//! tokens rolled from it and into it) and everything any of them made; a replaced token's
//! reuse; a disabled creator's tokens. Each revoked token gets its audit row and its
//! `token.revoked` event, in one shape.

use super::{fetch, get};
use crate::{
    audit::{self, Target},
    error::Result,
    principal::Principal,
    webhooks,
};
use serde_json::json;
use sqlx::PgPool;
use types::{
    directory::UserKind,
    events::Event,
    tokens::{OwnerRef, TokenSummary},
};

/// Revokes a token inside the caller's transaction, with the tokens it made and their
/// audit rows: `true` when this call revoked it (rather than finding it revoked).
#[tracing::instrument(skip_all, fields(actor = %p.label, token = %public_id))]
pub(crate) async fn revoke_in(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    public_id: &str,
) -> Result<(TokenSummary, bool)> {
    let token = get(&mut *tx, p, public_id).await?;
    if token.revoked_at.is_some() {
        return Ok((token, false));
    }
    let row_id = sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now(), revoked_by = $2
         WHERE public_id = $1 AND revoked_at IS NULL RETURNING id",
        public_id,
        p.label,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row_id) = row_id else {
        return Ok((token, false));
    };
    audit::record(
        &mut *tx,
        &p.into(),
        Event::TokenRevoked,
        Target::Token(public_id),
        json!({ "name": token.name, "owner": token.owner.email.as_ref().unwrap_or(&token.owner.display_name) }),
    )
    .await?;
    let data = revoked_data(public_id, &token.name, &token.owner, &p.label, None);
    webhooks::enqueue(&mut *tx, Event::TokenRevoked, data).await?;
    revoke_lineage(tx, p, &[row_id]).await?;
    let revoked = fetch(&mut *tx, row_id).await?;
    Ok((revoked, true))
}

/// A rolled token used after its overlap window: it leaked, or a system was missed. As
/// refresh-token reuse detection does in OAuth, the token's whole family is revoked, with
/// everything its members made, and `token.used_after_replacement` fires; in one
/// transaction, once (a use of a token already revoked changes nothing). Returns the
/// public ids revoked besides the token itself.
pub async fn revoke_reused(
    pool: &PgPool,
    public_id: &str,
    client: Option<std::net::IpAddr>,
) -> Result<Vec<String>> {
    let p = Principal::reuse_detection(client);
    let mut tx = pool.begin().await?;
    let (token, newly) = revoke_in(&mut tx, &p, public_id).await?;
    if !newly {
        // Another request (or instance) got there first: told once.
        return Ok(Vec::new());
    }
    let family = sqlx::query_scalar!(
        "SELECT t.public_id FROM api_tokens t JOIN api_tokens r ON r.family_id = t.family_id
         WHERE r.public_id = $1 AND t.public_id <> $1 AND t.revoked_by = $2
           AND t.revoked_at = now()",
        public_id,
        p.label,
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut data = webhooks::token_data(public_id, &token.name, &token.owner, &p.label);
    data["revoked"] = json!(family);
    webhooks::enqueue(&mut tx, Event::TokenUsedAfterReplacement, data).await?;
    tx.commit().await?;
    Ok(family)
}

/// Revokes the rest of the lineage of the tokens `roots`: every live member of their
/// families (the tokens rolled from them and those they were rolled from) and every token
/// any of those made, directly or through others, each with its audit row; returns their
/// public ids. Canaries are left alone: they never authorize anything, and a planted one
/// must keep tripping.
pub async fn revoke_lineage(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    roots: &[i64],
) -> Result<Vec<String>> {
    let revoked = sqlx::query_as!(
        RevokedRow,
        r#"WITH RECURSIVE lineage (id, family_id) AS (
             SELECT id, family_id FROM api_tokens WHERE id = ANY($1)
             UNION
             SELECT t.id, t.family_id FROM api_tokens t JOIN lineage l
                 ON t.parent_id = l.id OR t.family_id = l.family_id
         )
         UPDATE api_tokens t SET revoked_at = now(), revoked_by = $2
         FROM lineage l, users u
         WHERE t.id = l.id AND u.id = t.owner_id AND t.revoked_at IS NULL AND NOT t.canary
           AND (t.expires_at IS NULL OR t.expires_at > now())
         RETURNING t.id, t.public_id, t.name, u.id AS owner_id, u.display_name AS owner_name,
                   u.email AS owner_email, u.kind AS "owner_kind: UserKind""#,
        roots,
        p.label,
    )
    .fetch_all(&mut *tx)
    .await?;
    for token in &revoked {
        audit_revocation(
            tx,
            p,
            token,
            "a token of its lineage (the one it was rolled from or into, or the one that made it) was revoked",
        )
        .await?;
    }
    Ok(revoked.into_iter().map(|t| t.public_id).collect())
}

/// A token revoked along with another: who owns it, for the event.
struct RevokedRow {
    id: i64,
    public_id: String,
    name: String,
    owner_id: i64,
    owner_name: String,
    owner_email: Option<String>,
    owner_kind: UserKind,
}

impl RevokedRow {
    fn owner(&self) -> OwnerRef {
        OwnerRef {
            id: self.owner_id,
            display_name: self.owner_name.clone(),
            email: self.owner_email.clone(),
            kind: self.owner_kind,
        }
    }
}

/// The one shape of `token.revoked`, whatever revoked the token: the token, its owner,
/// who acted, and `because` of what when it went along with something else (`null` when
/// it was revoked itself).
fn revoked_data(
    public_id: &str,
    name: &str,
    owner: &OwnerRef,
    actor: &str,
    because: Option<&str>,
) -> serde_json::Value {
    let mut data = webhooks::token_data(public_id, name, owner, actor);
    data["because"] = json!(because);
    data
}

/// The audit row and event of a token revoked along with something else, saying
/// `because` of what.
async fn audit_revocation(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    token: &RevokedRow,
    because: &str,
) -> Result<()> {
    audit::record(
        &mut *tx,
        &p.into(),
        Event::TokenRevoked,
        Target::Token(&token.public_id),
        json!({ "name": token.name, "because": because }),
    )
    .await?;
    let data = revoked_data(
        &token.public_id,
        &token.name,
        &token.owner(),
        &p.label,
        Some(because),
    );
    webhooks::enqueue(tx, Event::TokenRevoked, data).await?;
    Ok(())
}

/// Revokes the live tokens `creator` made for other owners (and what those made), as
/// when the creator is disabled or deleted; returns their public ids.
pub async fn revoke_created_by(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    creator: i64,
) -> Result<Vec<String>> {
    let made = sqlx::query_as!(
        RevokedRow,
        r#"UPDATE api_tokens t SET revoked_at = now(), revoked_by = $2
         FROM users u
         WHERE u.id = t.owner_id AND t.created_by = $1 AND t.owner_id <> $1
           AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
         RETURNING t.id, t.public_id, t.name, u.id AS owner_id, u.display_name AS owner_name,
                   u.email AS owner_email, u.kind AS "owner_kind: UserKind""#,
        creator,
        p.label,
    )
    .fetch_all(&mut *tx)
    .await?;
    with_their_lineage(tx, p, made, "its creator was disabled or deleted").await
}

/// Revokes every live token `owner` owns (and what those made), as when their directory
/// deprovisions them; returns their public ids.
pub async fn revoke_owned_by(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    owner: i64,
    because: &str,
) -> Result<Vec<String>> {
    let owned = sqlx::query_as!(
        RevokedRow,
        r#"UPDATE api_tokens t SET revoked_at = now(), revoked_by = $2
         FROM users u
         WHERE u.id = t.owner_id AND t.owner_id = $1 AND NOT t.canary
           AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
         RETURNING t.id, t.public_id, t.name, u.id AS owner_id, u.display_name AS owner_name,
                   u.email AS owner_email, u.kind AS "owner_kind: UserKind""#,
        owner,
        p.label,
    )
    .fetch_all(&mut *tx)
    .await?;
    with_their_lineage(tx, p, owned, because).await
}

/// Tokens just revoked along with something else: their audit rows and events, saying
/// `because` of what, then what they made; the public ids of all of them.
async fn with_their_lineage(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    tokens: Vec<RevokedRow>,
    because: &str,
) -> Result<Vec<String>> {
    for token in &tokens {
        audit_revocation(tx, p, token, because).await?;
    }
    let rows: Vec<i64> = tokens.iter().map(|t| t.id).collect();
    let mut revoked: Vec<String> = tokens.into_iter().map(|t| t.public_id).collect();
    revoked.extend(revoke_lineage(tx, p, &rows).await?);
    Ok(revoked)
}

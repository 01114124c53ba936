//! Making a token: checking its owner, name, scopes and expiry under the server's policy,
//! and writing its row (creation and roll alike).

use super::{allowlist, fetch, format, DESCRIPTION_MAX, NAME_MAX};
use crate::{
    audit::{self, Target},
    error::Result,
    fields, modules,
    principal::Principal,
    webhooks,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use types::{
    directory::UserKind,
    events::Event,
    permissions::{grants, TOKENS_ADMIN, TOKENS_WRITE},
    tokens::{CreatedToken, NewCanary, NewToken, OwnerChoice, TokenPolicy},
    AppError,
};

/// Generates a token under the server's `policy`. The plaintext is in the answer and
/// nowhere else.
pub async fn create(
    pool: &PgPool,
    policy: &TokenPolicy,
    p: &Principal,
    new: NewToken,
) -> Result<CreatedToken> {
    create_with(pool, policy, p, new, false).await
}

/// Generates a canary token: no scopes, never authorizes anything (see [`canary`]).
pub async fn create_canary(
    pool: &PgPool,
    policy: &TokenPolicy,
    p: &Principal,
    new: NewCanary,
) -> Result<CreatedToken> {
    // It lives as long as the policy allows: a canary is planted to be found years on.
    let expires_at = policy
        .max_lifetime_days
        .map(|days| Utc::now() + Duration::days(days.into()) - Duration::minutes(1));
    let new = NewToken {
        name: new.name,
        description: new.description,
        owner_id: new.owner_id,
        scopes: Vec::new(),
        expires_at,
        allowed_ips: Vec::new(),
    };
    create_with(pool, policy, p, new, true).await
}

#[tracing::instrument(skip_all, fields(actor = %p.label, owner = ?new.owner_id, canary))]
async fn create_with(
    pool: &PgPool,
    policy: &TokenPolicy,
    p: &Principal,
    new: NewToken,
    canary: bool,
) -> Result<CreatedToken> {
    p.require(TOKENS_WRITE, "create API tokens")?;
    let name = fields::name("name", &new.name, NAME_MAX)?;
    let description = fields::text("description", new.description.as_deref(), DESCRIPTION_MAX)?;
    let allowed_ips = allowlist::parse("allowed_ips", &new.allowed_ips)?;
    let owner_id = match (new.owner_id, p.user_id) {
        (Some(owner), _) => owner,
        (None, Some(me)) => me,
        (None, None) => return Err(AppError::invalid("owner_id", "Name the token's owner.").into()),
    };
    if !p.is(owner_id) {
        p.require(TOKENS_ADMIN, "create tokens for other users")?;
    }
    let expires_at = check_expiry(policy.max_lifetime_days, new.expires_at)?;
    // A token made by a token never outlives it.
    let parent = p.token.as_ref();
    let expires_at = within(expires_at, parent.and_then(|t| t.expires_at));

    let mut tx = pool.begin().await?;
    let owner = owner_for_update(&mut tx, owner_id)
        .await?
        .ok_or_else(|| AppError::NotFound("The owner".into()))?;
    if !owner.active {
        return Err(AppError::invalid("owner_id", "That user is disabled.").into());
    }
    let scopes = modules::check_vocabulary(&mut *tx, "scopes", &new.scopes).await?;
    if scopes.is_empty() && !canary {
        return Err(AppError::invalid("scopes", "Choose at least one scope.").into());
    }
    if let Some(s) = scopes.iter().find(|s| !grants(&owner.permissions, s)) {
        return Err(AppError::invalid(
            "scopes",
            format!(
                "{} does not hold {s}: a token cannot reach further than its owner.",
                owner.display_name
            ),
        )
        .into());
    }
    // A token (or a person) never mints a token with more than its own access.
    p.require_all(&scopes)?;
    // The owner's row is locked, so no other creation for this owner can slip in between.
    if name_taken(&mut *tx, owner_id, &name).await? {
        return Err(name_conflict(&owner.display_name, &name).into());
    }

    let generated = format::generate();
    let row_id = insert(
        &mut tx,
        &generated,
        &NewRow {
            name: &name,
            description: &description,
            owner_id,
            created_by: p.user_id,
            scopes: &scopes,
            expires_at,
            parent_id: parent.map(|t| t.row_id),
            allowed_ips: &allowed_ips,
            canary,
            family: None,
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::TokenCreated,
        Target::Token(&generated.public_id),
        json!({
            "name": name,
            "owner": owner.label(),
            "scopes": scopes,
            "expires_at": expires_at,
            "allowed_ips": allowed_ips,
            "canary": canary,
        }),
    )
    .await?;
    let summary = fetch(&mut tx, row_id).await?;
    webhooks::enqueue(
        &mut tx,
        Event::TokenCreated,
        webhooks::token_data(&summary.id, &summary.name, &summary.owner, &p.label),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken {
        token: generated.plaintext,
        summary,
    })
}

/// An expiry no later than `limit` (a parent token's): `None` stands for never.
pub(super) fn within(
    at: Option<DateTime<Utc>>,
    limit: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    match (at, limit) {
        (Some(at), Some(limit)) => Some(at.min(limit)),
        (at, limit) => at.or(limit),
    }
}

/// What a new token's row holds besides its generated id and digest.
pub(super) struct NewRow<'a> {
    pub(super) name: &'a str,
    pub(super) description: &'a str,
    pub(super) owner_id: i64,
    pub(super) created_by: Option<i64>,
    pub(super) scopes: &'a [String],
    pub(super) expires_at: Option<DateTime<Utc>>,
    pub(super) parent_id: Option<i64>,
    pub(super) allowed_ips: &'a [String],
    pub(super) canary: bool,
    /// For a roll: the family the new token joins and the token it replaces (row ids).
    pub(super) family: Option<Family>,
}

/// Where a rolled token's successor stands in its lineage.
pub(super) struct Family {
    pub(super) id: i64,
    pub(super) replaces: i64,
}

/// Writes a new token's row (creation and roll alike); returns its row id.
pub(super) async fn insert(
    tx: &mut sqlx::PgConnection,
    generated: &format::Generated,
    row: &NewRow<'_>,
) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        "INSERT INTO api_tokens
             (public_id, secret_digest, name, description, owner_id, created_by, scopes,
              expires_at, parent_id, allowed_ips, canary, family_id, replaces)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        generated.public_id,
        generated.secret_digest,
        row.name,
        row.description,
        row.owner_id,
        row.created_by,
        row.scopes,
        row.expires_at,
        row.parent_id,
        row.allowed_ips,
        row.canary,
        row.family.as_ref().map(|f| f.id),
        row.family.as_ref().map(|f| f.replaces),
    )
    .fetch_one(&mut *tx)
    .await?)
}

pub(super) fn check_expiry(
    max_days: Option<u32>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let now = Utc::now();
    match (expires_at, max_days) {
        (Some(at), _) if at <= now => Err(AppError::invalid(
            "expires_at",
            "The expiry must lie in the future.",
        )),
        (Some(at), Some(days)) if at > now + Duration::days(days.into()) => Err(AppError::invalid(
            "expires_at",
            format!("Tokens may live at most {days} days on this server."),
        )),
        (None, Some(days)) => Err(AppError::invalid(
            "expires_at",
            format!("Tokens must expire on this server: choose a date at most {days} days away."),
        )),
        (at, _) => Ok(at),
    }
}

/// A token's would-be owner, locked against concurrent changes while a token is made.
pub(super) struct Owner {
    pub(super) display_name: String,
    pub(super) email: Option<String>,
    pub(super) active: bool,
    pub(super) permissions: Vec<String>,
}

impl Owner {
    pub(super) fn label(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.display_name)
    }
}

pub(super) async fn owner_for_update(
    tx: &mut sqlx::PgConnection,
    user_id: i64,
) -> Result<Option<Owner>> {
    Ok(sqlx::query_as!(
        Owner,
        "SELECT u.display_name, u.email, u.active, r.permissions
         FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = $1 FOR NO KEY UPDATE OF u",
        user_id,
    )
    .fetch_optional(tx)
    .await?)
}

/// Who the principal may create tokens for: themselves, or with `tokens:admin` every
/// active user and service account; each with what their role allows.
pub async fn owner_choices(pool: &PgPool, p: &Principal) -> Result<Vec<OwnerChoice>> {
    p.require(TOKENS_WRITE, "create API tokens")?;
    let everyone = p.can(TOKENS_ADMIN);
    Ok(sqlx::query_as!(
        OwnerChoice,
        r#"SELECT u.id, u.display_name, u.email, u.kind AS "kind: UserKind", r.permissions
           FROM users u JOIN roles r ON r.id = u.role_id
           WHERE u.active AND ($1 OR u.id = $2)
           ORDER BY u.id = $2 DESC, u.kind, u.display_name"#,
        everyone,
        p.user_id,
    )
    .fetch_all(pool)
    .await?)
}

/// Whether one of the owner's live tokens (neither revoked, expired nor rolled) is called
/// `name`, ignoring case. An expired or rolled token's name may be given to its
/// replacement.
pub(super) async fn name_taken<'e>(
    db: impl sqlx::PgExecutor<'e>,
    owner_id: i64,
    name: &str,
) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM api_tokens
                          WHERE owner_id = $1 AND lower(name) = lower($2) AND revoked_at IS NULL
                            AND replaced_by IS NULL
                            AND (expires_at IS NULL OR expires_at > now())) AS "taken!""#,
        owner_id,
        name,
    )
    .fetch_one(db)
    .await?)
}

pub(super) fn name_conflict(owner: &str, name: &str) -> AppError {
    AppError::conflict(
        "name",
        format!("{owner} already has a live token named {name:?}. Choose another name, or revoke that token first."),
    )
}

/// Whether `name` is a good, unused name for a new token of the owner (the wizard asks
/// before moving on; creating checks again).
pub async fn check_name(
    pool: &PgPool,
    p: &Principal,
    owner_id: Option<i64>,
    name: &str,
) -> Result<()> {
    p.require(TOKENS_WRITE, "create API tokens")?;
    let name = fields::name("name", name, NAME_MAX)?;
    let owner_id = owner_id.or(p.user_id).unwrap_or_default();
    if !p.is(owner_id) {
        p.require(TOKENS_ADMIN, "create tokens for other users")?;
    }
    if name_taken(pool, owner_id, &name).await? {
        let owner = sqlx::query_scalar!("SELECT display_name FROM users WHERE id = $1", owner_id)
            .fetch_optional(pool)
            .await?;
        let owner = owner.unwrap_or_else(|| "This owner".into());
        return Err(name_conflict(&owner, &name).into());
    }
    Ok(())
}

//! Users and their roles: the rules for names and emails, and the queries behind them.

use crate::{
    audit::{self, Target},
    error::{Result, ResultExt},
    fields, paging,
    passwords::Passwords,
    principal::Principal,
    roles, tokens, Core,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use types::{
    directory::{
        BuiltinRole, DeleteOptions, NewUser, RoleRef, UserFilter, UserKind, UserPatch, UserSummary,
    },
    events::Event,
    permissions::{USERS_CREDENTIALS, USERS_READ, USERS_WRITE},
    AppError, Page,
};

#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub email: String,
    /// `None` for a person a directory provisioned, who signs in through it.
    pub password_hash: Option<String>,
}

/// An active person's password hash, found by email.
pub async fn credentials_by_email(pool: &PgPool, email: &str) -> Result<Option<Credentials>> {
    Ok(sqlx::query_as(
        "SELECT id, email, password_hash FROM users
         WHERE lower(email) = $1 AND kind = $2 AND active",
    )
    .bind(email)
    .bind(UserKind::Human)
    .fetch_optional(pool)
    .await?)
}

pub async fn password_hash(pool: &PgPool, user_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

// ---- Managing users and service accounts -------------------------------------------

const SELECT: &str = "
    SELECT u.id, u.email, u.display_name, u.kind, u.active, u.created_at,
           r.id AS role_id, r.name AS role_name,
           (SELECT count(*) FROM api_tokens t
            WHERE t.created_by = u.id AND t.owner_id <> u.id AND t.revoked_at IS NULL
              AND (t.expires_at IS NULL OR t.expires_at > now())) AS created_tokens
    FROM users u JOIN roles r ON r.id = u.role_id";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    email: Option<String>,
    display_name: String,
    kind: UserKind,
    active: bool,
    created_at: DateTime<Utc>,
    role_id: i64,
    role_name: String,
    created_tokens: i64,
}

impl From<Row> for UserSummary {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            kind: r.kind,
            active: r.active,
            role: RoleRef {
                id: r.role_id,
                name: r.role_name,
            },
            created_at: r.created_at,
            created_tokens: r.created_tokens,
        }
    }
}

fn not_found() -> AppError {
    AppError::NotFound("That user".into())
}

pub async fn list(pool: &PgPool, p: &Principal, filter: UserFilter) -> Result<Page<UserSummary>> {
    p.require(USERS_READ, "see users")?;
    let kind = filter.kind;
    let (limit, before) = paging::bounds(filter.limit, filter.cursor.as_deref())?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE ($1::text IS NULL OR u.kind = $1) AND ($2::bigint IS NULL OR u.id < $2)
         ORDER BY u.id DESC LIMIT $3"
    ))
    .bind(kind)
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    Ok(paging::paginate(rows, limit, |r| r.id))
}

pub async fn get<'e>(db: impl sqlx::PgExecutor<'e>, p: &Principal, id: i64) -> Result<UserSummary> {
    p.require(USERS_READ, "see users")?;
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.ok_or_else(not_found)?.into())
}

#[tracing::instrument(skip_all, fields(actor = %p.label))]
pub async fn create(
    pool: &PgPool,
    passwords: &Passwords,
    p: &Principal,
    new: NewUser,
) -> Result<UserSummary> {
    p.require(USERS_WRITE, "create users")?;
    let kind = new.kind.unwrap_or_default();
    let display_name = fields::name("display_name", &new.display_name, 100)?;
    let (email, hash) = match kind {
        UserKind::Human => {
            // A token that may write users makes no sign-in credentials without saying so.
            if p.token.is_some() {
                p.require(
                    USERS_CREDENTIALS,
                    "create people who sign in with a password",
                )?;
            }
            let email = fields::email("email", new.email.as_deref().unwrap_or_default())?;
            let password = new.password.ok_or_else(|| {
                AppError::invalid(
                    "password",
                    "People need a password of at least 12 characters.",
                )
            })?;
            crate::passwords::check_new("password", &password, &[&email, &display_name])?;
            (Some(email), Some(passwords.hash(password).await?))
        }
        UserKind::Service => {
            if new.password.is_some() {
                return Err(AppError::invalid(
                    "password",
                    "Service accounts have no password: they cannot sign in.",
                )
                .into());
            }
            let email = match new
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                Some(e) => Some(fields::email("email", e)?),
                None => None,
            };
            (email, None)
        }
    };
    let mut tx = pool.begin().await?;
    let role = roles::assignable(&mut tx, p, new.role_id).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, kind, password_hash, role_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&email)
    .bind(&display_name)
    .bind(kind)
    .bind(&hash)
    .bind(role.id)
    .fetch_one(&mut *tx)
    .await
    .on_constraint("users_email_key", || {
        AppError::conflict("email", "Another user has that email.")
    })?;
    let target = email.clone().unwrap_or_else(|| display_name.clone());
    audit::record(
        &mut *tx,
        &p.into(),
        Event::UserCreated,
        Target::User { id, label: &target },
        json!({ "id": id, "kind": kind, "display_name": display_name, "role": role.name }),
    )
    .await?;
    let user = get(&mut *tx, p, id).await?;
    tx.commit().await?;
    Ok(user)
}

#[tracing::instrument(skip_all, fields(actor = %p.label, user = id))]
pub async fn update(core: &Core, p: &Principal, id: i64, patch: UserPatch) -> Result<UserSummary> {
    let mut tx = core.pool.begin().await?;
    let after = update_in(&mut tx, p, id, patch).await?;
    tx.commit().await?;
    // The next request, here or anywhere, is answered as the change says.
    core.verifier.settle().await;
    Ok(after)
}

/// Changes a user inside the caller's transaction (several people changed at once, as a
/// directory's group does); the caller commits, then settles the verifier.
pub async fn update_in(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    id: i64,
    patch: UserPatch,
) -> Result<UserSummary> {
    p.require(USERS_WRITE, "change users")?;
    let before = get(&mut *tx, p, id).await?;
    require_outranks(tx, p, &before, "change").await?;
    let display_name = match &patch.display_name {
        Some(n) => fields::name("display_name", n, 100)?,
        None => before.display_name.clone(),
    };
    let role = match patch.role_id {
        Some(role_id) if role_id != before.role.id => {
            if p.is(id) {
                return Err(AppError::Forbidden("change your own role".into()).into());
            }
            Some(roles::assignable(tx, p, role_id).await?)
        }
        _ => None,
    };
    let active = patch.active.unwrap_or(before.active);
    if !active && p.is(id) {
        return Err(AppError::Forbidden("disable yourself".into()).into());
    }
    let loses_admin =
        before.role.name == BuiltinRole::Administrator.name() && (role.is_some() || !active);
    if loses_admin {
        keep_an_administrator(tx, id).await?;
    }
    sqlx::query(
        "UPDATE users SET display_name = $2, role_id = $3, active = $4, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&display_name)
    .bind(role.as_ref().map_or(before.role.id, |r| r.id))
    .bind(active)
    .execute(&mut *tx)
    .await?;
    let revoked = if !active && patch.revoke_created_tokens == Some(true) {
        tokens::lineage::revoke_created_by(tx, p, id).await?
    } else {
        Vec::new()
    };
    if !active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let target = before
        .email
        .clone()
        .unwrap_or_else(|| before.display_name.clone());
    let action = match (before.active, active) {
        (true, false) => Event::UserDisabled,
        (false, true) => Event::UserEnabled,
        _ => Event::UserChanged,
    };
    let after = get(&mut *tx, p, id).await?;
    audit::record(
        &mut *tx,
        &p.into(),
        action,
        Target::User {
            id,
            label: &target,
        },
        json!({
            "id": id,
            "before": { "display_name": before.display_name, "role": before.role.name, "active": before.active },
            "after": { "display_name": after.display_name, "role": after.role.name, "active": after.active },
            "revoked_created_tokens": revoked,
        }),
    )
    .await?;
    if action == Event::UserDisabled {
        // Their tokens stop with them: the systems using those tokens hear it now.
        let tokens: Vec<(String, String)> = sqlx::query_as(
            "SELECT public_id, name FROM api_tokens
             WHERE owner_id = $1 AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > now()) ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let tokens: Vec<_> = tokens
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name }))
            .collect();
        let data = json!({
            "user": { "id": id, "display_name": after.display_name, "email": after.email },
            "tokens": tokens,
            "revoked_created_tokens": revoked,
            "actor": p.label,
        });
        crate::webhooks::enqueue(&mut *tx, types::events::Event::UserDisabled, data).await?;
    }
    Ok(after)
}

/// Deletes a user; their tokens are revoked with them (and their sessions end).
#[tracing::instrument(skip_all, fields(actor = %p.label, user = id))]
pub async fn delete(core: &Core, p: &Principal, id: i64, options: DeleteOptions) -> Result<()> {
    p.require(USERS_WRITE, "delete users")?;
    let pool = &core.pool;
    if p.is(id) {
        return Err(AppError::Forbidden("delete yourself".into()).into());
    }
    let mut tx = pool.begin().await?;
    let user = get(&mut *tx, p, id).await?;
    require_outranks(&mut tx, p, &user, "delete").await?;
    if user.role.name == BuiltinRole::Administrator.name() {
        keep_an_administrator(&mut tx, id).await?;
    }
    let owned: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, public_id FROM api_tokens WHERE owner_id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    // Their tokens go with them, and so does what those tokens made for others.
    let rows: Vec<i64> = owned.iter().map(|(row, _)| *row).collect();
    let mut made = tokens::lineage::revoke_lineage(&mut tx, p, &rows).await?;
    if options.revoke_created_tokens == Some(true) {
        made.extend(tokens::lineage::revoke_created_by(&mut tx, p, id).await?);
    }
    let revoked: Vec<String> = owned.into_iter().map(|(_, public_id)| public_id).collect();
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let target = user
        .email
        .clone()
        .unwrap_or_else(|| user.display_name.clone());
    audit::record(
        &mut *tx,
        &p.into(),
        Event::UserDeleted,
        Target::User { id, label: &target },
        json!({ "id": id, "kind": user.kind, "role": user.role.name, "revoked_tokens": revoked,
                "revoked_created_tokens": made }),
    )
    .await?;
    tx.commit().await?;
    // The next request, here or anywhere, is answered as the change says.
    core.verifier.settle().await;
    Ok(())
}

/// Only someone who holds every permission of a user's role may change, disable or delete
/// that user: a token that may write users cannot use it to remove an administrator.
pub(crate) async fn require_outranks(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    user: &UserSummary,
    verb: &str,
) -> Result<()> {
    if let Some((role, Some(missing))) = roles::first_not_held(tx, p, user.role.id).await? {
        return Err(AppError::Forbidden(format!(
            "{verb} {}: their role {} includes {missing}, which you do not hold",
            user.display_name, role.name
        ))
        .into());
    }
    Ok(())
}

/// Refuses to take away the last active administrator.
pub(crate) async fn keep_an_administrator(tx: &mut sqlx::PgConnection, leaving: i64) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(7467)")
        .execute(&mut *tx)
        .await?;
    let others: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users u JOIN roles r ON r.id = u.role_id
         WHERE r.name = $2 AND r.builtin AND u.active AND u.kind = $3 AND u.id <> $1",
    )
    .bind(leaving)
    .bind(BuiltinRole::Administrator.name())
    .bind(UserKind::Human)
    .fetch_one(&mut *tx)
    .await?;
    if others == 0 {
        return Err(AppError::conflict(
            "role_id",
            "This is the last active administrator: make another one first.",
        )
        .into());
    }
    Ok(())
}

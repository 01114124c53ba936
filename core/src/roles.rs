//! Roles and their permissions. Nobody grants more than they hold: a role's permissions,
//! and the role given to a user, must be within the caller's own.

use crate::{
    audit::{self, Target},
    error::{Result, ResultExt},
    fields, modules,
    principal::Principal,
    Core,
};
use serde_json::json;
use sqlx::PgPool;
use types::{
    directory::{BuiltinRole, NewRole, Role, RolePatch, RoleRef},
    events::Event,
    permissions::{ROLES_READ, ROLES_WRITE},
    AppError,
};

const SELECT: &str = "
    SELECT r.id, r.name, r.description, r.permissions, r.builtin, r.sso_groups,
           (SELECT count(*) FROM users u WHERE u.role_id = r.id) AS user_count
    FROM roles r";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    description: String,
    permissions: Vec<String>,
    builtin: bool,
    sso_groups: Vec<String>,
    user_count: i64,
}

impl From<Row> for Role {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            name: r.name,
            description: r.description,
            permissions: r.permissions,
            builtin: r.builtin,
            user_count: r.user_count,
            sso_groups: r.sso_groups,
        }
    }
}

fn not_found() -> AppError {
    AppError::NotFound("That role".into())
}

pub async fn list(pool: &PgPool, p: &Principal) -> Result<Vec<Role>> {
    p.require(ROLES_READ, "see roles")?;
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY r.builtin DESC, r.name"))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(Role::from).collect())
}

pub async fn get<'e>(db: impl sqlx::PgExecutor<'e>, p: &Principal, id: i64) -> Result<Role> {
    p.require(ROLES_READ, "see roles")?;
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.ok_or_else(not_found)?.into())
}

/// The id of a built-in role (the role a person a directory provisions starts with).
pub async fn builtin_id(tx: &mut sqlx::PgConnection, role: BuiltinRole) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT id FROM roles WHERE builtin AND name = $1")
            .bind(role.name())
            .fetch_one(&mut *tx)
            .await?,
    )
}

/// A role the principal may give to a user: one whose every permission they hold
/// (otherwise 403).
pub async fn assignable(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    role_id: i64,
) -> Result<RoleRef> {
    let (role, missing) = first_not_held(tx, p, role_id)
        .await?
        .ok_or_else(|| AppError::NotFound("The role".into()))?;
    if let Some(missing) = missing {
        return Err(AppError::Forbidden(format!(
            "give the role {}: it includes {missing}, which you do not hold",
            role.name
        ))
        .into());
    }
    Ok(role)
}

/// The role, and the first of its permissions the principal does not hold (none when
/// they hold it all); `None` when there is no such role.
pub async fn first_not_held(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    role_id: i64,
) -> Result<Option<(RoleRef, Option<String>)>> {
    let row: Option<(i64, String, Vec<String>)> =
        sqlx::query_as("SELECT id, name, permissions FROM roles WHERE id = $1")
            .bind(role_id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.map(|(id, name, permissions)| {
        let missing = permissions.into_iter().find(|perm| !p.can(perm));
        (RoleRef { id, name }, missing)
    }))
}

/// Only someone who holds every permission of a role may change or delete it: otherwise
/// a role could be narrowed to what one holds, and its users then changed at will.
fn require_whole_role(p: &Principal, role: &Role, verb: &str) -> Result<()> {
    if let Some(missing) = role.permissions.iter().find(|perm| !p.can(perm)) {
        return Err(AppError::Forbidden(format!(
            "{verb} {}: the role {} includes {missing}, which you do not hold",
            role.name, role.name
        ))
        .into());
    }
    Ok(())
}

/// Locks a role's row for the rest of the transaction, so that the permissions checked
/// are the ones changed.
async fn lock(tx: &mut sqlx::PgConnection, id: i64) -> Result<()> {
    sqlx::query("SELECT 1 FROM roles WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

async fn check_permissions(
    tx: &mut sqlx::PgConnection,
    p: &Principal,
    list: &[String],
) -> Result<Vec<String>> {
    let permissions = modules::check_vocabulary(&mut *tx, "permissions", list).await?;
    p.require_all(&permissions)?;
    Ok(permissions)
}

#[tracing::instrument(skip_all, fields(actor = %p.label))]
pub async fn create(pool: &PgPool, p: &Principal, new: NewRole) -> Result<Role> {
    p.require(ROLES_WRITE, "create roles")?;
    let name = fields::name("name", &new.name, 60)?;
    let description = fields::text("description", new.description.as_deref(), 300)?;
    let mut tx = pool.begin().await?;
    let permissions = check_permissions(&mut tx, p, &new.permissions).await?;
    let sso_groups = fields::groups("sso_groups", &new.sso_groups)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO roles (name, description, permissions, sso_groups) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&name)
    .bind(&description)
    .bind(&permissions)
    .bind(&sso_groups)
    .fetch_one(&mut *tx)
    .await
    .on_constraint("roles_name_key", || {
        AppError::conflict("name", format!("A role named {name} exists already."))
    })?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::RoleCreated,
        Target::Role { id, name: &name },
        json!({ "id": id, "permissions": permissions, "sso_groups": sso_groups }),
    )
    .await?;
    let role = get(&mut *tx, p, id).await?;
    tx.commit().await?;
    Ok(role)
}

/// Changes a role; the tokens of its users reach further or less far at once.
#[tracing::instrument(skip_all, fields(actor = %p.label, role = id))]
pub async fn update(core: &Core, p: &Principal, id: i64, patch: RolePatch) -> Result<Role> {
    p.require(ROLES_WRITE, "change roles")?;
    let mut tx = core.pool.begin().await?;
    lock(&mut tx, id).await?;
    let before = get(&mut *tx, p, id).await?;
    // A built-in role's groups may change (who gets it by single sign-on); nothing else.
    let only_groups =
        patch.name.is_none() && patch.description.is_none() && patch.permissions.is_none();
    if before.builtin && !only_groups {
        return Err(AppError::Forbidden("change a built-in role".into()).into());
    }
    require_whole_role(p, &before, "change")?;
    let sso_groups = match &patch.sso_groups {
        Some(groups) => fields::groups("sso_groups", groups)?,
        None => before.sso_groups.clone(),
    };
    let name = match &patch.name {
        Some(n) => fields::name("name", n, 60)?,
        None => before.name.clone(),
    };
    let description = match &patch.description {
        Some(d) => fields::text("description", Some(d), 300)?,
        None => before.description.clone(),
    };
    let permissions = match &patch.permissions {
        Some(list) => check_permissions(&mut tx, p, list).await?,
        None => before.permissions.clone(),
    };
    sqlx::query("UPDATE roles SET name = $2, description = $3, permissions = $4, sso_groups = $5, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(&name)
        .bind(&description)
        .bind(&permissions)
        .bind(&sso_groups)
        .execute(&mut *tx)
        .await
        .on_constraint("roles_name_key", || AppError::conflict("name", format!("A role named {name} exists already.")))?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::RoleChanged,
        Target::Role { id, name: &name },
        json!({
            "id": id,
            "before": { "name": before.name, "permissions": before.permissions, "sso_groups": before.sso_groups },
            "after": { "name": name, "permissions": permissions, "sso_groups": sso_groups },
        }),
    )
    .await?;
    let role = get(&mut *tx, p, id).await?;
    // Every token of the role's users now reaches what the new permissions allow.
    let data = json!({
        "role": { "id": id, "name": name },
        "before": { "permissions": before.permissions },
        "after": { "permissions": permissions },
        "users": role.user_count,
        "actor": p.label,
    });
    crate::webhooks::enqueue(&mut tx, types::events::Event::RoleChanged, data).await?;
    tx.commit().await?;
    // The next request, here or anywhere, is answered as the change says.
    core.verifier.settle().await;
    Ok(role)
}

#[tracing::instrument(skip_all, fields(actor = %p.label, role = id))]
pub async fn delete(core: &Core, p: &Principal, id: i64) -> Result<()> {
    p.require(ROLES_WRITE, "delete roles")?;
    let mut tx = core.pool.begin().await?;
    lock(&mut tx, id).await?;
    let role = get(&mut *tx, p, id).await?;
    if role.builtin {
        return Err(AppError::Forbidden("delete a built-in role".into()).into());
    }
    require_whole_role(p, &role, "delete")?;
    if role.user_count > 0 {
        return Err(AppError::conflict(
            "role",
            format!(
                "{} users have the role {}: give them another role first.",
                role.user_count, role.name
            ),
        )
        .into());
    }
    sqlx::query("DELETE FROM roles WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::RoleDeleted,
        Target::Role {
            id,
            name: &role.name,
        },
        json!({ "id": id, "permissions": role.permissions }),
    )
    .await?;
    tx.commit().await?;
    // The next request, here or anywhere, is answered as the change says.
    core.verifier.settle().await;
    Ok(())
}

//! Modules, and the permission vocabulary built from them.

use crate::{
    audit::{self, Target},
    error::{Result, ResultExt},
    fields,
    principal::Principal,
};
use serde_json::json;
use sqlx::PgPool;
use types::{
    directory::{Module, NewModule},
    events::Event,
    permissions, AppError,
};

pub async fn list(pool: &PgPool) -> Result<Vec<Module>> {
    let rows: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT slug, description, builtin FROM modules ORDER BY builtin DESC, slug",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, description, builtin)| Module {
            slug,
            description,
            builtin,
        })
        .collect())
}

#[tracing::instrument(skip_all, fields(actor = %p.label))]
pub async fn create(pool: &PgPool, p: &Principal, new: NewModule) -> Result<Module> {
    p.require(permissions::ROLES_WRITE, "add modules")?;
    let slug = new.slug.trim().to_owned();
    let valid = (2..=32).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(AppError::invalid(
            "slug",
            "Use 2 to 32 characters: lower-case letters, digits and -, starting with a letter.",
        )
        .into());
    }
    let description = fields::text("description", new.description.as_deref(), 200)?;
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO modules (slug, description) VALUES ($1, $2)")
        .bind(&slug)
        .bind(&description)
        .execute(&mut *tx)
        .await
        .on_constraint("modules_pkey", || {
            AppError::conflict("slug", format!("A module named {slug} exists already."))
        })?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::ModuleAdded,
        Target::Module(&slug),
        json!({ "description": description }),
    )
    .await?;
    tx.commit().await?;
    Ok(Module {
        slug,
        description,
        builtin: false,
    })
}

/// Checks permission or scope strings against the vocabulary (`<module>:read` and
/// `<module>:write` for modules that exist, `tokens:admin`, `tokens:introspect`,
/// `users:credentials`), exactly as written, and returns them sorted without repeats.
pub async fn check_vocabulary<'e>(
    db: impl sqlx::PgExecutor<'e>,
    field: &str,
    list: &[String],
) -> Result<Vec<String>> {
    let slugs: Vec<String> = sqlx::query_scalar("SELECT slug FROM modules")
        .fetch_all(db)
        .await?;
    let mut out = list.to_vec();
    out.sort();
    out.dedup();
    for item in &out {
        let known = match item.split_once(':') {
            Some(("tokens", "admin" | "introspect") | ("users", "credentials")) => true,
            Some((module, "read" | "write")) => slugs.iter().any(|s| s == module),
            _ => false,
        };
        if !known {
            return Err(AppError::invalid(
                field,
                format!(
                    "Unknown permission {:?}: use <module>:read or <module>:write with one of the \
                     modules ({}), or tokens:admin, tokens:introspect, users:credentials.",
                    item.chars().take(80).collect::<String>(),
                    slugs.join(", ")
                ),
            )
            .into());
        }
    }
    Ok(out)
}

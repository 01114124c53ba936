//! The console's sign-in policy, set on its Settings page: whether people must sign in
//! through single sign-on (password sign-in refused, except to the break-glass accounts
//! kept for when the identity provider is down), how long a session lasts, and whose
//! role requires a second factor.

use crate::{
    audit::{self, Target},
    error::Result,
    fields, modules,
    principal::Principal,
    settings::Settings,
    Core,
};
use serde_json::json;
use types::{
    directory::UserKind,
    events::Event,
    permissions::{SETTINGS_READ, SETTINGS_WRITE},
    session::{SignInPolicy, BREAK_GLASS_MAX},
    AppError,
};

/// The policy in force: a session length never set is the server's configured one.
pub async fn current<'e>(
    db: impl sqlx::PgExecutor<'e>,
    settings: &Settings,
) -> Result<SignInPolicy> {
    let row: PolicyRow = sqlx::query_as(
        "SELECT require_sso, break_glass, session_idle_minutes, session_max_days,
                require_second_factor, second_factor_permissions
         FROM sign_in_policy",
    )
    .fetch_one(db)
    .await?;
    Ok(SignInPolicy {
        require_sso: row.require_sso,
        break_glass: row.break_glass,
        session_idle_minutes: row
            .session_idle_minutes
            .unwrap_or(settings.session_idle_minutes) as u32,
        session_max_days: row.session_max_days.unwrap_or(settings.session_max_days) as u32,
        require_second_factor: row.require_second_factor,
        second_factor_permissions: row.second_factor_permissions,
    })
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    require_sso: bool,
    break_glass: Vec<String>,
    session_idle_minutes: Option<i32>,
    session_max_days: Option<i32>,
    require_second_factor: bool,
    second_factor_permissions: Vec<String>,
}

/// The policy, for those who may read it.
pub async fn get(core: &Core, p: &Principal) -> Result<SignInPolicy> {
    p.require(SETTINGS_READ, "see the sign-in settings")?;
    current(&core.pool, &core.settings).await
}

/// Whether `email` may sign in with a password under the policy in force.
pub(crate) async fn password_allowed<'e>(
    db: impl sqlx::PgExecutor<'e>,
    email: &str,
) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT NOT require_sso OR $1 = ANY(break_glass) FROM sign_in_policy")
            .bind(email)
            .fetch_one(db)
            .await?,
    )
}

/// Changes the policy. Requiring single sign-on needs an identity provider, and at least
/// one break-glass account: an active person who signs in with a password, so that an
/// outage at the provider locks nobody out of the console for good.
#[tracing::instrument(skip_all, fields(actor = %p.label))]
pub async fn update(core: &Core, p: &Principal, new: SignInPolicy) -> Result<SignInPolicy> {
    p.require(SETTINGS_WRITE, "change the sign-in settings")?;
    if !(1..=43_200).contains(&new.session_idle_minutes) {
        return Err(AppError::invalid(
            "session_idle_minutes",
            "A session's idle time is between 1 minute and 30 days (43,200 minutes).",
        )
        .into());
    }
    if !(1..=365).contains(&new.session_max_days) {
        return Err(AppError::invalid(
            "session_max_days",
            "A session's longest life is between 1 and 365 days.",
        )
        .into());
    }
    let mut break_glass: Vec<String> = Vec::new();
    for email in &new.break_glass {
        let email = fields::email("break_glass", email)?;
        if !break_glass.contains(&email) {
            break_glass.push(email);
        }
    }
    if break_glass.len() > BREAK_GLASS_MAX {
        return Err(AppError::invalid(
            "break_glass",
            format!("Name at most {BREAK_GLASS_MAX} break-glass accounts."),
        )
        .into());
    }
    let mut tx = core.pool.begin().await?;
    for email in &break_glass {
        let usable: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1 AND kind = $2
                            AND active AND password_hash IS NOT NULL)",
        )
        .bind(email)
        .bind(UserKind::Human)
        .fetch_one(&mut *tx)
        .await?;
        if !usable {
            return Err(AppError::invalid(
                "break_glass",
                format!("{email} is not an active person who signs in with a password."),
            )
            .into());
        }
    }
    if new.require_sso {
        if core.sso.is_none() {
            return Err(AppError::invalid(
                "require_sso",
                "Single sign-on is not set up: start Latchkey with LATCHKEY_OIDC_ISSUER and its client first.",
            )
            .into());
        }
        if break_glass.is_empty() {
            return Err(AppError::invalid(
                "break_glass",
                "Name at least one break-glass account, so that an outage at the identity provider does not lock everyone out.",
            )
            .into());
        }
    }
    let second_factor_permissions = modules::check_vocabulary(
        &mut *tx,
        "second_factor_permissions",
        &new.second_factor_permissions,
    )
    .await?;
    if new.require_second_factor && second_factor_permissions.is_empty() {
        return Err(AppError::invalid(
            "second_factor_permissions",
            "Name at least one permission whose holders must have a second factor.",
        )
        .into());
    }
    sqlx::query("SELECT 1 FROM sign_in_policy FOR UPDATE")
        .execute(&mut *tx)
        .await?;
    let before = current(&mut *tx, &core.settings).await?;
    let after = SignInPolicy {
        require_sso: new.require_sso,
        break_glass,
        session_idle_minutes: new.session_idle_minutes,
        session_max_days: new.session_max_days,
        require_second_factor: new.require_second_factor,
        second_factor_permissions,
    };
    sqlx::query(
        "UPDATE sign_in_policy SET require_sso = $1, break_glass = $2,
                session_idle_minutes = $3, session_max_days = $4,
                require_second_factor = $5, second_factor_permissions = $6, updated_at = now()",
    )
    .bind(after.require_sso)
    .bind(&after.break_glass)
    .bind(after.session_idle_minutes as i32)
    .bind(after.session_max_days as i32)
    .bind(after.require_second_factor)
    .bind(&after.second_factor_permissions)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::SettingsChanged,
        Target::Instance,
        json!({ "before": before, "after": after }),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

//! Users and their roles: the rules for names and emails, and the queries behind them.

use crate::error::Result;
use app::AppError;
use sqlx::PgPool;

/// A trimmed, lower-cased email address, or an error naming `field`.
pub fn check_email(field: &str, email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let well_formed = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if well_formed {
        Ok(email)
    } else {
        Err(AppError::invalid(
            field,
            "Enter an email address such as ada@example.com.",
        ))
    }
}

/// A trimmed name of 1 to `max` characters without control characters.
pub fn check_name(field: &str, name: &str, max: usize) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid(field, "Enter a name."));
    }
    if name.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("Use at most {max} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            "Remove the control characters (tabs, line breaks).",
        ));
    }
    Ok(name.to_owned())
}

#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
}

/// An active person's password hash, found by email.
pub async fn credentials_by_email(pool: &PgPool, email: &str) -> Result<Option<Credentials>> {
    Ok(sqlx::query_as(
        "SELECT id, email, password_hash FROM users
         WHERE lower(email) = $1 AND kind = 'human' AND active",
    )
    .bind(email)
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

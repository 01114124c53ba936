//! Console sessions: a random value in an HttpOnly, SameSite=Strict cookie; PostgreSQL
//! keeps only its SHA-256 digest. A session ends after a time without use, and in any
//! case a number of days after it began: as the Settings page sets them (the sign-in
//! policy), else as the server was started.

use crate::{error::Result, factors, secrets, settings::Settings};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use http::HeaderMap;
use sqlx::PgPool;
use std::net::IpAddr;
use types::{directory::UserKind, session::SessionInfo, CurrentUser};

/// The session cookie's name. Under https it carries the `__Host-` prefix: browsers then
/// accept it only from this very host, set `Secure` with `Path=/` and no `Domain`, so a
/// sibling subdomain cannot plant or overwrite it.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-latchkey_session"
    } else {
        "latchkey_session"
    }
}

/// The session cookie's value, if the request carries one.
pub fn cookie_value<'h>(settings: &Settings, headers: &'h HeaderMap) -> Option<&'h str> {
    cookie_named(headers, cookie_name(settings))
}

/// The value of the cookie called `name`, if the request carries one.
pub(crate) fn cookie_named<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(|cookie| cookie.ok())
        .find(|cookie| cookie.name() == name)
        .and_then(|cookie| cookie.value_raw())
}

pub fn digest(cookie_value: &str) -> Vec<u8> {
    secrets::sha256(cookie_value.as_bytes())
}

struct SessionRow {
    id: i64,
    email: Option<String>,
    display_name: String,
    role: String,
    permissions: Vec<String>,
    idle_seconds: f64,
    require_second_factor: bool,
    second_factor_permissions: Vec<String>,
    enrolled: bool,
}

/// The signed-in user of a live session, refreshing its last use at most once a minute.
/// Someone the sign-in policy asks for a second factor who has none holds no permission
/// until they set one up.
pub async fn resolve(
    pool: &PgPool,
    settings: &Settings,
    digest: &[u8],
) -> Result<Option<CurrentUser>> {
    let row = sqlx::query_as!(
        SessionRow,
        r#"SELECT u.id, u.email, u.display_name, r.name AS role, r.permissions,
                  EXTRACT(EPOCH FROM now() - s.last_seen_at)::float8 AS "idle_seconds!",
                  p.require_second_factor, p.second_factor_permissions,
                  EXISTS (SELECT 1 FROM enrolled_factors f WHERE f.user_id = u.id) AS "enrolled!"
           FROM sessions s
           JOIN users u ON u.id = s.user_id
           JOIN roles r ON r.id = u.role_id
           CROSS JOIN sign_in_policy p
           WHERE s.digest = $1
             AND s.last_seen_at > now() - make_interval(mins => COALESCE(p.session_idle_minutes, $2))
             AND s.created_at > now() - make_interval(days => COALESCE(p.session_max_days, $4))
             AND u.active AND u.kind = $3"#,
        digest,
        settings.session_idle_minutes,
        UserKind::Human as _,
        settings.session_max_days,
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.idle_seconds > 60.0 {
        sqlx::query!(
            "UPDATE sessions SET last_seen_at = now() WHERE digest = $1",
            digest
        )
        .execute(pool)
        .await?;
    }
    let must_enrol = !row.enrolled
        && factors::required_of(
            row.require_second_factor,
            &row.second_factor_permissions,
            &row.permissions,
        );
    Ok(Some(CurrentUser {
        id: row.id,
        email: row.email.unwrap_or_default(),
        display_name: row.display_name,
        role: row.role,
        permissions: if must_enrol {
            Vec::new()
        } else {
            row.permissions
        },
        must_enrol,
    }))
}

/// Starts a session and returns the cookie value that names it.
pub async fn create<'e>(
    db: impl sqlx::PgExecutor<'e>,
    user_id: i64,
    client_addr: Option<IpAddr>,
    user_agent: Option<&str>,
) -> Result<String> {
    let value = URL_SAFE_NO_PAD.encode(secrets::random_bytes::<32>());
    sqlx::query!(
        "INSERT INTO sessions (digest, user_id, client_addr, user_agent) VALUES ($1, $2, $3, $4)",
        digest(&value),
        user_id,
        client_addr.map(|a| a.to_string()),
        user_agent,
    )
    .execute(db)
    .await?;
    Ok(value)
}

/// A user's live sessions, the most recently used first; `current` names the one asking.
pub async fn list(
    pool: &PgPool,
    settings: &Settings,
    user_id: i64,
    current: &[u8],
) -> Result<Vec<SessionInfo>> {
    let rows = sqlx::query_as!(
        ListedSession,
        r#"SELECT s.id, s.created_at, s.last_seen_at, s.client_addr, s.user_agent,
                  s.digest = $2 AS "current!"
           FROM sessions s CROSS JOIN sign_in_policy p
           WHERE s.user_id = $1
             AND s.last_seen_at > now() - make_interval(mins => COALESCE(p.session_idle_minutes, $3))
             AND s.created_at > now() - make_interval(days => COALESCE(p.session_max_days, $4))
           ORDER BY s.last_seen_at DESC, s.id DESC"#,
        user_id,
        current,
        settings.session_idle_minutes,
        settings.session_max_days,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(SessionInfo::from).collect())
}

struct ListedSession {
    id: i64,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    client_addr: Option<String>,
    user_agent: Option<String>,
    current: bool,
}

impl From<ListedSession> for SessionInfo {
    fn from(r: ListedSession) -> Self {
        Self {
            id: r.id,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            client_addr: r.client_addr,
            user_agent: r.user_agent,
            current: r.current,
        }
    }
}

/// Ends one of a user's sessions; `false` when they have no such session.
pub async fn end_by_id<'e>(db: impl sqlx::PgExecutor<'e>, user_id: i64, id: i64) -> Result<bool> {
    let ended = sqlx::query!(
        "DELETE FROM sessions WHERE id = $1 AND user_id = $2",
        id,
        user_id
    )
    .execute(db)
    .await?;
    Ok(ended.rows_affected() > 0)
}

/// Ends every session of a user's but the one whose digest is `keep`; how many it ended.
pub async fn end_all_but<'e>(
    db: impl sqlx::PgExecutor<'e>,
    user_id: i64,
    keep: &[u8],
) -> Result<u64> {
    let ended = sqlx::query!(
        "DELETE FROM sessions WHERE user_id = $1 AND digest <> $2",
        user_id,
        keep
    )
    .execute(db)
    .await?;
    Ok(ended.rows_affected())
}

/// Deletes the sessions that have ended by being idle too long.
pub async fn prune(pool: &PgPool, settings: &Settings) -> Result<u64> {
    let deleted = sqlx::query!(
        "DELETE FROM sessions WHERE last_seen_at <= now() - make_interval(mins =>
             COALESCE((SELECT session_idle_minutes FROM sign_in_policy), $1))",
        settings.session_idle_minutes
    )
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}

pub async fn end(pool: &PgPool, digest: &[u8]) -> Result<()> {
    sqlx::query!("DELETE FROM sessions WHERE digest = $1", digest)
        .execute(pool)
        .await?;
    Ok(())
}

/// The `Set-Cookie` value that hands the browser a session. No Max-Age: the cookie lives
/// as long as the browser session, and the server ends idle sessions itself.
pub fn set_cookie(settings: &Settings, value: &str) -> String {
    cookie_header(
        settings,
        cookie_name(settings),
        value,
        SameSite::Strict,
        None,
    )
}

/// The `Set-Cookie` value that ends the browser's session.
pub fn clear_cookie(settings: &Settings) -> String {
    cookie_header(
        settings,
        cookie_name(settings),
        "",
        SameSite::Strict,
        Some(cookie::time::Duration::ZERO),
    )
}

/// A `Set-Cookie` value of Latchkey's: HttpOnly, for the whole site, Secure under https;
/// living `lifetime` (none: as long as the browser session).
pub(crate) fn cookie_header(
    settings: &Settings,
    name: &'static str,
    value: &str,
    same_site: SameSite,
    lifetime: Option<cookie::time::Duration>,
) -> String {
    let mut cookie = Cookie::build((name, value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(settings.secure_cookies)
        .build();
    if let Some(lifetime) = lifetime {
        cookie.set_max_age(lifetime);
    }
    cookie.to_string()
}

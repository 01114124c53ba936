//! A sign-in's second step. When the password (or the identity provider) was right and
//! the person has a second factor, no session starts: the browser gets a short-lived,
//! HttpOnly cookie naming a challenge instead, and the session starts only when a code
//! from their authenticator app or one of their recovery codes is typed. Wrong codes are
//! throttled like passwords (per person, however many addresses guess), and a challenge
//! ends after a few of them: guessing then needs the password again.

use crate::{
    audit::{self, Actor, Target},
    error::Result,
    factors, secrets, sessions,
    settings::Settings,
    throttle,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use cookie::SameSite;
use http::HeaderMap;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use types::{events::Event, AppError, Caller};

/// How long a challenge waits for its code.
pub const MINUTES: i64 = 5;
/// Wrong codes a challenge takes before it ends.
const FAILURES_MAX: i32 = 5;

/// How a sign-in's first step was made, as the audit log tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Password,
    SingleSignOn,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::SingleSignOn => "single sign-on",
        }
    }

    fn parse(stored: &str) -> Self {
        if stored == Self::SingleSignOn.as_str() {
            Self::SingleSignOn
        } else {
            Self::Password
        }
    }
}

/// Where a right first step leads: a session, or a challenge for the second factor;
/// each is the value of the cookie to give the browser.
#[derive(Debug)]
pub enum Admission {
    Session(String),
    SecondFactor(String),
}

/// The person's first step was right: starts their session (audited as a sign-in with
/// `details`), or, if they have a second factor, a challenge for it.
pub(crate) async fn admit(
    db: &mut PgConnection,
    user_id: i64,
    label: &str,
    caller: &Caller,
    method: Method,
    details: serde_json::Value,
) -> Result<Admission> {
    if factors::enrolled(db, user_id).await? {
        let value = URL_SAFE_NO_PAD.encode(secrets::random_bytes::<32>());
        sqlx::query("INSERT INTO sign_in_challenges (digest, user_id, method) VALUES ($1, $2, $3)")
            .bind(sessions::digest(&value))
            .bind(user_id)
            .bind(method.as_str())
            .execute(&mut *db)
            .await?;
        return Ok(Admission::SecondFactor(value));
    }
    let session = start_session(db, user_id, label, caller, details).await?;
    Ok(Admission::Session(session))
}

async fn start_session(
    db: &mut PgConnection,
    user_id: i64,
    label: &str,
    caller: &Caller,
    details: serde_json::Value,
) -> Result<String> {
    let session = sessions::create(
        &mut *db,
        user_id,
        caller.client_addr,
        caller.user_agent.as_deref(),
    )
    .await?;
    audit::record(
        &mut *db,
        &Actor::person(user_id, label, caller.client_addr),
        Event::SignInSucceeded,
        Target::User { id: user_id, label },
        details,
    )
    .await?;
    Ok(session)
}

fn expired() -> AppError {
    AppError::invalid(
        "code",
        "This sign-in has expired. Sign in again, then type a new code.",
    )
}

/// Finishes a sign-in with a second factor's code; returns the session cookie's value.
#[tracing::instrument(skip_all)]
pub async fn finish(
    pool: &PgPool,
    caller: &Caller,
    challenge: Option<&str>,
    code: &str,
) -> Result<String> {
    let Some(challenge) = challenge.map(sessions::digest) else {
        return Err(expired().into());
    };
    let found: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT c.user_id, c.method, u.email FROM sign_in_challenges c
         JOIN users u ON u.id = c.user_id
         WHERE c.digest = $1 AND u.active
           AND c.created_at > now() - make_interval(mins => $2::int)",
    )
    .bind(&challenge)
    .bind(MINUTES as i32)
    .fetch_optional(pool)
    .await?;
    let Some((user_id, method, email)) = found else {
        return Err(expired().into());
    };
    let method = Method::parse(&method);
    let mut keys = vec![throttle::second_factor_key(user_id)];
    keys.extend(throttle::address_key(caller.client_addr));
    let attempt = match throttle::reserve(pool, &keys).await? {
        Ok(attempt) => attempt,
        Err(wait) => return Err(throttle::too_many(wait).into()),
    };
    let actor = Actor::person(user_id, &email, caller.client_addr);
    let target = Target::User {
        id: user_id,
        label: &email,
    };
    let mut tx = pool.begin().await?;
    // Taken under a lock: two codes sent at once are checked one after the other.
    let live: Option<i32> =
        sqlx::query_scalar("SELECT failures FROM sign_in_challenges WHERE digest = $1 FOR UPDATE")
            .bind(&challenge)
            .fetch_optional(&mut *tx)
            .await?;
    if live.is_none() {
        return Err(expired().into());
    }
    let Some(proof) = factors::check_code(&mut tx, user_id, code).await? else {
        let failures: i32 = sqlx::query_scalar(
            "UPDATE sign_in_challenges SET failures = failures + 1 WHERE digest = $1
             RETURNING failures",
        )
        .bind(&challenge)
        .fetch_one(&mut *tx)
        .await?;
        let over = failures >= FAILURES_MAX;
        if over {
            sqlx::query("DELETE FROM sign_in_challenges WHERE digest = $1")
                .bind(&challenge)
                .execute(&mut *tx)
                .await?;
        }
        audit::record(
            &mut *tx,
            &actor,
            Event::SignInFailed,
            target,
            json!({ "reason": "wrong second factor", "method": method.as_str() }),
        )
        .await?;
        tx.commit().await?;
        return Err(if over {
            AppError::invalid(
                "code",
                "Too many wrong codes. Sign in again to try once more.",
            )
        } else {
            AppError::invalid(
                "code",
                "That code is wrong, or was used already. Type the newest code your app shows, or a recovery code.",
            )
        }
        .into());
    };
    sqlx::query("DELETE FROM sign_in_challenges WHERE digest = $1")
        .bind(&challenge)
        .execute(&mut *tx)
        .await?;
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    let mut details = json!({ "method": method.as_str(), "second_factor": proof.as_str() });
    if proof == factors::Proof::RecoveryCode {
        details["recovery_codes_left"] = json!(left);
    }
    let session = start_session(&mut tx, user_id, &email, caller, details).await?;
    tx.commit().await?;
    attempt.succeeded(pool, Some(&keys[0])).await?;
    Ok(session)
}

/// Deletes challenges nobody finished.
pub async fn prune(pool: &PgPool) -> Result<u64> {
    let deleted = sqlx::query(
        "DELETE FROM sign_in_challenges WHERE created_at <= now() - make_interval(mins => $1::int)",
    )
    .bind(MINUTES as i32)
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}

/// The challenge cookie's name (`__Host-` prefixed under https, as the session's).
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-latchkey_sign_in"
    } else {
        "latchkey_sign_in"
    }
}

/// The challenge cookie's value, if the request carries one.
pub fn cookie_value<'h>(settings: &Settings, headers: &'h HeaderMap) -> Option<&'h str> {
    sessions::cookie_named(headers, cookie_name(settings))
}

/// The `Set-Cookie` value of the challenge cookie: HttpOnly, SameSite=Strict, for as long
/// as the challenge lives (an empty value ends it).
pub fn set_cookie(settings: &Settings, value: &str) -> String {
    let minutes = if value.is_empty() { 0 } else { MINUTES };
    sessions::cookie_header(
        settings,
        cookie_name(settings),
        value,
        SameSite::Strict,
        Some(cookie::time::Duration::minutes(minutes)),
    )
}

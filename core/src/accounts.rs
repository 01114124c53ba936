//! Signing in and out, the first administrator, and changing one's password.

use crate::{
    audit::{self, Actor, Target},
    error::{Result, ResultExt},
    factors::challenge::{self, Admission},
    fields,
    passwords::{self, Passwords},
    policy, sessions,
    setup::{self, SetupGate},
    throttle, users,
};
use serde_json::json;
use sqlx::PgPool;
use types::{
    directory::{BuiltinRole, UserKind},
    events::Event,
    session::SetupForm,
    AppError, Caller, CurrentUser,
};

/// Checks the password and starts a session, or (for a person with a second factor) a
/// challenge for their code. A wrong email and a wrong password get the same answer,
/// after the same work.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    pool: &PgPool,
    passwords: &Passwords,
    caller: &Caller,
    email: &str,
    password: String,
) -> Result<Admission> {
    let email = email.trim().to_lowercase();
    // Nobody's address is longer: refused before it reaches a query or the audit log.
    if email.len() > fields::EMAIL_MAX {
        return Err(AppError::WrongCredentials.into());
    }
    let mut keys = vec![throttle::account_key(&email)];
    keys.extend(throttle::address_key(caller.client_addr));
    let anonymous = Actor::anonymous(caller.client_addr);
    let attempt = match throttle::reserve(pool, &keys).await? {
        Ok(attempt) => attempt,
        Err(wait) => {
            // Once a minute per key over budget (the address, whatever e-mail each guess
            // names, or the account): a flood of refused guesses is one line in the log,
            // counting its repeats.
            audit::record_once_per(
                pool,
                &format!("throttled:{}", wait.key),
                chrono::Duration::minutes(1),
                &anonymous,
                Event::SignInThrottled,
                Target::Account(&email),
                json!({}),
            )
            .await?;
            return Err(throttle::too_many(wait).into());
        }
    };
    let found = users::credentials_by_email(pool, &email).await?;
    let stored = found.as_ref().and_then(|c| c.password_hash.clone());
    let matches = passwords.verify(password, stored).await?;
    let user = match found {
        Some(user) if matches => user,
        _ => {
            audit::record(
                pool,
                &anonymous,
                Event::SignInFailed,
                Target::Account(&email),
                json!({}),
            )
            .await?;
            return Err(AppError::WrongCredentials.into());
        }
    };
    attempt.succeeded(pool, Some(&keys[0])).await?;
    let actor = Actor::person(user.id, &user.email, caller.client_addr);
    // The right password, and yet: this console may require single sign-on of them.
    if !policy::password_allowed(pool, &email).await? {
        audit::record(
            pool,
            &actor,
            Event::SignInFailed,
            Target::Account(&email),
            json!({ "reason": "single sign-on required" }),
        )
        .await?;
        return Err(AppError::SsoRequired.into());
    }
    let mut tx = pool.begin().await?;
    let admission = challenge::admit(
        &mut tx,
        user.id,
        &user.email,
        caller,
        challenge::Method::Password,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(admission)
}

#[tracing::instrument(skip_all)]
pub async fn sign_out(pool: &PgPool, caller: &Caller) -> Result<()> {
    if let (Some(user), Some(digest)) = (&caller.user, &caller.session_digest) {
        sessions::end(pool, digest).await?;
        own_event(pool, caller, user, Event::SignOut, json!({})).await?;
    }
    Ok(())
}

/// Records what a signed-in person did to their own account.
async fn own_event<'e>(
    db: impl sqlx::PgExecutor<'e>,
    caller: &Caller,
    user: &CurrentUser,
    event: Event,
    details: serde_json::Value,
) -> Result<()> {
    let target = Target::User {
        id: user.id,
        label: &user.email,
    };
    let actor = Actor::user(user, caller.client_addr);
    audit::record(db, &actor, event, target, details).await?;
    Ok(())
}

/// Ends one of the caller's own sessions (another browser of theirs, say).
#[tracing::instrument(skip_all, fields(session = id))]
pub async fn end_session(pool: &PgPool, caller: &Caller, id: i64) -> Result<()> {
    let user = caller.user()?;
    let mut tx = pool.begin().await?;
    if !sessions::end_by_id(&mut *tx, user.id, id).await? {
        return Err(AppError::NotFound("That session".into()).into());
    }
    own_event(
        &mut *tx,
        caller,
        user,
        Event::SessionEnded,
        json!({ "session": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Signs the caller out of every browser but this one (one they lost, say); how many
/// sessions it ended.
pub async fn end_other_sessions(pool: &PgPool, caller: &Caller) -> Result<u64> {
    let user = caller.user()?;
    let Some(current) = caller.session_digest.as_deref() else {
        return Err(AppError::Unauthenticated.into());
    };
    let mut tx = pool.begin().await?;
    let ended = sessions::end_all_but(&mut *tx, user.id, current).await?;
    own_event(
        &mut *tx,
        caller,
        user,
        Event::SessionEnded,
        json!({ "others": ended }),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Creates the first administrator and signs them in; returns the session cookie's value.
#[tracing::instrument(skip_all)]
pub async fn set_up(
    pool: &PgPool,
    passwords: &Passwords,
    gate: &SetupGate,
    caller: &Caller,
    form: SetupForm,
) -> Result<String> {
    let keys: Vec<String> = throttle::address_key(caller.client_addr)
        .map(|k| format!("setup:{k}"))
        .into_iter()
        .collect();
    let attempt = throttle::reserve(pool, &keys)
        .await?
        .map_err(throttle::too_many)?;
    if !gate.required(pool).await? {
        return Err(
            AppError::Forbidden("set up Latchkey: it has an administrator already".into()).into(),
        );
    }
    if !gate.accepts(&form.code) {
        // Someone is guessing at the set-up code: once a minute per address in the log.
        audit::record_once_per(
            pool,
            &format!("setup-failed:{}", keys.join(",")),
            chrono::Duration::minutes(1),
            &Actor::anonymous(caller.client_addr),
            Event::SetupFailed,
            Target::Instance,
            json!({}),
        )
        .await?;
        return Err(AppError::invalid(
            "code",
            "That is not the set-up code. Find the current one in the server's log.",
        )
        .into());
    }
    attempt.succeeded(pool, None).await?;
    let email = fields::email("email", &form.email)?;
    let name = fields::name("display_name", &form.display_name, 100)?;
    passwords::check_new("password", &form.password, &[&email, &name])?;
    let hash = passwords.hash(form.password).await?;

    let mut tx = pool.begin().await?;
    // One set-up at a time: a second, concurrent one sees the first administrator.
    sqlx::query("SELECT pg_advisory_xact_lock(7466)")
        .execute(&mut *tx)
        .await?;
    if setup::admin_exists(&mut *tx).await? {
        return Err(
            AppError::Forbidden("set up Latchkey: it has an administrator already".into()).into(),
        );
    }
    let user_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, kind, password_hash, role_id)
         SELECT $1, $2, $4, $3, id FROM roles WHERE name = $5 AND builtin
         RETURNING id",
    )
    .bind(&email)
    .bind(&name)
    .bind(&hash)
    .bind(UserKind::Human)
    .bind(BuiltinRole::Administrator.name())
    .fetch_one(&mut *tx)
    .await
    .on_constraint("users_email_key", || {
        AppError::conflict("email", "That email is taken.")
    })?;
    let actor = Actor::person(user_id, &email, caller.client_addr);
    audit::record(
        &mut *tx,
        &actor,
        Event::UserCreated,
        Target::User {
            id: user_id,
            label: &email,
        },
        json!({ "kind": UserKind::Human, "role": BuiltinRole::Administrator.name(), "via": "set-up" }),
    )
    .await?;
    let cookie = sessions::create(
        &mut *tx,
        user_id,
        caller.client_addr,
        caller.user_agent.as_deref(),
    )
    .await?;
    tx.commit().await?;
    gate.finish();
    tracing::info!(%email, "set-up done: the first administrator exists");
    Ok(cookie)
}

/// Changes the caller's password and ends their other sessions.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    pool: &PgPool,
    passwords: &Passwords,
    caller: &Caller,
    current: String,
    new: String,
) -> Result<()> {
    let user = caller.user()?;
    passwords::check_new("new_password", &new, &[&user.email, &user.display_name])?;
    // Guesses at the current password count against the same budgets as sign-in's: the
    // account's, and the address's (so the guesser's address is not a fresh one).
    let mut keys = vec![throttle::account_key(&user.email)];
    keys.extend(throttle::address_key(caller.client_addr));
    let attempt = throttle::reserve(pool, &keys)
        .await?
        .map_err(throttle::too_many)?;
    let stored = users::password_hash(pool, user.id).await?;
    if !passwords.verify(current, stored).await? {
        // At most five a minute: the attempt was reserved above.
        own_event(pool, caller, user, Event::PasswordChangeFailed, json!({})).await?;
        return Err(
            AppError::invalid("current_password", "That is not your current password.").into(),
        );
    }
    attempt.succeeded(pool, None).await?;
    let hash = passwords.hash(new).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1")
        .bind(user.id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    sessions::end_all_but(
        &mut *tx,
        user.id,
        caller.session_digest.as_deref().unwrap_or_default(),
    )
    .await?;
    own_event(&mut *tx, caller, user, Event::PasswordChanged, json!({})).await?;
    tx.commit().await?;
    Ok(())
}

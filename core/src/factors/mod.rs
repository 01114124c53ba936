//! Second factors: an authenticator app (TOTP) and ten single-use recovery codes, set up
//! by each person on their Account page; the sign-in policy may require them of people
//! whose role holds powerful permissions. A sign-in whose person has one finishes only
//! with a code (see [`challenge`]).

pub mod challenge;
pub mod totp;

use crate::{
    audit::{self, Actor, Target},
    error::Result,
    secrets,
};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use types::{
    events::Event,
    factors::{FactorStatus, TotpEnrolment, RECOVERY_CODES},
    permissions, AppError, Caller, CurrentUser,
};

/// How an authenticator app names the entry it keeps for Latchkey.
const ISSUER: &str = "Latchkey";

/// Whether the sign-in policy requires a second factor of someone whose role holds
/// `held`: when it is on, and the role grants any of the permissions it names.
pub fn required_of<S: AsRef<str>>(on: bool, policy_permissions: &[String], held: &[S]) -> bool {
    on && policy_permissions
        .iter()
        .any(|p| permissions::grants(held, p))
}

/// Whether the policy requires a second factor of this user (by their role now).
async fn required(db: &mut PgConnection, user_id: i64) -> Result<bool> {
    let (on, policy, held): (bool, Vec<String>, Vec<String>) = sqlx::query_as(
        "SELECT p.require_second_factor, p.second_factor_permissions, r.permissions
         FROM users u JOIN roles r ON r.id = u.role_id CROSS JOIN sign_in_policy p
         WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut *db)
    .await?;
    Ok(required_of(on, &policy, &held))
}

/// Whether the user has a second factor set up.
pub(crate) async fn enrolled(db: &mut PgConnection, user_id: i64) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM enrolled_factors WHERE user_id = $1)")
            .bind(user_id)
            .fetch_one(&mut *db)
            .await?,
    )
}

/// The signed-in person's second factors.
pub async fn status(pool: &PgPool, caller: &Caller) -> Result<FactorStatus> {
    let user = caller.user()?;
    let mut conn = pool.acquire().await?;
    let (totp_since, recovery_codes_left): (Option<chrono::DateTime<chrono::Utc>>, i64) =
        sqlx::query_as(
            "SELECT (SELECT confirmed_at FROM totp_factors WHERE user_id = $1),
                    (SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL)",
        )
        .bind(user.id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(FactorStatus {
        totp_since,
        recovery_codes_left: recovery_codes_left as u32,
        required: required(&mut conn, user.id).await?,
    })
}

/// Starts setting up an authenticator app: a new secret, kept unconfirmed until the
/// person types a first code from it (a secret begun before and never confirmed is
/// replaced).
#[tracing::instrument(skip_all, fields(user = caller.user.as_ref().map(|u| u.id)))]
pub async fn begin_totp(pool: &PgPool, caller: &Caller) -> Result<TotpEnrolment> {
    let user = caller.user()?;
    let secret = secrets::random_bytes::<{ totp::SECRET_BYTES }>();
    let begun = sqlx::query(
        "INSERT INTO totp_factors (user_id, secret) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now()
             WHERE totp_factors.confirmed_at IS NULL",
    )
    .bind(user.id)
    .bind(&secret[..])
    .execute(pool)
    .await?;
    if begun.rows_affected() == 0 {
        return Err(AppError::conflict(
            "totp",
            "An authenticator app is set up already: remove it first to set up another.",
        )
        .into());
    }
    let uri = totp::uri(ISSUER, &user.email, &secret);
    Ok(TotpEnrolment {
        secret: totp::secret_text(&secret),
        qr_svg: totp::qr_svg(&uri),
        uri,
    })
}

/// Finishes setting up the authenticator app with a code from it, and hands out ten
/// recovery codes, shown this once.
#[tracing::instrument(skip_all, fields(user = caller.user.as_ref().map(|u| u.id)))]
pub async fn confirm_totp(pool: &PgPool, caller: &Caller, code: &str) -> Result<Vec<String>> {
    let user = caller.user()?;
    let mut tx = pool.begin().await?;
    let secret: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT secret FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL FOR UPDATE",
    )
    .bind(user.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(secret) = secret else {
        return Err(AppError::invalid(
            "code",
            "Start setting up the authenticator app again: this set-up is over.",
        )
        .into());
    };
    let Some(step) = totp::matching_step(&secret, code, now_step()) else {
        return Err(AppError::invalid(
            "code",
            "That code does not match. Type the six digits the app shows now (check that the phone's clock is right).",
        )
        .into());
    };
    sqlx::query("UPDATE totp_factors SET confirmed_at = now(), last_step = $2 WHERE user_id = $1")
        .bind(user.id)
        .bind(step)
        .execute(&mut *tx)
        .await?;
    let codes = replace_recovery_codes(&mut tx, user.id).await?;
    own_change(&mut tx, caller, user, json!({ "authenticator": "added" })).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Removes the authenticator app and the recovery codes. Refused while the policy
/// requires a second factor of the person and this is their only one.
#[tracing::instrument(skip_all, fields(user = caller.user.as_ref().map(|u| u.id)))]
pub async fn remove_totp(pool: &PgPool, caller: &Caller) -> Result<()> {
    let user = caller.user()?;
    let mut tx = pool.begin().await?;
    let removed = sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(AppError::NotFound("Your authenticator app".into()).into());
    }
    if required(&mut tx, user.id).await? && !enrolled(&mut tx, user.id).await? {
        return Err(AppError::Forbidden(
            "remove your only second factor: your role requires one".into(),
        )
        .into());
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    own_change(&mut tx, caller, user, json!({ "authenticator": "removed" })).await?;
    tx.commit().await?;
    Ok(())
}

/// Ten new recovery codes in place of the old ones (used or not), shown this once.
#[tracing::instrument(skip_all, fields(user = caller.user.as_ref().map(|u| u.id)))]
pub async fn renew_recovery_codes(pool: &PgPool, caller: &Caller) -> Result<Vec<String>> {
    let user = caller.user()?;
    let mut tx = pool.begin().await?;
    if !enrolled(&mut tx, user.id).await? {
        return Err(AppError::invalid(
            "recovery_codes",
            "Set up an authenticator app first: recovery codes stand in for it.",
        )
        .into());
    }
    let codes = replace_recovery_codes(&mut tx, user.id).await?;
    own_change(
        &mut tx,
        caller,
        user,
        json!({ "recovery_codes": "renewed" }),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

async fn own_change(
    db: &mut PgConnection,
    caller: &Caller,
    user: &CurrentUser,
    details: serde_json::Value,
) -> Result<()> {
    audit::record(
        db,
        &Actor::user(user, caller.client_addr),
        Event::SecondFactorChanged,
        Target::User {
            id: user.id,
            label: &user.email,
        },
        details,
    )
    .await?;
    Ok(())
}

/// The alphabet of recovery codes: Crockford's base32 (no i, l, o or u to misread).
const RECOVERY_ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Characters per recovery code: 16 of 32, 80 bits.
const RECOVERY_LEN: usize = 16;

async fn replace_recovery_codes(db: &mut PgConnection, user_id: i64) -> Result<Vec<String>> {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let code = secrets::random_string(RECOVERY_ALPHABET, RECOVERY_LEN);
            let groups: Vec<&str> = (0..RECOVERY_LEN)
                .step_by(4)
                .map(|i| &code[i..i + 4])
                .collect();
            groups.join("-")
        })
        .collect();
    let digests: Vec<Vec<u8>> = codes.iter().map(|c| recovery_digest(c)).collect();
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query("INSERT INTO recovery_codes (user_id, digest) SELECT $1, unnest($2::bytea[])")
        .bind(user_id)
        .bind(&digests)
        .execute(&mut *db)
        .await?;
    Ok(codes)
}

/// A recovery code's digest, however it was typed: any case, with or without its dashes
/// and spaces, with the letters Crockford's alphabet leaves out read as the digits they
/// look like.
fn recovery_digest(typed: &str) -> Vec<u8> {
    let plain: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            c => c,
        })
        .collect();
    secrets::sha256(plain.as_bytes())
}

/// Which second factor a code proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    AuthenticatorApp,
    RecoveryCode,
}

impl Proof {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthenticatorApp => "authenticator app",
            Self::RecoveryCode => "recovery code",
        }
    }
}

fn now_step() -> i64 {
    totp::step_at(chrono::Utc::now().timestamp())
}

/// Checks a code the person typed: six digits are their authenticator app's (each code
/// taken once, and none older than one taken before), anything else one of their
/// recovery codes (each used once). What it proved, or `None`.
pub(crate) async fn check_code(
    db: &mut PgConnection,
    user_id: i64,
    typed: &str,
) -> Result<Option<Proof>> {
    if totp::normalise(typed).is_some() {
        let found: Option<(Vec<u8>, i64)> = sqlx::query_as(
            "SELECT secret, last_step FROM totp_factors
             WHERE user_id = $1 AND confirmed_at IS NOT NULL FOR UPDATE",
        )
        .bind(user_id)
        .fetch_optional(&mut *db)
        .await?;
        let Some((secret, last_step)) = found else {
            return Ok(None);
        };
        let step = totp::matching_step(&secret, typed, now_step()).filter(|&s| s > last_step);
        let Some(step) = step else { return Ok(None) };
        sqlx::query("UPDATE totp_factors SET last_step = $2 WHERE user_id = $1")
            .bind(user_id)
            .bind(step)
            .execute(&mut *db)
            .await?;
        return Ok(Some(Proof::AuthenticatorApp));
    }
    let used = sqlx::query(
        "UPDATE recovery_codes SET used_at = now()
         WHERE user_id = $1 AND digest = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(recovery_digest(typed))
    .execute(&mut *db)
    .await?;
    Ok((used.rows_affected() == 1).then_some(Proof::RecoveryCode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_asks_those_whose_role_grants_a_named_permission() {
        let policy: Vec<String> = types::session::SECOND_FACTOR_PERMISSIONS
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert!(required_of(true, &policy, &["*"]));
        assert!(required_of(true, &policy, &["users:write", "tokens:read"]));
        assert!(!required_of(true, &policy, &["users:read", "tokens:write"]));
        assert!(!required_of(false, &policy, &["*"]));
        // A named `read` is granted by its `write`.
        assert!(required_of(true, &["audit:read".into()], &["audit:write"]));
    }

    #[test]
    fn a_recovery_code_reads_the_same_however_it_is_typed() {
        let code = "ab1c-0d2e-f3gh-4jk5";
        for typed in [
            "ab1c-0d2e-f3gh-4jk5",
            "AB1C0D2EF3GH4JK5",
            " ab1c 0d2e f3gh 4jk5 ",
            "aBIc-Od2e-f3gh-4jk5",
        ] {
            assert_eq!(recovery_digest(typed), recovery_digest(code), "{typed}");
        }
        assert_ne!(
            recovery_digest("ab1c-0d2e-f3gh-4jk6"),
            recovery_digest(code)
        );
    }
}

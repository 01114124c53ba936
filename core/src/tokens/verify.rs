//! The verification path: a presented token in, a verified identity with effective
//! scopes out, from the database: [`crate::verifier::Verifier`] keeps a cache of its
//! answers in front of it.
//!
//! A malformed token or a bad checksum is refused before any database access. A
//! well-formed one costs one indexed query and a constant-time comparison of digests;
//! an unknown id and a wrong secret take the same path and get the same answer.

use super::{allowlist::Allowlist, format};
use crate::{error::Result, secrets};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::borrow::Cow;
use types::{directory::UserKind, permissions::effective_scopes, tokens::OwnerRef};

#[derive(Debug, Clone)]
pub struct Verified {
    pub token_row: i64,
    pub public_id: String,
    pub name: String,
    /// What the token was given.
    pub scopes: Vec<String>,
    /// What it may do now: its scopes as far as its owner's current role allows.
    pub effective: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    pub owner: OwnerRef,
    /// The owner's role, whose permissions bound the token's reach.
    pub role_id: i64,
    /// Where the token may be used from, as stored (empty for anywhere) and as matched.
    pub allowed_ips: Vec<String>,
    pub allowlist: Allowlist,
    /// When the token was rolled; it is refused as replaced from `expires_at` on.
    pub replaced_at: Option<DateTime<Utc>>,
}

impl Verified {
    /// Why a token verified earlier is refused now, if it is: its time is up.
    pub fn refused_at(&self, now: DateTime<Utc>) -> Option<Rejection> {
        let ended = self.expires_at.is_some_and(|at| at <= now);
        match (ended, self.replaced_at) {
            (false, _) => None,
            (true, Some(on)) => Some(Rejection::Replaced { on }),
            (true, None) => Some(Rejection::Expired),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Missing,
    Malformed,
    /// Unknown id or wrong secret: deliberately one answer.
    Invalid,
    /// A canary token: answered exactly like [`Self::Invalid`]; the caller fires
    /// `canary.triggered` ([`super::canary`]).
    Canary,
    Expired,
    /// Rolled, and its overlap window is over: a sign that it leaked or that a system
    /// still uses it.
    Replaced {
        on: DateTime<Utc>,
    },
    Revoked,
    OwnerDisabled,
    /// Too many failed verifications from this address or for this public id: answered
    /// 429 with `Retry-After`, without a database query.
    Throttled {
        retry_after: u64,
    },
}

impl Rejection {
    pub fn detail(self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Self::Missing => "Send the token in the Authorization header: Bearer <token>.",
            Self::Malformed => "That is not a Latchkey token (wrong shape or checksum): check that it was copied whole.",
            Self::Invalid | Self::Canary => "The token is not valid.",
            Self::Expired => "The token has expired.",
            Self::Replaced { on } => {
                return Cow::Owned(format!(
                    "The token was replaced on {}: use the token that replaced it.",
                    on.format("%Y-%m-%d %H:%M UTC")
                ))
            }
            Self::Revoked => "The token has been revoked.",
            Self::OwnerDisabled => "The token's owner is disabled.",
            Self::Throttled { .. } => "Too many failed verifications: wait before trying again.",
        })
    }
}

struct Row {
    id: i64,
    public_id: String,
    name: String,
    secret_digest: Vec<u8>,
    scopes: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    replaced_at: Option<DateTime<Utc>>,
    allowed_ips: Vec<String>,
    now: DateTime<Utc>,
    revoked: bool,
    canary: bool,
    owner_id: i64,
    owner_name: String,
    owner_email: Option<String>,
    owner_kind: UserKind,
    owner_active: bool,
    role_id: i64,
    permissions: Vec<String>,
}

/// Verifies a presented token. The outer `Result` is for the database failing.
pub async fn verify(pool: &PgPool, presented: &str) -> Result<Result<Verified, Rejection>> {
    let Some(parsed) = format::parse(presented.trim()) else {
        return Ok(Err(Rejection::Malformed));
    };
    let row = sqlx::query_as!(
        Row,
        r#"SELECT t.id, t.public_id, t.name, t.secret_digest, t.scopes, t.expires_at, t.created_at,
                  t.replaced_at, t.allowed_ips, now() AS "now!",
                  (t.revoked_at IS NOT NULL) AS "revoked!", t.canary,
                  u.id AS owner_id, u.display_name AS owner_name, u.email AS owner_email,
                  u.kind AS "owner_kind: UserKind", u.active AS owner_active, u.role_id,
                  r.permissions
           FROM api_tokens t
           JOIN users u ON u.id = t.owner_id
           JOIN roles r ON r.id = u.role_id
           WHERE t.public_id = $1"#,
        parsed.public_id,
    )
    .fetch_optional(pool)
    .await?;
    let digest = secrets::sha256(parsed.secret.as_bytes());
    // An unknown id is compared against a digest that cannot match, the same way.
    let stored = row
        .as_ref()
        .map_or(&[0u8; 32][..], |r| &r.secret_digest[..]);
    let matches = secrets::constant_time_eq(&digest, stored);
    let row = match row {
        Some(row) if matches => row,
        _ => return Ok(Err(Rejection::Invalid)),
    };
    // A canary trips whatever became of it (revoked, reported leaked): checked first.
    if row.canary {
        return Ok(Err(Rejection::Canary));
    }
    if row.revoked {
        return Ok(Err(Rejection::Revoked));
    }
    let verified = Verified {
        token_row: row.id,
        effective: effective_scopes(&row.scopes, &row.permissions),
        public_id: row.public_id,
        name: row.name,
        scopes: row.scopes,
        expires_at: row.expires_at,
        created_at: row.created_at,
        role_id: row.role_id,
        owner: OwnerRef {
            id: row.owner_id,
            display_name: row.owner_name,
            email: row.owner_email,
            kind: row.owner_kind,
        },
        allowlist: Allowlist::from_stored(&row.allowed_ips),
        allowed_ips: row.allowed_ips,
        replaced_at: row.replaced_at,
    };
    // The database's clock decides, as it decided when the token was rolled.
    if let Some(refused) = verified.refused_at(row.now) {
        return Ok(Err(refused));
    }
    if !row.owner_active {
        return Ok(Err(Rejection::OwnerDisabled));
    }
    Ok(Ok(verified))
}

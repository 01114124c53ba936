//! The token lifecycle: generate (`create`), list, read, roll, revoke. A token cannot
//! change after it is generated: to change its owner, scopes or expiry, revoke it and
//! generate another, or roll it. Here: reading tokens as the console and the API show
//! them (the `token_summaries` view).

pub mod allowlist;
pub mod canary;
mod create;
pub mod format;
pub mod lineage;
pub mod present;
pub mod refusals;
pub mod revocation;
mod roll;
pub mod usage;
pub mod verify;

pub use create::{check_name, create, create_canary, owner_choices};
pub use roll::{roll, ToRoll};

use crate::{
    audit::{self, Target},
    error::Result,
    paging,
    principal::Principal,
};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use types::{
    audit::AuditEvent,
    directory::UserKind,
    permissions::{grants, TOKENS_ADMIN, TOKENS_READ},
    tokens::{
        DayUsage, ExpiringSoon, Identified, Ineffective, IneffectiveBecause, OwnerRef, TokenFilter,
        TokenSort, TokenStatus, TokenSummary, TokenUsage,
    },
    AppError, Page,
};

pub use types::tokens::{DESCRIPTION_MAX, NAME_MAX};

/// A row of the `token_summaries` view (migration 0025): what the console and the API show
/// of a token.
#[derive(sqlx::FromRow)]
struct Row {
    row_id: i64,
    public_id: String,
    name: String,
    description: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    allowed_ips: Vec<String>,
    replaced_at: Option<DateTime<Utc>>,
    replaced_by: Option<String>,
    replaces: Option<String>,
    unused_scopes: Vec<String>,
    canary: bool,
    canary_triggered_at: Option<DateTime<Utc>>,
    leaked_at: Option<DateTime<Utc>>,
    status: TokenStatus,
    owner_id: i64,
    owner_name: String,
    owner_email: Option<String>,
    owner_kind: UserKind,
    requests_30d: i64,
    owner_active: bool,
    owner_role: String,
    owner_permissions: Vec<String>,
}

impl Row {
    /// The scopes of a live token its owner can no longer use, and why.
    fn ineffective(&self) -> Option<Ineffective> {
        if !matches!(self.status, TokenStatus::Active | TokenStatus::Rolling) {
            return None;
        }
        let (scopes, because) = if self.owner_active {
            let lost = self
                .scopes
                .iter()
                .filter(|s| !grants(&self.owner_permissions, s));
            (
                lost.cloned().collect::<Vec<_>>(),
                IneffectiveBecause::OwnerRole(self.owner_role.clone()),
            )
        } else {
            (self.scopes.clone(), IneffectiveBecause::OwnerDisabled)
        };
        (!scopes.is_empty()).then_some(Ineffective { scopes, because })
    }
}

impl From<Row> for TokenSummary {
    fn from(r: Row) -> Self {
        let ineffective = r.ineffective();
        Self {
            masked: types::tokens::masked(&r.public_id),
            id: r.public_id,
            name: r.name,
            description: r.description,
            owner: OwnerRef {
                id: r.owner_id,
                display_name: r.owner_name,
                email: r.owner_email,
                kind: r.owner_kind,
            },
            scopes: r.scopes,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            status: r.status,
            requests_30d: r.requests_30d,
            allowed_ips: r.allowed_ips,
            replaced_at: r.replaced_at,
            replaced_by: r.replaced_by,
            replaces: r.replaces,
            unused_scopes: r.unused_scopes,
            canary: r.canary,
            canary_triggered_at: r.canary_triggered_at,
            leaked_at: r.leaked_at,
            ineffective,
        }
    }
}

/// One token's summary, by its public id.
async fn summary<'e>(db: impl sqlx::PgExecutor<'e>, public_id: &str) -> Result<Option<Row>> {
    // A view's columns may all be null as far as PostgreSQL tells: those the view
    // always fills are marked so (`!`).
    Ok(sqlx::query_as!(
        Row,
        r#"SELECT row_id AS "row_id!", public_id AS "public_id!", name AS "name!",
                  description AS "description!", scopes AS "scopes!",
                  created_at AS "created_at!", expires_at, last_used_at, revoked_at,
                  allowed_ips AS "allowed_ips!", replaced_at, canary AS "canary!",
                  canary_triggered_at, leaked_at, status AS "status!: TokenStatus",
                  replaced_by, replaces, unused_scopes AS "unused_scopes!",
                  owner_id AS "owner_id!", owner_name AS "owner_name!", owner_email,
                  owner_kind AS "owner_kind!: UserKind", requests_30d AS "requests_30d!",
                  owner_active AS "owner_active!", owner_role AS "owner_role!",
                  owner_permissions AS "owner_permissions!"
           FROM token_summaries WHERE public_id = $1"#,
        public_id,
    )
    .fetch_optional(db)
    .await?)
}

/// One token's summary, by its row id (what writes know).
async fn fetch(db: &mut sqlx::PgConnection, row_id: i64) -> Result<TokenSummary> {
    let public_id = sqlx::query_scalar!("SELECT public_id FROM api_tokens WHERE id = $1", row_id)
        .fetch_one(&mut *db)
        .await?;
    let row = summary(&mut *db, &public_id).await?;
    Ok(row.ok_or(sqlx::Error::RowNotFound)?.into())
}

/// A token the principal may see: their own, or any for a token admin. Another user's
/// token is "not found", not "forbidden": its existence is none of their business.
pub async fn get<'e>(
    db: impl sqlx::PgExecutor<'e>,
    p: &Principal,
    public_id: &str,
) -> Result<TokenSummary> {
    p.require(TOKENS_READ, "see API tokens")?;
    match summary(db, public_id).await? {
        Some(row) if p.can(TOKENS_ADMIN) => Ok(row.into()),
        Some(row) if p.is(row.owner_id) => Ok(as_owner_sees(row.into())),
        _ => Err(AppError::NotFound("That token".into()).into()),
    }
}

/// A token as someone who is not a token admin sees it: a canary is not marked as one
/// (whoever could tell would know to leave it alone).
fn as_owner_sees(mut token: TokenSummary) -> TokenSummary {
    token.canary = false;
    token.canary_triggered_at = None;
    token
}

/// "Is this ours?": which token a pasted token (or its public id) is, for those who may
/// see it. Only the public id is looked up.
pub async fn identify(pool: &PgPool, p: &Principal, text: &str) -> Result<Identified> {
    p.require(TOKENS_READ, "see API tokens")?;
    let too_long = text.chars().count() > 200;
    let text = text.trim_matches([' ', '\t', '\r', '\n']);
    let malformed = too_long || text != text.trim();
    let public_id = types::tokens::public_id_in(text)
        .filter(|_| !malformed)
        .ok_or_else(|| {
            AppError::invalid(
                "token",
                "Paste a Latchkey token (lk_…) or its 12-character public id.",
            )
        })?;
    // A whole token: its shape and checksum say whether it was copied whole.
    let whole = text.len() > types::tokens::PREFIX.len() + types::tokens::PUBLIC_ID_LEN + 1
        && !text.contains('•');
    let checksum_valid = whole.then(|| format::parse(text).is_some());
    let token = match get(pool, p, public_id).await {
        Ok(token) => Some(token),
        Err(crate::error::Error::App(AppError::NotFound(_))) => None,
        Err(e) => return Err(e),
    };
    let summary = match (&token, checksum_valid) {
        (Some(t), _) => format!(
            "{} is “{}”, owned by {}: {}{}.",
            t.masked,
            t.name,
            t.owner.display_name,
            t.status.as_str(),
            match t.last_used_at {
                Some(at) => format!(", last used {}", at.format("%Y-%m-%d %H:%M UTC")),
                None => ", never used".to_owned(),
            }
        ),
        (None, Some(false)) => {
            "Not a Latchkey token as issued: its checksum does not hold (mistyped, cut, or made up).".to_owned()
        }
        (None, Some(true)) => format!(
            "The checksum holds, but no token {} is known here (or it is not yours to see):              it may come from another Latchkey server.",
            types::tokens::masked(public_id)
        ),
        (None, None) => format!("No token {} is known here.", types::tokens::masked(public_id)),
    };
    Ok(Identified {
        id: public_id.to_owned(),
        checksum_valid,
        known: token.is_some(),
        token,
        summary,
    })
}

/// A token's requests per day over the days kept, for those who may see the token.
pub async fn usage(pool: &PgPool, p: &Principal, public_id: &str) -> Result<TokenUsage> {
    let token = get(pool, p, public_id).await?;
    let days = usage::per_day(pool, public_id).await?;
    let clients = usage::clients(pool, public_id).await?;
    let scopes = usage::scopes(pool, public_id, &token.scopes).await?;
    Ok(TokenUsage {
        id: token.id,
        days: days
            .into_iter()
            .map(|(day, requests)| DayUsage { day, requests })
            .collect(),
        requests_30d: token.requests_30d,
        last_used_at: token.last_used_at,
        clients,
        scopes,
    })
}

/// Tokens newest first, one page at a time.
pub async fn list(pool: &PgPool, p: &Principal, filter: TokenFilter) -> Result<Page<TokenSummary>> {
    p.require(TOKENS_READ, "see API tokens")?;
    if filter.created_by.is_some() {
        p.require(TOKENS_ADMIN, "see the tokens others created")?;
    }
    let admin = p.can(TOKENS_ADMIN);
    let (owner, creator) = if admin {
        (filter.owner_id, filter.created_by)
    } else {
        (Some(p.user_id.unwrap_or(-1)), None)
    };
    let (status, sort) = (filter.status, filter.sort.unwrap_or_default());
    let (limit, after) = paging::bounds(filter.limit, filter.cursor.as_deref())?;
    let (order, after_cursor) = sort_sql(sort);
    let name = paging::like_pattern(filter.name.as_deref());
    // A pasted token, its masked form or its id finds the token by its public id.
    let public_id = filter.name.as_deref().and_then(types::tokens::public_id_in);
    // The order is chosen at run time, so this one query is checked by the tests alone.
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT * FROM token_summaries
         WHERE ($1::bigint IS NULL OR owner_id = $1)
           AND ($2::text IS NULL OR name ILIKE $2 OR public_id = $7)
           AND ($3::text IS NULL OR status = $3)
           AND ($4::bigint IS NULL OR {after_cursor})
           AND ($6::bigint IS NULL OR created_by = $6)
           AND ($8::bool IS NOT TRUE OR cardinality(unused_scopes) > 0)
           AND ($9::bool IS NOT TRUE OR (status = 'active' AND expires_at > now()
                AND expires_at <= now() + make_interval(days => $10)))
         ORDER BY {order} LIMIT $5"
    ))
    .bind(owner)
    .bind(name)
    .bind(status)
    .bind(after)
    .bind(limit + 1)
    .bind(creator)
    .bind(public_id)
    .bind(filter.unused_scopes)
    .bind(filter.expiring_soon)
    .bind(types::tokens::EXPIRES_SOON_DAYS as i32)
    .fetch_all(pool)
    .await?;
    let mut page: Page<TokenSummary> = paging::paginate(rows, limit, |r| r.row_id);
    if !admin {
        page.items = page.items.into_iter().map(as_owner_sees).collect();
    }
    Ok(page)
}

/// A sort's ORDER BY, and the condition that keeps the rows after the cursor's ($4) row.
/// Keys that may be absent are made total (never used sorts last, never expiring last),
/// matching the indexes of migration 0011.
fn sort_sql(sort: TokenSort) -> (&'static str, &'static str) {
    match sort {
        TokenSort::Newest => ("row_id DESC", "row_id < $4"),
        TokenSort::Oldest => ("row_id", "row_id > $4"),
        TokenSort::LastUsed => (
            "COALESCE(last_used_at, '-infinity'::timestamptz) DESC, row_id DESC",
            "(COALESCE(last_used_at, '-infinity'::timestamptz), row_id) <
             (SELECT COALESCE(last_used_at, '-infinity'::timestamptz), id
              FROM api_tokens WHERE id = $4)",
        ),
        TokenSort::Expires => (
            "COALESCE(expires_at, 'infinity'::timestamptz), row_id",
            "(COALESCE(expires_at, 'infinity'::timestamptz), row_id) >
             (SELECT COALESCE(expires_at, 'infinity'::timestamptz), id
              FROM api_tokens WHERE id = $4)",
        ),
    }
}

/// How many live tokens expire within a week: the caller's own, and for token admins
/// everyone's (what the home page warns about).
pub async fn expiring_soon(pool: &PgPool, p: &Principal) -> Result<ExpiringSoon> {
    let Some(user_id) = p.user_id else {
        return Ok(ExpiringSoon::default());
    };
    let counts = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE owner_id = $1) AS "yours!", count(*) AS "all!"
           FROM api_tokens
           WHERE revoked_at IS NULL AND replaced_by IS NULL AND NOT canary
             AND expires_at > now() AND expires_at <= now() + make_interval(days => $2)"#,
        user_id,
        types::tokens::EXPIRES_SOON_DAYS as i32,
    )
    .fetch_one(pool)
    .await?;
    Ok(ExpiringSoon {
        yours: counts.yours as u32,
        all: p.can(TOKENS_ADMIN).then_some(counts.all as u32),
    })
}

/// The audit events of a token the principal may see.
pub async fn events(pool: &PgPool, p: &Principal, public_id: &str) -> Result<Vec<AuditEvent>> {
    let token = get(pool, p, public_id).await?;
    // Whoever may see the token may see its own history.
    audit::history(pool, Target::Token(&token.id), 100).await
}

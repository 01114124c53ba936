//! The audit log: who did what, when, from where. Never a secret.

use crate::{error::Result, paging, principal::Principal};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use std::net::IpAddr;
use types::{
    audit::{AuditEvent, AuditFilter, TargetKind},
    events::Event,
    permissions::AUDIT_READ,
    Page,
};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// How the actor reads in the log: an email, a service account's name, or "anonymous".
    pub label: String,
    pub client_addr: Option<IpAddr>,
    /// The public id of the token that acted, if one did.
    pub token: Option<String>,
}

impl Actor {
    pub fn anonymous(client_addr: Option<IpAddr>) -> Self {
        Self {
            user_id: None,
            label: "anonymous".into(),
            client_addr,
            token: None,
        }
    }

    /// A person acting for themselves (signing in), by their id and e-mail.
    pub fn person(user_id: i64, label: &str, client_addr: Option<IpAddr>) -> Self {
        Self {
            user_id: Some(user_id),
            label: label.to_owned(),
            client_addr,
            token: None,
        }
    }

    pub fn user(user: &types::CurrentUser, client_addr: Option<IpAddr>) -> Self {
        Self {
            user_id: Some(user.id),
            label: user.email.clone(),
            client_addr,
            token: None,
        }
    }
}

impl From<&crate::principal::Principal> for Actor {
    fn from(p: &crate::principal::Principal) -> Self {
        Self {
            user_id: p.user_id,
            label: p.label.clone(),
            client_addr: p.client_addr,
            token: p.token.as_ref().map(|t| t.public_id.clone()),
        }
    }
}

/// What an event is about: its kind and id, and how it reads in the log.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A token, by its public id.
    Token(&'a str),
    User {
        id: i64,
        label: &'a str,
    },
    Role {
        id: i64,
        name: &'a str,
    },
    Module(&'a str),
    /// A webhook endpoint, by its public id.
    Webhook(&'a str),
    /// A sign-in name that may belong to nobody (a failed or throttled sign-in).
    Account(&'a str),
    /// The instance itself (set-up).
    Instance,
}

impl Target<'_> {
    fn kind(self) -> &'static str {
        match self {
            Self::Token(_) => TargetKind::Token,
            Self::User { .. } => TargetKind::User,
            Self::Role { .. } => TargetKind::Role,
            Self::Module(_) => TargetKind::Module,
            Self::Webhook(_) => TargetKind::Webhook,
            Self::Account(_) => TargetKind::Account,
            Self::Instance => TargetKind::Instance,
        }
        .as_str()
    }

    fn id(self) -> Option<String> {
        match self {
            Self::Token(id) | Self::Module(id) | Self::Webhook(id) | Self::Account(id) => {
                Some(id.to_owned())
            }
            Self::User { id, .. } | Self::Role { id, .. } => Some(id.to_string()),
            Self::Instance => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match *self {
            Self::Token(id) | Self::Module(id) | Self::Webhook(id) | Self::Account(id) => Some(id),
            Self::User { label, .. } => Some(label),
            Self::Role { name, .. } => Some(name),
            Self::Instance => None,
        }
    }
}

/// Writes one event; returns its id.
pub async fn record<'e>(
    db: impl sqlx::PgExecutor<'e>,
    actor: &Actor,
    action: Event,
    target: Target<'_>,
    details: Value,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_events
             (actor_user_id, actor, action, target, client_addr, details, actor_token,
              target_kind, target_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(action.as_str())
    .bind(target.text())
    .bind(actor.client_addr.map(|a| a.to_string()))
    .bind(details)
    .bind(&actor.token)
    .bind(target.kind())
    .bind(target.id())
    .fetch_one(db)
    .await?)
}

/// Records an event that can repeat without end (refusals an attacker can provoke) at
/// most once per `key` and `window`; each repeat within the window adds one to the
/// recorded event's `details.repeated` instead of writing a row. Returns whether it was
/// recorded.
pub async fn record_once_per(
    pool: &PgPool,
    key: &str,
    window: chrono::Duration,
    actor: &Actor,
    action: Event,
    target: Target<'_>,
    details: Value,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let first: Option<i32> = sqlx::query_scalar(
        "INSERT INTO audit_quiet (key, until) VALUES ($1, now() + $2)
         ON CONFLICT (key) DO UPDATE SET until = excluded.until, event_id = NULL
             WHERE audit_quiet.until <= now()
         RETURNING 1",
    )
    .bind(key)
    .bind(window)
    .fetch_optional(&mut *tx)
    .await?;
    if first.is_some() {
        let id = record(&mut *tx, actor, action, target, details).await?;
        sqlx::query("UPDATE audit_quiet SET event_id = $2 WHERE key = $1")
            .bind(key)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "UPDATE audit_events e
             SET details = jsonb_set(e.details, '{repeated}',
                                     to_jsonb(COALESCE((e.details->>'repeated')::bigint, 0) + 1))
             FROM audit_quiet q WHERE q.key = $1 AND e.id = q.event_id",
        )
        .bind(key)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(first.is_some())
}

/// Deletes events older than `days` days, and quiet windows that have passed.
pub async fn prune(pool: &PgPool, days: Option<u32>) -> Result<u64> {
    sqlx::query("DELETE FROM audit_quiet WHERE until <= now()")
        .execute(pool)
        .await?;
    let Some(days) = days else { return Ok(0) };
    let deleted =
        sqlx::query("DELETE FROM audit_events WHERE at < now() - make_interval(days => $1)")
            .bind(days as i32)
            .execute(pool)
            .await?;
    Ok(deleted.rows_affected())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    actor_token: Option<String>,
    action: Event,
    target: Option<String>,
    target_kind: Option<String>,
    client_addr: Option<String>,
    details: Value,
}

impl From<Row> for AuditEvent {
    fn from(r: Row) -> Self {
        let actor = match r.actor_token {
            Some(token) => format!("{} via token {}", r.actor, types::tokens::masked(&token)),
            None => r.actor,
        };
        Self {
            id: r.id,
            at: r.at,
            actor,
            action: r.action,
            target: r.target,
            target_kind: r.target_kind.as_deref().and_then(TargetKind::parse),
            client_addr: r.client_addr,
            details: r.details,
        }
    }
}

/// The log, newest first, one page at a time, for those who may read it.
pub async fn list(pool: &PgPool, p: &Principal, filter: AuditFilter) -> Result<Page<AuditEvent>> {
    p.require(AUDIT_READ, "read the audit log")?;
    query(pool, filter).await
}

/// The latest `limit` events about `target` itself, newest first (for a token's page).
pub(crate) async fn history(
    pool: &PgPool,
    target: Target<'_>,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, actor, actor_token, action, target, target_kind, client_addr, details
         FROM audit_events WHERE target_kind = $1 AND target_id = $2
         ORDER BY id DESC LIMIT $3",
    )
    .bind(target.kind())
    .bind(target.id())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(AuditEvent::from).collect())
}

/// The events matching `filter`, newest first. Callers decide who may see them: [`list`]
/// for the whole log, a token's page for the token's own history.
async fn query(pool: &PgPool, filter: AuditFilter) -> Result<Page<AuditEvent>> {
    let (limit, before) = paging::bounds(filter.limit, filter.cursor.as_deref())?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, actor, actor_token, action, target, target_kind, client_addr, details
         FROM audit_events
         WHERE ($1::text IS NULL OR actor ILIKE $1)
           AND ($2::text IS NULL OR action = $2 OR action LIKE $2 || '%' AND right($2, 1) = '.')
           AND ($3::text IS NULL OR target = $3)
           AND ($4::timestamptz IS NULL OR at >= $4)
           AND ($5::timestamptz IS NULL OR at < $5)
           AND ($6::bigint IS NULL OR id < $6)
         ORDER BY id DESC LIMIT $7",
    )
    .bind(paging::like_pattern(filter.actor.as_deref()))
    .bind(paging::filter_text(filter.action.as_deref()))
    .bind(paging::filter_text(filter.target.as_deref()))
    .bind(filter.from)
    .bind(filter.to)
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    Ok(paging::paginate(rows, limit, |r| r.id))
}

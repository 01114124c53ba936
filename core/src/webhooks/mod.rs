//! Webhooks: endpoints administrators register (`webhooks:write`), and events written to
//! an outbox in the same transaction as the change they tell of ([`enqueue`]), so that an
//! event exists if and only if its change committed. [`deliver`] sends them.

pub mod deliver;
pub mod destinations;
pub mod expiry;

use crate::{
    audit::{self, Target},
    error::Result,
    fields,
    principal::Principal,
    secrets,
};
use base64::Engine;
use chrono::{DateTime, Utc};
use destinations::{Checked, Destinations};
use types::{
    events::{Event, Subscription},
    permissions::{WEBHOOKS_READ, WEBHOOKS_WRITE},
    webhooks::{
        CreatedWebhookEndpoint, NewWebhookEndpoint, RotatedSigningSecret, SecretRotation,
        WebhookDelivery, WebhookEndpoint,
    },
    AppError,
};

use serde_json::{json, Value};
use sqlx::PgPool;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const URL_MAX: usize = 2000;
const DESCRIPTION_MAX: usize = 500;
/// How many deliveries an endpoint's list shows.
const RECENT_DELIVERIES: i64 = 50;

#[derive(sqlx::FromRow)]
struct EndpointRow {
    public_id: String,
    url: String,
    description: String,
    events: Vec<Event>,
    created_at: DateTime<Utc>,
}

impl From<EndpointRow> for WebhookEndpoint {
    fn from(r: EndpointRow) -> Self {
        Self {
            id: r.public_id,
            url: r.url,
            description: r.description,
            events: r.events,
            created_at: r.created_at,
        }
    }
}

/// The `url` field: absolute `http` or `https`, with a host whose every address is one
/// deliveries may reach (see [`destinations`]).
async fn check_url(url: &str, destinations: &Destinations) -> Result<String, AppError> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        AppError::invalid(
            "url",
            "Give an absolute URL, like https://erp.example.com/hooks/latchkey.",
        )
    })?;
    let Some(host) = parsed
        .host_str()
        .filter(|_| matches!(parsed.scheme(), "http" | "https"))
    else {
        return Err(AppError::invalid(
            "url",
            "The URL must use http or https and name a host.",
        ));
    };
    if url.len() > URL_MAX {
        return Err(AppError::invalid(
            "url",
            format!("At most {URL_MAX} characters."),
        ));
    }
    match destinations.check_host(host).await {
        Checked::Allowed => Ok(url.to_owned()),
        Checked::Refused(refused) => Err(AppError::invalid(
            "url",
            format!(
                "{refused}: webhooks may not reach internal networks (an operator may allow \
                 one with LATCHKEY_WEBHOOK_ALLOWED_NETWORKS)."
            ),
        )),
        Checked::Unresolved(host) => Err(AppError::invalid(
            "url",
            format!("The host {host} cannot be resolved: check the URL."),
        )),
    }
}

/// A signing secret: 32 random bytes, as Standard Webhooks libraries take a key,
/// `whsec_<base64>`.
fn new_secret() -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(secrets::random_bytes::<32>())
    )
}

/// The `events` field: each event once, in the order given.
fn check_events(events: &[Subscription]) -> Result<Vec<Event>, AppError> {
    let mut out: Vec<Event> = Vec::new();
    for &Subscription(event) in events {
        if !out.contains(&event) {
            out.push(event);
        }
    }
    if out.is_empty() {
        return Err(AppError::invalid("events", "Choose at least one event."));
    }
    Ok(out)
}

/// Registers an endpoint, if its address is one deliveries may reach and fewer than
/// `max_endpoints` are registered; the answer holds its signing secret, this once.
pub async fn register(
    pool: &PgPool,
    p: &Principal,
    (destinations, max_endpoints): (&Destinations, u32),
    new: NewWebhookEndpoint,
) -> Result<CreatedWebhookEndpoint> {
    p.require(WEBHOOKS_WRITE, "register webhook endpoints")?;
    let url = check_url(&new.url, destinations).await?;
    let events = check_events(&new.events)?;
    let description = fields::text("description", new.description.as_deref(), DESCRIPTION_MAX)?;
    let public_id = format!("ep_{}", secrets::random_string(BASE62, 12));
    let secret = new_secret();
    let mut tx = pool.begin().await?;
    // Counted under a lock, so that two registrations cannot both take the last place.
    sqlx::query("LOCK TABLE webhook_endpoints IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let registered: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints")
        .fetch_one(&mut *tx)
        .await?;
    if registered >= i64::from(max_endpoints) {
        return Err(AppError::conflict(
            "url",
            format!(
                "This server takes at most {} webhook endpoints (LATCHKEY_WEBHOOK_MAX_ENDPOINTS): \
                 remove one first.",
                max_endpoints
            ),
        )
        .into());
    }
    let row: EndpointRow = sqlx::query_as(
        "INSERT INTO webhook_endpoints (public_id, url, description, events, secret, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING public_id, url, description, events, created_at",
    )
    .bind(&public_id)
    .bind(&url)
    .bind(&description)
    .bind(&events)
    .bind(&secret)
    .bind(p.user_id)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::WebhookCreated,
        Target::Webhook(&public_id),
        json!({ "url": url, "events": events }),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedWebhookEndpoint {
        secret,
        endpoint: row.into(),
    })
}

pub async fn list(pool: &PgPool, p: &Principal) -> Result<Vec<WebhookEndpoint>> {
    p.require(WEBHOOKS_READ, "see webhook endpoints")?;
    let rows: Vec<EndpointRow> = sqlx::query_as(
        "SELECT public_id, url, description, events, created_at FROM webhook_endpoints
         ORDER BY id DESC",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

async fn endpoint_row(pool: &PgPool, public_id: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM webhook_endpoints WHERE public_id = $1")
        .bind(public_id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound("That webhook endpoint".into()).into())
}

/// Removes an endpoint and its pending deliveries.
pub async fn delete(pool: &PgPool, p: &Principal, public_id: &str) -> Result<()> {
    p.require(WEBHOOKS_WRITE, "remove webhook endpoints")?;
    let mut tx = pool.begin().await?;
    let url: Option<String> =
        sqlx::query_scalar("DELETE FROM webhook_endpoints WHERE public_id = $1 RETURNING url")
            .bind(public_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(url) = url else {
        return Err(AppError::NotFound("That webhook endpoint".into()).into());
    };
    audit::record(
        &mut *tx,
        &p.into(),
        Event::WebhookDeleted,
        Target::Webhook(public_id),
        json!({ "url": url }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An endpoint's recent deliveries, newest first.
pub async fn deliveries(
    pool: &PgPool,
    p: &Principal,
    public_id: &str,
) -> Result<Vec<WebhookDelivery>> {
    p.require(WEBHOOKS_READ, "see webhook deliveries")?;
    let endpoint = endpoint_row(pool, public_id).await?;
    let rows: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT e.public_id AS event_id, e.kind, d.status, d.attempts, d.last_status_code,
                d.last_error, e.created_at, d.last_attempt_at,
                CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
                d.delivered_at
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         WHERE d.endpoint_id = $1 ORDER BY d.id DESC LIMIT $2",
    )
    .bind(endpoint)
    .bind(RECENT_DELIVERIES)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    event_id: String,
    kind: String,
    status: String,
    attempts: i32,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    last_attempt_at: Option<DateTime<Utc>>,
    next_attempt_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for WebhookDelivery {
    fn from(r: DeliveryRow) -> Self {
        Self {
            event_id: r.event_id,
            event: r.kind,
            status: r.status,
            attempts: r.attempts,
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            created_at: r.created_at,
            last_attempt_at: r.last_attempt_at,
            next_attempt_at: r.next_attempt_at,
            delivered_at: r.delivered_at,
        }
    }
}

/// Sends one of an endpoint's deliveries again, now (a failed one, or any).
pub async fn resend(pool: &PgPool, p: &Principal, public_id: &str, event_id: &str) -> Result<()> {
    p.require(WEBHOOKS_WRITE, "resend webhook deliveries")?;
    let endpoint = endpoint_row(pool, public_id).await?;
    let mut tx = pool.begin().await?;
    let found = sqlx::query(
        "UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now()
         FROM webhook_events e
         WHERE d.event_id = e.id AND d.endpoint_id = $1 AND e.public_id = $2",
    )
    .bind(endpoint)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    if found.rows_affected() == 0 {
        return Err(AppError::NotFound("That delivery".into()).into());
    }
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(deliver::CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// How many test events an endpoint may be sent in a minute.
pub const TESTS_PER_MINUTE: i64 = 5;

/// Sends a test event to one endpoint (through the outbox, like any other), at most
/// [`TESTS_PER_MINUTE`] a minute per endpoint; each is in the audit log.
pub async fn send_test(pool: &PgPool, p: &Principal, public_id: &str) -> Result<String> {
    p.require(WEBHOOKS_WRITE, "send test events")?;
    let mut tx = pool.begin().await?;
    let endpoint: Option<i64> =
        sqlx::query_scalar("SELECT id FROM webhook_endpoints WHERE public_id = $1 FOR UPDATE")
            .bind(public_id)
            .fetch_optional(&mut *tx)
            .await?;
    let endpoint = endpoint.ok_or_else(|| AppError::NotFound("That webhook endpoint".into()))?;
    let recent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         WHERE d.endpoint_id = $1 AND e.kind = $2 AND e.created_at > now() - interval '1 minute'",
    )
    .bind(endpoint)
    .bind(Event::WebhookTest.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if recent >= TESTS_PER_MINUTE {
        return Err(AppError::TooManyRequests(format!(
            "At most {TESTS_PER_MINUTE} test events a minute per endpoint: try again in a minute."
        ))
        .into());
    }
    let data = json!({ "endpoint": public_id, "actor": p.label });
    let (event_id, event_row) = insert_event(&mut tx, Event::WebhookTest, data).await?;
    sqlx::query("INSERT INTO webhook_deliveries (endpoint_id, event_id) VALUES ($1, $2)")
        .bind(endpoint)
        .bind(event_row)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::WebhookTested,
        Target::Webhook(public_id),
        json!({ "event": event_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(event_id)
}

/// Gives an endpoint a new signing secret, shown this once; deliveries are signed with the
/// previous one too until the overlap ends, so receivers switch without a gap.
pub async fn rotate_secret(
    pool: &PgPool,
    p: &Principal,
    public_id: &str,
    rotate: SecretRotation,
) -> Result<RotatedSigningSecret> {
    p.require(WEBHOOKS_WRITE, "rotate webhook signing secrets")?;
    let secret = new_secret();
    let mut tx = pool.begin().await?;
    let until: Option<DateTime<Utc>> = sqlx::query_scalar(
        "UPDATE webhook_endpoints
         SET previous_secret = secret, secret = $2,
             previous_secret_until = now() + make_interval(secs => $3)
         WHERE public_id = $1 RETURNING previous_secret_until",
    )
    .bind(public_id)
    .bind(&secret)
    .bind(rotate.overlap.seconds() as f64)
    .fetch_optional(&mut *tx)
    .await?;
    let until = until.ok_or_else(|| AppError::NotFound("That webhook endpoint".into()))?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::WebhookSecretRotated,
        Target::Webhook(public_id),
        json!({ "overlap": rotate.overlap.as_str(), "previous_valid_until": until }),
    )
    .await?;
    tx.commit().await?;
    Ok(RotatedSigningSecret {
        secret,
        previous_valid_until: until,
    })
}

/// Forgets the signing secrets whose rotation overlap has ended: a secret is kept no
/// longer than it signs.
pub async fn forget_previous_secrets(pool: &PgPool) -> Result<u64> {
    let forgotten = sqlx::query(
        "UPDATE webhook_endpoints SET previous_secret = NULL, previous_secret_until = NULL
         WHERE previous_secret_until <= now()",
    )
    .execute(pool)
    .await?;
    Ok(forgotten.rows_affected())
}

/// Writes an event, and a delivery for each endpoint that asked for its kind, inside the
/// caller's transaction: it is sent if and only if the change commits. Returns the event's
/// id (`msg_…`).
pub async fn enqueue(tx: &mut sqlx::PgConnection, kind: Event, data: Value) -> Result<String> {
    let (event_id, row) = insert_event(tx, kind, data).await?;
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id)
         SELECT id, $1 FROM webhook_endpoints WHERE $2 = ANY(events)",
    )
    .bind(row)
    .bind(kind.as_str())
    .execute(&mut *tx)
    .await?;
    Ok(event_id)
}

async fn insert_event(
    tx: &mut sqlx::PgConnection,
    kind: Event,
    data: Value,
) -> Result<(String, i64)> {
    let event_id = format!("msg_{}", secrets::random_string(BASE62, 24));
    // The Standard Webhooks payload: type, timestamp, data.
    let payload = json!({
        "type": kind.as_str(),
        "timestamp": Utc::now(),
        "data": data,
    });
    let row: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_events (public_id, kind, payload) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&event_id)
    .bind(kind.as_str())
    .bind(&payload)
    .fetch_one(&mut *tx)
    .await?;
    // Wakes the delivery workers when the transaction commits (and not before).
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(deliver::CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok((event_id, row))
}

/// What a token event says of the token: who and what, never a secret.
pub fn token_data(
    public_id: &str,
    name: &str,
    owner: &types::tokens::OwnerRef,
    actor: &str,
) -> Value {
    json!({
        "token": { "id": public_id, "name": name },
        "owner": { "id": owner.id, "display_name": owner.display_name, "email": owner.email },
        "actor": actor,
    })
}

//! The delivery worker: takes due deliveries from the outbox and sends them, signed the
//! Standard Webhooks way, retrying with exponential backoff for up to 24 hours.
//!
//! Each instance runs [`WORKERS`] workers. A worker takes a delivery by leasing it (see
//! [`CLAIM`]: `FOR UPDATE SKIP LOCKED`, then `lease_until`, in one statement), and only
//! an endpoint's oldest pending delivery, not leased, is eligible: so with any number of
//! instances and workers, an endpoint gets one delivery at a time, in order, no two
//! workers send the same one, and a slow endpoint holds up only itself. No database
//! connection is held during an attempt. Should an instance die mid-attempt, another
//! sends the delivery again when its lease ends (receivers dedupe by `webhook-id`).
//! New deliveries wake the workers through a notice sent on commit; a worker also looks
//! every second, for retries that fall due ([`outbox::drain`]).

use super::destinations::{self, Destinations};
use crate::{error::Result, outbox};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use std::net::IpAddr;
use std::time::Duration;
use types::{
    events::Event,
    permissions::{grants, AUDIT_READ, USERS_READ},
};

/// Where [`super::enqueue`] announces new deliveries.
pub const CHANNEL: &str = "latchkey_webhooks";
/// How long an attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `webhook-signature` of a delivery, by the Standard Webhooks reference library: `v1,`
/// and the base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` under each secret given (the
/// current one, then during a rotation the previous one), space-separated. `None` when a
/// secret cannot be read.
pub fn sign(secrets: &[&str], event_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let signatures = secrets
        .iter()
        .map(|secret| {
            let key = secret.strip_prefix("whsec_")?;
            standardwebhooks::Webhook::new(key)
                .ok()?
                .sign(event_id, timestamp, body.as_bytes())
                .ok()
        })
        .collect::<Option<Vec<String>>>()?;
    Some(signatures.join(" "))
}

/// What of an event the registrant may read, as the console would show it to them:
/// e-mail addresses need `users:read`, client addresses and user agents `audit:read`.
/// Whatever they may not read is left out, at any depth.
pub fn redact(payload: &mut Value, permissions: &[String]) {
    let emails = grants(permissions, USERS_READ);
    let clients = grants(permissions, AUDIT_READ);
    fn walk(v: &mut Value, emails: bool, clients: bool) {
        match v {
            Value::Object(map) => {
                map.retain(|key, _| match key.as_str() {
                    "email" => emails,
                    "address" | "client_addr" | "user_agent" => clients,
                    _ => true,
                });
                for v in map.values_mut() {
                    walk(v, emails, clients);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, emails, clients)),
            _ => {}
        }
    }
    walk(payload, emails, clients);
}

/// How long a taken delivery is left to its worker: longer than an attempt may take.
pub const LEASE_SECONDS: f64 = 30.0;

/// Takes the next delivery to send: among each endpoint's oldest pending delivery (found
/// through `webhook_deliveries_pending_idx`, one probe per endpoint) that is due and not
/// being sent, the one due first, leased for [`LEASE_SECONDS`] in one statement.
/// `$1`: the event kinds a lane keeps to, or null for any; `$2`: [`LEASE_SECONDS`].
pub const CLAIM: &str = "
    WITH heads AS (
        SELECT h.id
        FROM webhook_endpoints w
        CROSS JOIN LATERAL (
            SELECT x.id, x.next_attempt_at, x.lease_until FROM webhook_deliveries x
            WHERE x.endpoint_id = w.id AND x.status = 'pending'
            ORDER BY x.id LIMIT 1
        ) h
        WHERE h.next_attempt_at <= now() AND (h.lease_until IS NULL OR h.lease_until <= now())
    ),
    taken AS (
        SELECT d.id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
        WHERE d.id IN (SELECT id FROM heads)
          -- Checked again on the row as locked: another worker may have leased it since.
          AND d.status = 'pending' AND d.next_attempt_at <= now()
          AND (d.lease_until IS NULL OR d.lease_until <= now())
          AND ($1::text[] IS NULL OR e.kind = ANY($1))
        ORDER BY d.next_attempt_at, d.id
        LIMIT 1
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE webhook_deliveries d SET lease_until = now() + make_interval(secs => $2)
    FROM taken, webhook_events e,
         webhook_endpoints w
         LEFT JOIN users u ON u.id = w.created_by AND u.active
         LEFT JOIN roles r ON r.id = u.role_id
    WHERE d.id = taken.id AND e.id = d.event_id AND w.id = d.endpoint_id
    RETURNING d.id, d.attempts, e.public_id AS event_id, e.payload, e.created_at AS event_at,
              w.url, w.secret,
              CASE WHEN w.previous_secret_until > now() THEN w.previous_secret END
                  AS previous_secret,
              COALESCE(r.permissions, '{}') AS registrant_permissions";

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    attempts: i32,
    event_id: String,
    payload: Value,
    event_at: DateTime<Utc>,
    url: String,
    secret: String,
    /// During a rotation's overlap, the secret before: deliveries carry both signatures.
    previous_secret: Option<String>,
    /// What the person who registered the endpoint may read now (nothing once they are
    /// disabled or deleted): the payload carries no more.
    registrant_permissions: Vec<String>,
}

/// What one attempt came to.
struct Outcome {
    status_code: Option<i32>,
    error: Option<String>,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// How many deliveries an instance sends at once, to as many endpoints: a slow endpoint
/// holds up only its own deliveries.
pub const WORKERS: usize = 8;

/// Which deliveries a worker takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Any endpoint's next delivery.
    Any,
    /// Only security events (a canary tripped, a token leaked): one worker of each
    /// instance keeps to them, so they never wait behind other endpoints' slow deliveries.
    Security,
}

/// The events of [`Lane::Security`].
pub const SECURITY_EVENTS: [Event; 2] = [Event::CanaryTriggered, Event::TokenLeaked];

/// Runs the workers until the process ends, sending only where `destinations` allow:
/// [`WORKERS`] of them, the first keeping to [`Lane::Security`].
pub fn spawn(pool: PgPool, destinations: Destinations) -> tokio::task::JoinHandle<()> {
    let client = Client {
        http: destinations.client(
            ATTEMPT_TIMEOUT,
            concat!("Latchkey-Webhooks/", env!("CARGO_PKG_VERSION")),
        ),
        destinations,
    };
    tokio::spawn(outbox::drain(
        pool.clone(),
        CHANNEL,
        "webhook delivery",
        WORKERS,
        move |worker| {
            let (pool, client) = (pool.clone(), client.clone());
            let lane = if worker == 0 {
                Lane::Security
            } else {
                Lane::Any
            };
            async move { deliver_one(&pool, &client, lane).await }
        },
    ))
}

/// Sends one due delivery of `lane`, if there is one; `true` when it did.
///
/// Only an endpoint's oldest pending delivery may be sent (one at a time per endpoint, in
/// order). The heads are found endpoint by endpoint through the pending index, so taking
/// the next delivery costs about the same with a backlog of 100,000 as with 10: it grows
/// with the number of endpoints, not with what waits behind them.
pub async fn deliver_one(pool: &PgPool, client: &Client, lane: Lane) -> Result<bool> {
    let kinds: Option<Vec<&str>> =
        (lane == Lane::Security).then(|| SECURITY_EVENTS.iter().map(|k| k.as_str()).collect());
    let due: Option<Due> = sqlx::query_as(CLAIM)
        .bind(kinds)
        .bind(LEASE_SECONDS)
        .fetch_optional(pool)
        .await?;
    let Some(due) = due else {
        return Ok(false);
    };
    let outcome = attempt(client, &due).await;
    let attempts = due.attempts + 1;
    if outcome.delivered() {
        sqlx::query(
            "UPDATE webhook_deliveries
             SET status = 'delivered', attempts = $2, last_status_code = $3, last_error = NULL,
                 last_attempt_at = now(), delivered_at = now(), lease_until = NULL
             WHERE id = $1",
        )
        .bind(due.id)
        .bind(attempts)
        .bind(outcome.status_code)
        .execute(pool)
        .await?;
    } else {
        let given_up = outbox::past_retrying(due.event_at);
        sqlx::query(
            "UPDATE webhook_deliveries
             SET status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END,
                 attempts = $2, last_status_code = $3, last_error = $4, last_attempt_at = now(),
                 next_attempt_at = now() + make_interval(secs => $6), lease_until = NULL
             WHERE id = $1",
        )
        .bind(due.id)
        .bind(attempts)
        .bind(outcome.status_code)
        .bind(&outcome.error)
        .bind(given_up)
        .bind(outbox::backoff(attempts).as_secs_f64())
        .execute(pool)
        .await?;
    }
    Ok(true)
}

/// The delivery client, and the rules it sends by.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    destinations: Destinations,
}

/// The answer of an attempt that sent nothing: the destination is not allowed.
fn not_allowed() -> Outcome {
    Outcome {
        status_code: None,
        error: Some("address not allowed".into()),
    }
}

async fn attempt(client: &Client, due: &Due) -> Outcome {
    // An address written in the URL is checked here; a name, by the client's resolver,
    // which connects only to the addresses it checked.
    let Some(host) = reqwest::Url::parse(&due.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
    else {
        return not_allowed();
    };
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    if literal.is_some_and(|a| client.destinations.refusal(a).is_some()) {
        return not_allowed();
    }
    let mut payload = due.payload.clone();
    redact(&mut payload, &due.registrant_permissions);
    let body = payload.to_string();
    let timestamp = Utc::now().timestamp();
    let mut secrets = vec![due.secret.as_str()];
    secrets.extend(due.previous_secret.as_deref());
    let Some(signature) = sign(&secrets, &due.event_id, timestamp, &body) else {
        return Outcome {
            status_code: None,
            error: Some("the endpoint's signing secret cannot be read".into()),
        };
    };
    let sent = client
        .http
        .post(&due.url)
        .header("content-type", "application/json")
        .header("webhook-id", &due.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            Outcome {
                status_code: Some(i32::from(status.as_u16())),
                error: (!status.is_success()).then(|| format!("answered {status}")),
            }
        }
        Err(e) if destinations::refused_in(&e).is_some() => not_allowed(),
        Err(e) => Outcome {
            status_code: None,
            error: Some(if e.is_timeout() {
                "no answer within 10 seconds".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                "the request failed".to_owned()
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_that_is_not_one_signs_nothing() {
        assert!(sign(&["not a secret"], "msg_1", 1, "{}").is_none());
        let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert!(sign(&[key], "msg_1", 1, "{}").is_some());
        let both = sign(&[key, key], "msg_1", 1, "{}").unwrap();
        assert_eq!(both.split(' ').count(), 2);
    }

    #[test]
    fn a_registrant_reads_only_what_their_permissions_show() {
        let event = || {
            serde_json::json!({ "data": {
                "owner": { "id": 1, "display_name": "Ada", "email": "ada@example.com" },
                "client_addr": "203.0.113.9", "user_agent": "curl/8",
                "tokens": [{ "id": "x", "address": "198.51.100.1" }],
            }})
        };
        let mut none = event();
        redact(&mut none, &[]);
        assert_eq!(
            none,
            serde_json::json!({ "data": {
                "owner": { "id": 1, "display_name": "Ada" },
                "tokens": [{ "id": "x" }],
            }})
        );
        let mut all = event();
        redact(&mut all, &["users:read".into(), "audit:read".into()]);
        assert_eq!(all, event());
    }
}

//! The delivery worker: takes due deliveries from the outbox and sends them, signed the
//! Standard Webhooks way, retrying with exponential backoff for up to 24 hours.
//!
//! Each delivery is taken with `FOR UPDATE SKIP LOCKED` inside a transaction that lasts
//! until its attempt is written, and only an endpoint's oldest pending delivery is
//! eligible: so with any number of instances, an endpoint gets one delivery at a time, in
//! order, and no two instances send the same one. Should an instance die mid-attempt, the
//! transaction rolls back and another sends it again (receivers dedupe by `webhook-id`).
//! New deliveries wake the workers through a notice sent on commit; a worker also looks
//! every second, for retries that fall due ([`outbox::drain`]).

use super::destinations::{self, Destinations};
use crate::{error::Result, outbox};
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use sqlx::PgPool;
use std::net::IpAddr;
use std::time::Duration;

/// Where [`super::enqueue`] announces new deliveries.
pub const CHANNEL: &str = "latchkey_webhooks";
/// How long an attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The signature of a delivery: `v1,<base64 of HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
/// the key being the base64 after `whsec_`. `None` for a secret that is not one.
pub fn sign(secret: &str, event_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_")?)
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{event_id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    attempts: i32,
    event_id: String,
    payload: Value,
    event_at: DateTime<Utc>,
    url: String,
    secret: String,
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

/// Runs the worker until the process ends, sending only where `destinations` allow.
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
        move || {
            let (pool, client) = (pool.clone(), client.clone());
            async move { deliver_one(&pool, &client).await }
        },
    ))
}

/// Sends one due delivery, if there is one; `true` when it did.
pub async fn deliver_one(pool: &PgPool, client: &Client) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let due: Option<Due> = sqlx::query_as(
        "SELECT d.id, d.attempts, e.public_id AS event_id, e.payload, e.created_at AS event_at,
                w.url, w.secret
         FROM webhook_deliveries d
         JOIN webhook_events e ON e.id = d.event_id
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= now()
           AND d.id = (SELECT min(x.id) FROM webhook_deliveries x
                       WHERE x.endpoint_id = d.endpoint_id AND x.status = 'pending')
         ORDER BY d.next_attempt_at, d.id
         LIMIT 1
         FOR UPDATE OF d SKIP LOCKED",
    )
    .fetch_optional(&mut *tx)
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
                 last_attempt_at = now(), delivered_at = now()
             WHERE id = $1",
        )
        .bind(due.id)
        .bind(attempts)
        .bind(outcome.status_code)
        .execute(&mut *tx)
        .await?;
    } else {
        let given_up = outbox::past_retrying(due.event_at);
        sqlx::query(
            "UPDATE webhook_deliveries
             SET status = CASE WHEN $5 THEN 'failed' ELSE 'pending' END,
                 attempts = $2, last_status_code = $3, last_error = $4, last_attempt_at = now(),
                 next_attempt_at = now() + make_interval(secs => $6)
             WHERE id = $1",
        )
        .bind(due.id)
        .bind(attempts)
        .bind(outcome.status_code)
        .bind(&outcome.error)
        .bind(given_up)
        .bind(outbox::backoff(attempts).as_secs_f64())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
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
    let body = due.payload.to_string();
    let timestamp = Utc::now().timestamp();
    let Some(signature) = sign(&due.secret, &due.event_id, timestamp, &body) else {
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
        assert!(sign("not a secret", "msg_1", 1, "{}").is_none());
        assert!(sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1, "{}").is_some());
    }
}

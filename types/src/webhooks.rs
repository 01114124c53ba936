//! Webhook endpoints and their deliveries, as the REST API shows them. Deliveries follow
//! the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256>`), so receivers verify them with existing
//! libraries.

use crate::events::{Event, Subscription};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A registered endpoint (never its signing secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// The endpoint's id, e.g. `ep_Ab12Cd34Ef56`.
    pub id: String,
    pub url: String,
    pub description: String,
    /// The events it receives.
    pub events: Vec<Event>,
    pub created_at: DateTime<Utc>,
}

/// What registering an endpoint asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// An `http` or `https` URL, up to 2,000 characters.
    #[cfg_attr(
        feature = "server",
        schema(max_length = 2000, pattern = r"^https?://[^\s]+$")
    )]
    pub url: String,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 500))]
    pub description: Option<String>,
    /// One or more of `token.created`, `token.revoked`, `token.rolled`, `token.expiring`
    /// (30, 7 and 1 days before), `token.expired`, `canary.triggered`, `token.leaked`,
    /// `token.used_after_replacement`, `token.refused_address`,
    /// `token.used_from_new_address`, `user.disabled`, `role.changed`.
    #[cfg_attr(feature = "server", schema(min_items = 1))]
    pub events: Vec<Subscription>,
}

/// A new endpoint: the only time its signing secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreatedWebhookEndpoint {
    /// The signing secret, `whsec_<base64>`, as Standard Webhooks libraries take it.
    pub secret: String,
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
}

/// What rotating an endpoint's signing secret asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecretRotation {
    /// How long deliveries are signed with the previous secret too: `now`, `1h`, `24h`
    /// (default) or `7d`.
    #[serde(default)]
    pub overlap: crate::tokens::Overlap,
}

/// A rotated signing secret: the only time the new one is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RotatedSigningSecret {
    /// The new signing secret, `whsec_<base64>`.
    pub secret: String,
    /// Until when deliveries also carry a signature with the previous secret.
    pub previous_valid_until: DateTime<Utc>,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The event's id: the `webhook-id` header, the same on every attempt.
    pub event_id: String,
    /// The event's type, e.g. `token.revoked`.
    pub event: String,
    /// `pending` (to be tried, or tried again), `delivered` or `failed` (gave up after
    /// 24 hours of retries).
    pub status: String,
    pub attempts: i32,
    /// The receiver's answer to the last attempt; `null` when it could not be reached.
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

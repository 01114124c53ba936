//! `/webhooks`: register endpoints, list them and their deliveries, send a test event,
//! rotate a signing secret.

use super::{extract::ApiJson, ApiResult, Bearer};
use crate::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use latchkey_core::webhooks;
use serde::Serialize;
use types::webhooks::{
    CreatedWebhookEndpoint, NewWebhookEndpoint, RotatedSigningSecret, SecretRotation,
    WebhookDelivery, WebhookEndpoint,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(delete_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(send_test))
        .routes(routes!(resend_delivery))
        .routes(routes!(rotate_secret))
}

/// List the registered endpoints (never their secrets).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    security(("bearer" = ["webhooks:read"])),
    responses((status = 200, body = Vec<WebhookEndpoint>)))]
async fn list_webhooks(
    State(state): State<AppState>,
    auth: Bearer,
) -> ApiResult<Json<Vec<WebhookEndpoint>>> {
    Ok(Json(webhooks::list(&state.pool, &auth.principal).await?))
}

/// Register an endpoint for some events. The answer holds its signing secret, this once.
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = NewWebhookEndpoint,
    security(("bearer" = ["webhooks:write"])),
    responses((status = 201, body = CreatedWebhookEndpoint, description = "Registered; the secret is shown this once"),
              (status = 409, description = "The server takes no more endpoints (LATCHKEY_WEBHOOK_MAX_ENDPOINTS)")))]
async fn create_webhook(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewWebhookEndpoint>,
) -> ApiResult<(StatusCode, Json<CreatedWebhookEndpoint>)> {
    let created = webhooks::register(
        &state.pool,
        &auth.principal,
        state.settings.webhook_limits(),
        new,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Remove an endpoint; its deliveries not yet made are dropped.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id, ep_…")),
    security(("bearer" = ["webhooks:write"])),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such endpoint")))]
async fn delete_webhook(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    webhooks::delete(&state.pool, &auth.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An endpoint's 50 most recent deliveries: status, attempts, the receiver's last answer.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id, ep_…")),
    security(("bearer" = ["webhooks:read"])),
    responses((status = 200, body = Vec<WebhookDelivery>), (status = 404, description = "No such endpoint")))]
async fn list_deliveries(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<WebhookDelivery>>> {
    Ok(Json(
        webhooks::deliveries(&state.pool, &auth.principal, &id).await?,
    ))
}

/// The id of an event queued for delivery.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Queued {
    /// The event's id: its deliveries carry it as `webhook-id`.
    pub event_id: String,
}

/// Send a `webhook.test` event to this endpoint.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id, ep_…")),
    security(("bearer" = ["webhooks:write"])),
    responses((status = 202, body = Queued, description = "Queued for delivery"), (status = 404, description = "No such endpoint"),
              (status = 429, description = "At most 5 test events a minute per endpoint: try again in a minute")))]
async fn send_test(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let event_id = webhooks::send_test(&state.pool, &auth.principal, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { event_id })))
}

/// Send one of an endpoint's deliveries again, now (with the same `webhook-id`).
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{event_id}/resend", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id, ep_…"),
           ("event_id" = String, Path, description = "The event's id, msg_…")),
    security(("bearer" = ["webhooks:write"])),
    responses((status = 202, description = "Queued for delivery"),
              (status = 404, description = "No such endpoint, or no such event delivered to it")))]
async fn resend_delivery(
    State(state): State<AppState>,
    auth: Bearer,
    Path((id, event_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    webhooks::resend(&state.pool, &auth.principal, &id, &event_id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Give an endpoint a new signing secret, shown this once. Until the overlap ends (24 hours
/// by default) each delivery carries two signatures, with the new secret and the previous
/// one, so the receiver can switch without missing an event.
#[utoipa::path(post, path = "/webhooks/{id}/secret", tag = "webhooks",
    request_body = SecretRotation,
    params(("id" = String, Path, description = "The endpoint's id, ep_…")),
    security(("bearer" = ["webhooks:write"])),
    responses((status = 200, body = RotatedSigningSecret, description = "Rotated; the new secret is shown this once"),
              (status = 404, description = "No such endpoint")))]
async fn rotate_secret(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
    ApiJson(rotate): ApiJson<SecretRotation>,
) -> ApiResult<Json<RotatedSigningSecret>> {
    Ok(Json(
        webhooks::rotate_secret(&state.pool, &auth.principal, &id, rotate).await?,
    ))
}

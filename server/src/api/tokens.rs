//! `/tokens`: create, list, read and revoke tokens, and introspect other tokens.

use super::{
    extract::{ApiJson, ApiQuery},
    ApiResult, Bearer,
};
use crate::{tokens, AppState};
use app::{
    permissions::TOKENS_INTROSPECT,
    tokens::{CreatedToken, NewToken, OwnerRef, TokenFilter, TokenSummary},
    Page,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens))
        .routes(routes!(create_token))
        .routes(routes!(get_token))
        .routes(routes!(revoke_token))
        .routes(routes!(introspect))
}

/// List tokens, newest first: your own, or everyone's with tokens:admin.
#[utoipa::path(get, path = "/tokens", tag = "tokens", params(TokenFilter),
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = Page<TokenSummary>)))]
async fn list_tokens(
    State(state): State<AppState>,
    auth: Bearer,
    ApiQuery(filter): ApiQuery<TokenFilter>,
) -> ApiResult<Json<Page<TokenSummary>>> {
    Ok(Json(
        tokens::list(&state.pool, &auth.principal, filter).await?,
    ))
}

/// Create a token. The answer holds its plaintext, this once.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken,
    security(("bearer" = ["tokens:write"])),
    responses((status = 201, body = CreatedToken, description = "The token; its plaintext is shown this once"),
              (status = 409, description = "The owner has a live token of that name"),
              (status = 422, description = "A field breaks a rule")))]
async fn create_token(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let policy = state.settings.token_policy();
    let created = tokens::create(&state.pool, &policy, &auth.principal, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Read one token (never its secret).
#[utoipa::path(get, path = "/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = TokenSummary), (status = 404, description = "No such token of yours")))]
async fn get_token(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenSummary>> {
    Ok(Json(tokens::get(&state.pool, &auth.principal, &id).await?))
}

/// Revoke a token: it is refused from the next request on.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    security(("bearer" = ["tokens:write"])),
    responses((status = 204, description = "Revoked: refused from the next request on"),
              (status = 404, description = "No such token of yours")))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    tokens::revoke(&state.pool, &auth.principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectRequest {
    pub token: String,
}

/// After RFC 7662: whether a token is active, and what it may do.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Introspection {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The effective scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Ask whether another token is active and what it may do (RFC 7662).
#[utoipa::path(post, path = "/tokens/introspect", tag = "tokens", request_body = IntrospectRequest,
    security(("bearer" = ["tokens:introspect"])),
    responses((status = 200, body = Introspection)))]
async fn introspect(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(req): ApiJson<IntrospectRequest>,
) -> ApiResult<Json<Introspection>> {
    auth.principal
        .require(TOKENS_INTROSPECT, "verify other tokens")?;
    let answer = match tokens::verify::verify(&state.pool, &req.token).await? {
        Ok(v) => {
            state.usage.record(v.token_row, None);
            Introspection {
                active: true,
                token_id: Some(v.public_id),
                name: Some(v.name),
                scopes: Some(v.effective),
                owner: Some(v.owner),
                expires_at: v.expires_at,
            }
        }
        Err(_) => Introspection::default(),
    };
    Ok(Json(answer))
}

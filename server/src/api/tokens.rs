//! `/tokens`: create, list, read and revoke tokens, and introspect other tokens.

use super::{
    extract::{ApiJson, ApiQuery},
    ApiError, ApiResult, Bearer,
};
use crate::AppState;
use axum::{
    extract::{FromRequest, Path, Request, State},
    http::{header, HeaderMap, StatusCode},
    Form, Json,
};
use chrono::{DateTime, Utc};
use latchkey_core::tokens::{
    self,
    verify::{Rejection, Verified},
};
use serde::{Deserialize, Serialize};
use types::{
    permissions::TOKENS_INTROSPECT,
    tokens::{
        CreatedToken, Identified, IdentifyToken, NewCanary, NewToken, OwnerRef, Revoked, RollToken,
        RolledToken, TokenFilter, TokenSummary, TokenUsage,
    },
    Page,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens))
        .routes(routes!(create_token))
        .routes(routes!(create_canary))
        .routes(routes!(identify_token))
        .routes(routes!(get_token))
        .routes(routes!(revoke_token))
        .routes(routes!(roll_token))
        .routes(routes!(roll_self))
        .routes(routes!(token_usage))
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
              (status = 404, description = "The owner does not exist"),
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

/// Create a canary token: no scopes, never authorizes anything; any use is answered 401
/// like an invalid token and fires `canary.triggered`. The answer holds its plaintext,
/// this once: plant it in a config file, CI variable or wiki.
#[utoipa::path(post, path = "/tokens/canaries", tag = "tokens", request_body = NewCanary,
    security(("bearer" = ["tokens:write"])),
    responses((status = 201, body = CreatedToken, description = "The canary; its plaintext is shown this once"),
              (status = 409, description = "The owner has a live token of that name"),
              (status = 404, description = "The owner does not exist")))]
async fn create_canary(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewCanary>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let policy = state.settings.token_policy();
    let created = tokens::create_canary(&state.pool, &policy, &auth.principal, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// "Is this ours?": which token a pasted token (or its public id) is, with its owner,
/// status and last use; a whole token whose checksum holds but whose id is unknown says so.
/// Only the public id is looked up; the secret is never stored or logged.
#[utoipa::path(post, path = "/tokens/identify", tag = "tokens", request_body = IdentifyToken,
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = Identified)))]
async fn identify_token(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(req): ApiJson<IdentifyToken>,
) -> ApiResult<Json<Identified>> {
    Ok(Json(
        tokens::identify(&state.pool, &auth.principal, &req.token).await?,
    ))
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

/// Revoke a token: it is refused from the next request on, by every instance. The answer
/// says how many running instances confirmed dropping it, and how fast the slowest did.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    security(("bearer" = ["tokens:write"])),
    responses((status = 200, body = Revoked, description = "Revoked, with the receipt of every running instance"),
              (status = 404, description = "No such token of yours")))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<Revoked>> {
    Ok(Json(
        tokens::revocation::revoke_everywhere(&state.pool, &state.verifier, &auth.principal, &id)
            .await?,
    ))
}

/// Roll a token: a new one with the same name, owner, scopes and allowlist (or narrower),
/// while the old one keeps working for the overlap window (24 hours unless asked) and is
/// then refused as replaced. The answer holds the new token's plaintext, this once.
#[utoipa::path(post, path = "/tokens/{id}/roll", tag = "tokens", request_body = RollToken,
    params(("id" = String, Path, description = "The public id of the token to roll")),
    security(("bearer" = ["tokens:write"])),
    responses((status = 201, body = RolledToken, description = "The new token (its plaintext shown this once) and the old one, rolling over"),
              (status = 404, description = "No such token of yours"),
              (status = 409, description = "The token is revoked, expired or already rolled")))]
async fn roll_token(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
    ApiJson(roll): ApiJson<RollToken>,
) -> ApiResult<(StatusCode, Json<RolledToken>)> {
    rolled(&state, &auth, tokens::ToRoll::Id(&id), roll).await
}

/// Roll the token this request is made with, whatever its scopes: how an integration
/// rotates its own token. Same body and answer as rolling by id.
#[utoipa::path(post, path = "/tokens/self/roll", tag = "tokens", request_body = RollToken,
    security(("bearer" = [])),
    responses((status = 201, body = RolledToken, description = "The new token (its plaintext shown this once) and the old one, rolling over"),
              (status = 409, description = "The token was already rolled")))]
async fn roll_self(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(roll): ApiJson<RollToken>,
) -> ApiResult<(StatusCode, Json<RolledToken>)> {
    rolled(&state, &auth, tokens::ToRoll::Itself, roll).await
}

/// Both roll operations' answer: 201 with the new token.
async fn rolled(
    state: &AppState,
    auth: &Bearer,
    which: tokens::ToRoll<'_>,
    roll: RollToken,
) -> ApiResult<(StatusCode, Json<RolledToken>)> {
    let rolled = tokens::roll(state, &auth.principal, which, roll).await?;
    Ok((StatusCode::CREATED, Json(rolled)))
}

/// How much a token was used: requests per day (UTC) over the last 90 days.
#[utoipa::path(get, path = "/tokens/{id}/usage", tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = TokenUsage), (status = 404, description = "No such token of yours")))]
async fn token_usage(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenUsage>> {
    Ok(Json(
        tokens::usage(&state.pool, &auth.principal, &id).await?,
    ))
}

/// What an introspection asks: the token, and optionally what kind it is (RFC 7662
/// section 2.1). Sent form-encoded, as the RFC has it, or as JSON.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IntrospectRequest {
    pub token: String,
    /// `access_token` or nothing: every Latchkey token is one, so the hint is not needed.
    #[serde(default)]
    #[allow(dead_code)]
    pub token_type_hint: Option<String>,
}

/// RFC 7662 section 2.2: an active token's members, with Latchkey's own beside them. An
/// inactive, unknown, malformed, expired or revoked token is exactly `{"active": false}`.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Introspection {
    pub active: bool,
    /// The effective scopes, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Always `bearer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// The owner's user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The owner's email, or their display name when they have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// When the token was made, in seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// When it expires, in seconds since the epoch; absent when it never does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// The token's public id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
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
    /// The addresses and CIDR ranges the token may be used from; empty for anywhere. A
    /// service that verifies tokens this way should refuse requests from elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_ips: Option<Vec<String>>,
}

impl Introspection {
    fn active(v: Verified) -> Self {
        Self {
            active: true,
            scope: Some(v.effective.join(" ")),
            token_type: Some("bearer".into()),
            sub: Some(v.owner.id.to_string()),
            username: Some(
                v.owner
                    .email
                    .clone()
                    .unwrap_or_else(|| v.owner.display_name.clone()),
            ),
            iat: Some(v.created_at.timestamp()),
            exp: v.expires_at.map(|at| at.timestamp()),
            jti: Some(v.public_id.clone()),
            token_id: Some(v.public_id),
            name: Some(v.name),
            scopes: Some(v.effective),
            owner: Some(v.owner),
            expires_at: v.expires_at,
            allowed_ips: Some(v.allowed_ips),
        }
    }
}

const INTROSPECT_PATH: &str = "/api/v1/tokens/introspect";

/// An introspection request, form-encoded (RFC 7662) or JSON.
pub struct IntrospectBody(IntrospectRequest);

impl<S: Send + Sync> FromRequest<S> for IntrospectBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if form {
            let Form(body) = Form::<IntrospectRequest>::from_request(req, state).await?;
            Ok(Self(body))
        } else {
            let ApiJson(body) = ApiJson::<IntrospectRequest>::from_request(req, state).await?;
            Ok(Self(body))
        }
    }
}

/// Ask whether another token is active and what it may do (RFC 7662). Standard clients
/// may authenticate with HTTP Basic, the caller's token as the password.
#[utoipa::path(post, path = "/tokens/introspect", tag = "tokens",
    request_body(content(
        (IntrospectRequest = "application/x-www-form-urlencoded"),
        (IntrospectRequest = "application/json"),
    )),
    security(("bearer" = ["tokens:introspect"])),
    responses((status = 200, body = Introspection)))]
async fn introspect(
    State(state): State<AppState>,
    auth: Bearer,
    headers: HeaderMap,
    IntrospectBody(req): IntrospectBody,
) -> ApiResult<Json<Introspection>> {
    auth.principal
        .require(TOKENS_INTROSPECT, "verify other tokens")?;
    let answer = match state
        .verifier
        .verify(&req.token, auth.principal.client_addr)
        .await?
    {
        Ok(v) => {
            // The introspecting service is not the token's client: counted, not described.
            state.usage.record(v.token_row, Default::default());
            Introspection::active(v)
        }
        Err(throttled @ Rejection::Throttled { .. }) => return Err(ApiError::Token(throttled)),
        Err(Rejection::Canary) => {
            // Found by the service asking: its address and agent are what is known.
            let seen = super::canary_use(&headers, auth.principal.client_addr, INTROSPECT_PATH);
            latchkey_core::tokens::canary::tripped(&state.pool, &req.token, seen);
            Introspection::default()
        }
        Err(_) => Introspection::default(),
    };
    Ok(Json(answer))
}

//! The REST API integrations call: `/api/v1`, JSON, `Authorization: Bearer <token>`.
//! Handlers are thin: they name the scope they need and hand over to the module that
//! owns the rules, which checks the token's effective scopes itself.

mod auth;
mod openapi;
mod problem;

pub use auth::Bearer;
pub use openapi::reference;
pub use problem::{ApiError, ApiResult};

use crate::{audit, modules, roles, tokens, users, AppState};
use app::{
    audit::{AuditEvent, AuditFilter},
    directory::{
        Module, NewModule, NewRole, NewUser, Role, RolePatch, UserFilter, UserPatch, UserSummary,
    },
    permissions::*,
    tokens::{CreatedToken, NewToken, OwnerRef, TokenFilter, TokenSummary},
    AppError, Page,
};
use axum::{
    extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State},
    http::{request::Parts, StatusCode},
    middleware,
    routing::{get, post},
    Json, Router,
};
use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub const BODY_LIMIT: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/introspect", post(introspect))
        .route("/tokens/{id}", get(get_token).delete(revoke_token))
        .route("/users", get(list_users).post(create_user))
        .route(
            "/users/{id}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/roles", get(list_roles).post(create_role))
        .route(
            "/roles/{id}",
            get(get_role).patch(update_role).delete(delete_role),
        )
        .route("/modules", get(list_modules).post(create_module))
        .route("/audit", get(list_audit))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError::App(AppError::NotFound("That API path".into())) })
        .layer(middleware::from_fn(auth::scope_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// A JSON body whose every failure (syntax, types, unknown fields, size) is a problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self(Json::<T>::from_request(req, state).await?.0))
    }
}

/// Query parameters whose failures are problems too.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Ok(Self(Query::<T>::from_request_parts(parts, state).await?.0))
    }
}

fn id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::App(AppError::NotFound(what.into())))
}

/// The calling token and its owner.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Me {
    pub token: MeToken,
    pub owner: OwnerRef,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeToken {
    pub id: String,
    pub name: String,
    /// What the token was given.
    pub scopes: Vec<String>,
    /// What it may do now: its scopes as far as its owner's current role allows.
    pub effective_scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The calling token and its owner: who you are and what you may do.
#[utoipa::path(get, path = "/api/v1/me", tag = "tokens",
    security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "Missing or invalid token")))]
async fn me(auth: Bearer) -> Json<Me> {
    auth.accepts("");
    let v = auth.verified;
    Json(Me {
        token: MeToken {
            id: v.public_id,
            name: v.name,
            scopes: v.scopes,
            effective_scopes: v.effective,
            expires_at: v.expires_at,
        },
        owner: v.owner,
    })
}

/// List tokens, newest first: your own, or everyone's with tokens:admin.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenFilter),
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = Page<TokenSummary>)))]
async fn list_tokens(
    State(state): State<AppState>,
    auth: Bearer,
    ApiQuery(filter): ApiQuery<TokenFilter>,
) -> ApiResult<Json<Page<TokenSummary>>> {
    let p = auth.accepts(TOKENS_READ);
    Ok(Json(tokens::list(&state.pool, p, filter).await?))
}

/// Create a token. The answer holds its plaintext, this once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken,
    security(("bearer" = ["tokens:write"])),
    responses((status = 201, body = CreatedToken, description = "The token; its plaintext is shown this once"),
              (status = 409, description = "The owner has a live token of that name"),
              (status = 422, description = "A field breaks a rule")))]
async fn create_token(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let p = auth.accepts(TOKENS_WRITE);
    Ok((
        StatusCode::CREATED,
        Json(tokens::create(&state, p, new).await?),
    ))
}

/// Read one token (never its secret).
#[utoipa::path(get, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = TokenSummary), (status = 404, description = "No such token of yours")))]
async fn get_token(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenSummary>> {
    let p = auth.accepts(TOKENS_READ);
    Ok(Json(tokens::get(&state.pool, p, &id).await?))
}

/// Revoke a token: it is refused from the next request on.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's public id")),
    security(("bearer" = ["tokens:write"])),
    responses((status = 204, description = "Revoked: refused from the next request on"),
              (status = 404, description = "No such token of yours")))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Bearer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let p = auth.accepts(TOKENS_WRITE);
    tokens::revoke(&state.pool, p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectRequest {
    pub token: String,
}

/// After RFC 7662: whether a token is active, and what it may do.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
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
#[utoipa::path(post, path = "/api/v1/tokens/introspect", tag = "tokens", request_body = IntrospectRequest,
    security(("bearer" = ["tokens:introspect"])),
    responses((status = 200, body = Introspection)))]
async fn introspect(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(req): ApiJson<IntrospectRequest>,
) -> ApiResult<Json<Introspection>> {
    auth.accepts(TOKENS_INTROSPECT)
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
        Err(_) => Introspection {
            active: false,
            token_id: None,
            name: None,
            scopes: None,
            owner: None,
            expires_at: None,
        },
    };
    Ok(Json(answer))
}

/// List people and service accounts.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserFilter),
    security(("bearer" = ["users:read"])), responses((status = 200, body = Page<UserSummary>)))]
async fn list_users(
    State(state): State<AppState>,
    auth: Bearer,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> ApiResult<Json<Page<UserSummary>>> {
    Ok(Json(
        users::list(&state.pool, auth.accepts(USERS_READ), filter).await?,
    ))
}

/// Create a person (email, password) or a service account (name and role only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    security(("bearer" = ["users:write"])),
    responses((status = 201, body = UserSummary), (status = 409, description = "Email taken")))]
async fn create_user(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserSummary>)> {
    let user = users::create(&state, auth.accepts(USERS_WRITE), new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Read one user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    security(("bearer" = ["users:read"])), responses((status = 200, body = UserSummary)))]
async fn get_user(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
) -> ApiResult<Json<UserSummary>> {
    let p = auth.accepts(USERS_READ);
    Ok(Json(
        users::get(&state.pool, p, id(&raw, "That user")?).await?,
    ))
}

/// Rename, change the role of, disable or enable a user. Disabling stops their tokens at once.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatch,
    security(("bearer" = ["users:write"])), responses((status = 200, body = UserSummary)))]
async fn update_user(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<Json<UserSummary>> {
    let p = auth.accepts(USERS_WRITE);
    Ok(Json(
        users::update(&state.pool, p, id(&raw, "That user")?, patch).await?,
    ))
}

/// Delete a user and revoke their tokens.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    security(("bearer" = ["users:write"])), responses((status = 204, description = "Deleted; their tokens with them")))]
async fn delete_user(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let p = auth.accepts(USERS_WRITE);
    users::delete(&state.pool, p, id(&raw, "That user")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List roles with their permissions.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    security(("bearer" = ["roles:read"])), responses((status = 200, body = Vec<Role>)))]
async fn list_roles(State(state): State<AppState>, auth: Bearer) -> ApiResult<Json<Vec<Role>>> {
    Ok(Json(
        roles::list(&state.pool, auth.accepts(ROLES_READ)).await?,
    ))
}

/// Create a role. You can grant only permissions you hold.
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles", request_body = NewRole,
    security(("bearer" = ["roles:write"])), responses((status = 201, body = Role)))]
async fn create_role(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewRole>,
) -> ApiResult<(StatusCode, Json<Role>)> {
    let role = roles::create(&state.pool, auth.accepts(ROLES_WRITE), new).await?;
    Ok((StatusCode::CREATED, Json(role)))
}

/// Read one role.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = i64, Path)),
    security(("bearer" = ["roles:read"])), responses((status = 200, body = Role)))]
async fn get_role(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
) -> ApiResult<Json<Role>> {
    let p = auth.accepts(ROLES_READ);
    Ok(Json(
        roles::get(&state.pool, p, id(&raw, "That role")?).await?,
    ))
}

/// Change a role; its users' tokens reach further or less far at once.
#[utoipa::path(patch, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = i64, Path)), request_body = RolePatch,
    security(("bearer" = ["roles:write"])), responses((status = 200, body = Role)))]
async fn update_role(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
    ApiJson(patch): ApiJson<RolePatch>,
) -> ApiResult<Json<Role>> {
    let p = auth.accepts(ROLES_WRITE);
    Ok(Json(
        roles::update(&state.pool, p, id(&raw, "That role")?, patch).await?,
    ))
}

/// Delete a role no user has.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = i64, Path)),
    security(("bearer" = ["roles:write"])), responses((status = 204, description = "Deleted")))]
async fn delete_role(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let p = auth.accepts(ROLES_WRITE);
    roles::delete(&state.pool, p, id(&raw, "That role")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List the modules scopes are about.
#[utoipa::path(get, path = "/api/v1/modules", tag = "roles",
    security(("bearer" = [])), responses((status = 200, body = Vec<Module>)))]
async fn list_modules(State(state): State<AppState>, auth: Bearer) -> ApiResult<Json<Vec<Module>>> {
    auth.accepts("");
    Ok(Json(modules::list(&state.pool).await?))
}

/// Add a module, so services of yours can use Latchkey scopes.
#[utoipa::path(post, path = "/api/v1/modules", tag = "roles", request_body = NewModule,
    security(("bearer" = ["roles:write"])), responses((status = 201, body = Module)))]
async fn create_module(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewModule>,
) -> ApiResult<(StatusCode, Json<Module>)> {
    let module = modules::create(&state.pool, auth.accepts(ROLES_WRITE), new).await?;
    Ok((StatusCode::CREATED, Json(module)))
}

/// Read the audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilter),
    security(("bearer" = ["audit:read"])), responses((status = 200, body = Page<AuditEvent>)))]
async fn list_audit(
    State(state): State<AppState>,
    auth: Bearer,
    ApiQuery(filter): ApiQuery<AuditFilter>,
) -> ApiResult<Json<Page<AuditEvent>>> {
    Ok(Json(
        audit::list(&state.pool, auth.accepts(AUDIT_READ), filter).await?,
    ))
}

//! `/users`: people and service accounts.

use super::{
    extract::{id, ApiJson, ApiQuery},
    ApiResult, Bearer,
};
use crate::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use latchkey_core::users;
use types::{
    directory::{DeleteOptions, NewUser, UserFilter, UserPatch, UserSummary},
    Page,
};
use utoipa_axum::{router::OpenApiRouter, routes};

const THAT_USER: &str = "That user";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(create_user))
        .routes(routes!(get_user))
        .routes(routes!(update_user))
        .routes(routes!(delete_user))
}

/// List people and service accounts.
#[utoipa::path(get, path = "/users", tag = "users", params(UserFilter),
    security(("bearer" = ["users:read"])), responses((status = 200, body = Page<UserSummary>)))]
async fn list_users(
    State(state): State<AppState>,
    auth: Bearer,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> ApiResult<Json<Page<UserSummary>>> {
    Ok(Json(
        users::list(&state.pool, &auth.principal, filter).await?,
    ))
}

/// Create a person (email, password) or a service account (name and role only).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    security(("bearer" = ["users:write"])),
    responses((status = 201, body = UserSummary), (status = 404, description = "The role does not exist"),
              (status = 409, description = "Email taken")))]
async fn create_user(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserSummary>)> {
    let user = users::create(&state.pool, &state.passwords, &auth.principal, new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Read one user.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    security(("bearer" = ["users:read"])),
    responses((status = 200, body = UserSummary), (status = 404, description = "No such user")))]
async fn get_user(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
) -> ApiResult<Json<UserSummary>> {
    let id = id(&raw, THAT_USER)?;
    Ok(Json(users::get(&state.pool, &auth.principal, id).await?))
}

/// Rename, change the role of, disable or enable a user. Disabling stops their tokens at once.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserPatch,
    security(("bearer" = ["users:write"])),
    responses((status = 200, body = UserSummary), (status = 404, description = "No such user, or the role does not exist"),
              (status = 409, description = "Another user has that email, or this is the last active administrator")))]
async fn update_user(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<Json<UserSummary>> {
    let id = id(&raw, THAT_USER)?;
    Ok(Json(
        users::update(&state, &auth.principal, id, patch).await?,
    ))
}

/// Delete a user and revoke their tokens.
#[utoipa::path(delete, path = "/users/{id}", tag = "users", params(("id" = i64, Path), DeleteOptions),
    security(("bearer" = ["users:write"])),
    responses((status = 204, description = "Deleted; their tokens with them"), (status = 404, description = "No such user"),
              (status = 409, description = "This is the last active administrator")))]
async fn delete_user(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
    ApiQuery(options): ApiQuery<DeleteOptions>,
) -> ApiResult<StatusCode> {
    users::delete(&state, &auth.principal, id(&raw, THAT_USER)?, options).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `/roles`: roles and the permissions they carry.

use super::{
    extract::{id, ApiJson},
    ApiResult, Bearer,
};
use crate::AppState;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use latchkey_core::roles;
use types::directory::{NewRole, Role, RolePatch};
use utoipa_axum::{router::OpenApiRouter, routes};

const THAT_ROLE: &str = "That role";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles))
        .routes(routes!(create_role))
        .routes(routes!(get_role))
        .routes(routes!(update_role))
        .routes(routes!(delete_role))
}

/// List roles with their permissions.
#[utoipa::path(get, path = "/roles", tag = "roles",
    security(("bearer" = ["roles:read"])), responses((status = 200, body = Vec<Role>)))]
async fn list_roles(State(state): State<AppState>, auth: Bearer) -> ApiResult<Json<Vec<Role>>> {
    Ok(Json(roles::list(&state.pool, &auth.principal).await?))
}

/// Create a role. You can grant only permissions you hold.
#[utoipa::path(post, path = "/roles", tag = "roles", request_body = NewRole,
    security(("bearer" = ["roles:write"])),
    responses((status = 201, body = Role),
              (status = 409, description = "A role of that name exists")))]
async fn create_role(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewRole>,
) -> ApiResult<(StatusCode, Json<Role>)> {
    let role = roles::create(&state.pool, &auth.principal, new).await?;
    Ok((StatusCode::CREATED, Json(role)))
}

/// Read one role.
#[utoipa::path(get, path = "/roles/{id}", tag = "roles", params(("id" = i64, Path)),
    security(("bearer" = ["roles:read"])),
    responses((status = 200, body = Role), (status = 404, description = "No such role")))]
async fn get_role(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
) -> ApiResult<Json<Role>> {
    let id = id(&raw, THAT_ROLE)?;
    Ok(Json(roles::get(&state.pool, &auth.principal, id).await?))
}

/// Change a role; its users' tokens reach further or less far at once.
#[utoipa::path(patch, path = "/roles/{id}", tag = "roles", params(("id" = i64, Path)), request_body = RolePatch,
    security(("bearer" = ["roles:write"])),
    responses((status = 200, body = Role), (status = 404, description = "No such role"),
              (status = 409, description = "A role of that name exists")))]
async fn update_role(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
    ApiJson(patch): ApiJson<RolePatch>,
) -> ApiResult<Json<Role>> {
    let id = id(&raw, THAT_ROLE)?;
    Ok(Json(
        roles::update(&state, &auth.principal, id, patch).await?,
    ))
}

/// Delete a role no user has.
#[utoipa::path(delete, path = "/roles/{id}", tag = "roles", params(("id" = i64, Path)),
    security(("bearer" = ["roles:write"])),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such role"),
              (status = 409, description = "Someone still has the role")))]
async fn delete_role(
    State(state): State<AppState>,
    auth: Bearer,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    roles::delete(&state, &auth.principal, id(&raw, THAT_ROLE)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

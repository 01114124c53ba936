//! `/modules`: what scopes and permissions are about.

use super::{extract::ApiJson, ApiResult, Bearer};
use crate::AppState;
use axum::{extract::State, http::StatusCode, Json};
use latchkey_core::modules;
use types::directory::{Module, NewModule};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_modules))
        .routes(routes!(create_module))
}

/// List the modules scopes are about.
#[utoipa::path(get, path = "/modules", tag = "roles",
    security(("bearer" = [])), responses((status = 200, body = Vec<Module>)))]
async fn list_modules(
    State(state): State<AppState>,
    _auth: Bearer,
) -> ApiResult<Json<Vec<Module>>> {
    Ok(Json(modules::list(&state.pool).await?))
}

/// Add a module, so services of yours can use Latchkey scopes.
#[utoipa::path(post, path = "/modules", tag = "roles", request_body = NewModule,
    security(("bearer" = ["roles:write"])),
    responses((status = 201, body = Module),
              (status = 409, description = "A module of that name exists")))]
async fn create_module(
    State(state): State<AppState>,
    auth: Bearer,
    ApiJson(new): ApiJson<NewModule>,
) -> ApiResult<(StatusCode, Json<Module>)> {
    let module = modules::create(&state.pool, &auth.principal, new).await?;
    Ok((StatusCode::CREATED, Json(module)))
}

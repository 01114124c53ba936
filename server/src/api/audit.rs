//! `/audit`: the audit log.

use super::{extract::ApiQuery, ApiResult, Bearer};
use crate::AppState;
use axum::{extract::State, Json};
use latchkey_core::audit;
use types::{
    audit::{AuditEvent, AuditFilter},
    Page,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// Read the audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditFilter),
    security(("bearer" = ["audit:read"])), responses((status = 200, body = Page<AuditEvent>)))]
async fn list_audit(
    State(state): State<AppState>,
    auth: Bearer,
    ApiQuery(filter): ApiQuery<AuditFilter>,
) -> ApiResult<Json<Page<AuditEvent>>> {
    Ok(Json(
        audit::list(&state.pool, &auth.principal, filter).await?,
    ))
}

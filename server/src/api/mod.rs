//! The REST API integrations call: `/api/v1`, JSON, `Authorization: Bearer <token>`.
//!
//! Each operation is declared once, by its handler's `#[utoipa::path]`: the route it is
//! served on, its entry in the OpenAPI document, and the scope it names (its bearer
//! security requirement) all come from that one declaration. One router module per
//! resource; handlers are thin and hand over to the domain module that owns the rules.

mod audit;
mod auth;
mod extract;
mod fields_doc;
mod leaks;
mod me;
mod modules;
mod openapi;
mod problem;
mod problems_doc;
mod reference;
mod roles;
mod tokens;
mod users;
mod webhooks;

pub use auth::{bearer_token, canary_use, user_agent, Bearer};
pub use problem::{
    address_refused, insufficient_scope_challenge, invalid_token_challenge, ApiError, ApiResult,
    RETRY_AFTER_SECONDS,
};
pub use reference::reference;

use crate::AppState;
use axum::{extract::DefaultBodyLimit, middleware, routing::get, Json, Router};
use std::sync::{Arc, OnceLock};
use types::AppError;
use utoipa::{openapi::OpenApi as Document, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub const BODY_LIMIT: usize = 64 * 1024;
const PREFIX: &str = "/api/v1";

/// Every operation, under `/api/v1`, with the document they make.
fn operations() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(me::router())
        .merge(tokens::router())
        .merge(users::router())
        .merge(roles::router())
        .merge(modules::router())
        .merge(audit::router())
        .merge(webhooks::router())
        .merge(leaks::router());
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi()).nest(PREFIX, v1)
}

/// The OpenAPI document, built once from the same declarations the router serves, with
/// the problem answers each operation can give.
pub fn document() -> &'static Document {
    static DOCUMENT: OnceLock<Document> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = operations().split_for_parts().1;
        problems_doc::Problems.modify(&mut document);
        fields_doc::FieldRules.modify(&mut document);
        document
    })
}

/// The API's routes, each behind the bearer authentication its declaration asks for.
pub fn router(state: &AppState) -> Router<AppState> {
    let (routes, _) = operations().split_for_parts();
    let scopes = Arc::new(auth::Scopes::from_document(document()));
    routes
        .route_layer(middleware::from_fn_with_state(
            (state.clone(), scopes),
            auth::authenticate,
        ))
        .route(
            &format!("{PREFIX}/openapi.json"),
            get(|| async { Json(document()) }),
        )
        .route(
            &format!("{PREFIX}/{{*rest}}"),
            get(not_found).fallback(not_found),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn not_found() -> ApiError {
    ApiError::App(AppError::NotFound("That API path".into()))
}

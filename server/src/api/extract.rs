//! Extractors whose every failure is a problem answer, not axum's plain-text rejection.

use super::ApiError;
use app::AppError;
use axum::{
    extract::{FromRequest, FromRequestParts, Query},
    Json,
};

/// A JSON body whose every failure (syntax, types, unknown fields, size) is a problem.
#[derive(FromRequest)]
#[from_request(via(Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query parameters whose failures are problems too.
#[derive(FromRequestParts)]
#[from_request(via(Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// A numeric id from the path; anything else names nothing, so it is "not found".
pub fn id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::App(AppError::NotFound(what.into())))
}

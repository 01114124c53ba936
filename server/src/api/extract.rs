//! Extractors whose every failure is a problem answer, not axum's plain-text rejection.

use super::ApiError;
use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{request::Parts, StatusCode},
    Json,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use types::AppError;

/// A JSON object body whose every failure (syntax, types, unknown fields, size) is a
/// problem. Numbers are read as JSON Schema reads them: `7.0` is the integer 7.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(mut value) = Json::<Value>::from_request(req, state).await?;
        let invalid = |detail: String| ApiError::Request {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail,
        };
        if !value.is_object() {
            return Err(invalid("The body must be a JSON object.".into()));
        }
        whole_numbers_as_integers(&mut value);
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|e| invalid(format!("The body does not fit: {e}")))
    }
}

/// Turns every number with no fractional part that fits an `i64` into an integer.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) {
                if f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Query parameters whose failures are problems too: a parameter that breaks its rule (a
/// status no token has, a page size that is no number) is a 422 naming it, a query that
/// cannot be read at all a 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = form_urlencoded::parse(query.as_bytes());
        match serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)) {
            Ok(value) => Ok(ApiQuery(value)),
            Err(error) => {
                let field = error.path().to_string();
                let rule = error.inner().to_string();
                Err(if field.is_empty() || field == "." || field == "?" {
                    ApiError::Request {
                        status: StatusCode::BAD_REQUEST,
                        detail: format!("The query could not be read: {rule}"),
                    }
                } else {
                    ApiError::App(AppError::invalid(&field, capitalised(&rule)))
                })
            }
        }
    }
}

/// A message as a sentence: its first letter capital, a full stop at its end.
fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    let rest = chars.as_str().trim_end_matches('.');
    format!("{first}{rest}.")
}

/// A numeric id from the path; anything else names nothing, so it is "not found".
pub fn id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::App(AppError::NotFound(what.into())))
}

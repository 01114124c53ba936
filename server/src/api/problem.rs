//! The API's error type: every failure is `application/problem+json` (RFC 9457), with a
//! `detail` a person can act on. Server-side failures are logged and answered generically.

use axum::{
    extract::rejection::{FormRejection, JsonRejection, QueryRejection},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use latchkey_core::tokens::verify::Rejection;
use serde::Serialize;
use types::AppError;
use utoipa::ToSchema;

/// How long a client should wait before trying again while the database is away.
pub const RETRY_AFTER_SECONDS: &str = "2";

/// An error, as RFC 9457 `application/problem+json`: what every failed operation answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `/api/v1/problems/<kind>`.
    #[serde(rename = "type")]
    #[schema(example = "/api/v1/problems/invalid-field")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, for a person to act on.
    pub detail: String,
    /// With 403 insufficient-scope: the scope needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// With 409 and 422: the field at fault and the rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The kinds of problem, each named in its `type` URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    TooManyRequests,
    InvalidToken,
    AddressNotAllowed,
    BodyTooLarge,
    UnsupportedMediaType,
    InvalidBody,
    MalformedRequest,
    InsufficientScope,
    Conflict,
    InvalidField,
    Forbidden,
    NotFound,
    Internal,
    Unavailable,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::TooManyRequests => "too-many-requests",
            Self::InvalidToken => "invalid-token",
            Self::AddressNotAllowed => "address-not-allowed",
            Self::BodyTooLarge => "body-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::InvalidBody => "invalid-body",
            Self::MalformedRequest => "malformed-request",
            Self::InsufficientScope => "insufficient-scope",
            Self::Conflict => "conflict",
            Self::InvalidField => "invalid-field",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }
}

#[derive(Debug)]
pub enum ApiError {
    /// The bearer token was missing, malformed, unknown, expired, replaced or revoked.
    Token(Rejection),
    /// The token is valid but may not be used from the client's address (its allowlist).
    AddressRefused(Option<std::net::IpAddr>),
    App(AppError),
    /// The server failed: logged in full when answered, told generically.
    Server(latchkey_core::error::Error),
    /// The request itself could not be read (bad JSON, wrong types, too large…).
    Request {
        status: StatusCode,
        detail: String,
    },
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<latchkey_core::error::Error> for ApiError {
    fn from(e: latchkey_core::error::Error) -> Self {
        match e {
            latchkey_core::error::Error::App(e) => Self::App(e),
            other => Self::Server(other),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        Self::Request {
            status: r.status(),
            detail: r.body_text(),
        }
    }
}

impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        Self::Request {
            status: r.status(),
            detail: r.body_text(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::Request {
            status: r.status(),
            detail: r.body_text(),
        }
    }
}

fn quoted(text: &str) -> String {
    text.replace(['"', '\\'], "'")
}

/// Why a request from `addr` was refused by the token's allowlist, naming the address.
pub fn address_refused(addr: Option<std::net::IpAddr>) -> String {
    match addr {
        Some(addr) => format!(
            "This token may not be used from {}: the address is not on its allowlist.",
            addr.to_canonical()
        ),
        None => "This token may be used only from listed addresses, and the request's \
                 address is unknown."
            .into(),
    }
}

/// The `WWW-Authenticate` challenge for a token that was refused (RFC 6750 section 3).
pub fn invalid_token_challenge(rejection: Rejection) -> String {
    format!(
        "Bearer realm=\"latchkey\", error=\"invalid_token\", error_description=\"{}\"",
        quoted(&rejection.detail())
    )
}

/// The `WWW-Authenticate` challenge for a token that lacks `scope`.
pub fn insufficient_scope_challenge(scope: &str) -> String {
    format!(
        "Bearer realm=\"latchkey\", error=\"insufficient_scope\", scope=\"{}\"",
        quoted(scope)
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (mut scope, mut errors) = (None, Vec::new());
        let mut challenge = None;
        let mut retry: Option<String> = None;
        let (status, kind, detail) = match self {
            // Logged once, here, and answered as what a person may read.
            Self::Server(error) => return Self::App(error.into_answer()).into_response(),
            Self::Token(Rejection::Throttled { retry_after }) => {
                retry = Some(retry_after.to_string());
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    Kind::TooManyRequests,
                    Rejection::Throttled { retry_after }.detail().into_owned(),
                )
            }
            Self::Token(rejection) => {
                challenge = Some(invalid_token_challenge(rejection));
                (
                    StatusCode::UNAUTHORIZED,
                    Kind::InvalidToken,
                    rejection.detail().into_owned(),
                )
            }
            Self::AddressRefused(addr) => (
                StatusCode::FORBIDDEN,
                Kind::AddressNotAllowed,
                address_refused(addr),
            ),
            Self::Request { status, detail } => {
                let kind = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => Kind::BodyTooLarge,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => Kind::UnsupportedMediaType,
                    StatusCode::UNPROCESSABLE_ENTITY => Kind::InvalidBody,
                    _ => Kind::MalformedRequest,
                };
                (status, kind, detail)
            }
            Self::App(error) => {
                let status = StatusCode::from_u16(error.status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let kind = match &error {
                    AppError::MissingPermission { permission, .. } => {
                        challenge = Some(insufficient_scope_challenge(permission));
                        scope = Some(permission.clone());
                        Kind::InsufficientScope
                    }
                    AppError::Invalid { field, message }
                    | AppError::Conflict { field, message } => {
                        errors.push(FieldProblem {
                            field: field.clone(),
                            message: message.clone(),
                        });
                        if status == StatusCode::CONFLICT {
                            Kind::Conflict
                        } else {
                            Kind::InvalidField
                        }
                    }
                    AppError::Forbidden(_)
                    | AppError::SsoRequired
                    | AppError::SecondFactorRequired => Kind::Forbidden,
                    AppError::NotFound(_) => Kind::NotFound,
                    AppError::TooManyRequests(_) => Kind::TooManyRequests,
                    AppError::Unauthenticated | AppError::WrongCredentials => Kind::InvalidToken,
                    AppError::Internal | AppError::ServerFn(_) => Kind::Internal,
                    AppError::Unavailable => Kind::Unavailable,
                };
                (status, kind, error.to_string())
            }
        };
        let problem = Problem {
            kind: format!("/api/v1/problems/{}", kind.name()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            scope,
            errors,
        };
        let body = serde_json::to_string(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            retry = Some(RETRY_AFTER_SECONDS.into());
        }
        if let Some(value) = retry.and_then(|r| HeaderValue::from_str(&r).ok()) {
            headers.insert(header::RETRY_AFTER, value);
        }
        response
    }
}

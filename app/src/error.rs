//! The one error type the console's server functions return. It crosses the wire, so it
//! carries only what a person may read: server-side failures are logged in full by the
//! server and reach the browser as `Internal`.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Sign in to continue.")]
    Unauthenticated,
    #[error("You do not have permission to {0}.")]
    Forbidden(String),
    /// The caller lacks a permission (or, with a token, a scope).
    #[error("You do not have permission to {what} (it needs {permission}).")]
    MissingPermission { permission: String, what: String },
    #[error("{0} was not found.")]
    NotFound(String),
    /// A field broke a rule; `field` names the form field, `message` the rule.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The value clashes with one that exists (a duplicate name, say).
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("Wrong email or password.")]
    WrongCredentials,
    #[error("{0}")]
    TooManyRequests(String),
    #[error("Something went wrong on the server. It has been logged; please try again.")]
    Internal,
    /// The database cannot be reached for now; the request may be sent again shortly.
    #[error("Latchkey cannot reach its database right now. Try again in a few seconds.")]
    Unavailable,
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The HTTP status that fits this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::WrongCredentials => 401,
            Self::Forbidden(_) | Self::MissingPermission { .. } => 403,
            Self::NotFound(_) => 404,
            Self::Conflict { .. } => 409,
            Self::Invalid { .. } => 422,
            Self::TooManyRequests(_) => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
            Self::ServerFn(_) => 400,
        }
    }

    /// The form field this error belongs to, if it belongs to one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } | Self::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::ServerFn(value)
    }
}

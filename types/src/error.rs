//! The one error type the console's server functions return. It crosses the wire, so it
//! carries only what a person may read: server-side failures are logged in full by the
//! server and reach the browser as `Internal`.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// On the wire it is a list of strings, its kind and then its fields in order
/// (`["invalid", "name", "…"]`): that decodes with the code that reads any list of strings,
/// where a derived enum decoder cost the browser's main Wasm module some 13 KB.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "Vec<String>", try_from = "Vec<String>")]
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
    /// The password was right, but this console requires single sign-on for the account.
    #[error("This console requires single sign-on: use the button above.")]
    SsoRequired,
    /// The person's role requires a second factor, and they have none yet.
    #[error("Your role requires a second factor: set one up on your Account page first.")]
    SecondFactorRequired,
    #[error("{0}")]
    TooManyRequests(String),
    #[error("Something went wrong on the server. It has been logged; please try again.")]
    Internal,
    /// The database cannot be reached for now; the request may be sent again shortly.
    #[error("Latchkey cannot reach its database right now. Try again in a few seconds.")]
    Unavailable,
    /// The server-function layer failed (a request that did not decode, say). Its message
    /// travels as text: decoding its own error type too would cost the browser's Wasm.
    #[error("{0}")]
    ServerFn(String),
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
            Self::Forbidden(_)
            | Self::MissingPermission { .. }
            | Self::SsoRequired
            | Self::SecondFactorRequired => 403,
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

impl From<AppError> for Vec<String> {
    fn from(error: AppError) -> Self {
        let kind = |k: &str| k.to_owned();
        match error {
            AppError::Unauthenticated => vec![kind("unauthenticated")],
            AppError::Forbidden(what) => vec![kind("forbidden"), what],
            AppError::MissingPermission { permission, what } => {
                vec![kind("missing_permission"), permission, what]
            }
            AppError::NotFound(what) => vec![kind("not_found"), what],
            AppError::Invalid { field, message } => vec![kind("invalid"), field, message],
            AppError::Conflict { field, message } => vec![kind("conflict"), field, message],
            AppError::WrongCredentials => vec![kind("wrong_credentials")],
            AppError::SsoRequired => vec![kind("sso_required")],
            AppError::SecondFactorRequired => vec![kind("second_factor_required")],
            AppError::TooManyRequests(message) => vec![kind("too_many_requests"), message],
            AppError::Internal => vec![kind("internal")],
            AppError::Unavailable => vec![kind("unavailable")],
            AppError::ServerFn(message) => vec![kind("server_fn"), message],
        }
    }
}

impl TryFrom<Vec<String>> for AppError {
    type Error = String;

    fn try_from(parts: Vec<String>) -> Result<Self, String> {
        let mut parts = parts.into_iter();
        let kind = parts.next().unwrap_or_default();
        let mut next = || {
            parts
                .next()
                .ok_or_else(|| format!("the error `{kind}` lacks a part"))
        };
        Ok(match kind.as_str() {
            "unauthenticated" => Self::Unauthenticated,
            "forbidden" => Self::Forbidden(next()?),
            "missing_permission" => Self::MissingPermission {
                permission: next()?,
                what: next()?,
            },
            "not_found" => Self::NotFound(next()?),
            "invalid" => Self::Invalid {
                field: next()?,
                message: next()?,
            },
            "conflict" => Self::Conflict {
                field: next()?,
                message: next()?,
            },
            "wrong_credentials" => Self::WrongCredentials,
            "sso_required" => Self::SsoRequired,
            "second_factor_required" => Self::SecondFactorRequired,
            "too_many_requests" => Self::TooManyRequests(next()?),
            "internal" => Self::Internal,
            "unavailable" => Self::Unavailable,
            "server_fn" => Self::ServerFn(next()?),
            _ => return Err(format!("unknown error kind `{kind}`")),
        })
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::ServerFn(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn every_error_crosses_the_wire_unchanged() {
        let errors = [
            AppError::Unauthenticated,
            AppError::Forbidden("manage users".into()),
            AppError::MissingPermission {
                permission: "users:write".into(),
                what: "change users".into(),
            },
            AppError::NotFound("The token".into()),
            AppError::invalid("name", "A name is needed."),
            AppError::conflict("name", "You have a token of that name."),
            AppError::WrongCredentials,
            AppError::SsoRequired,
            AppError::SecondFactorRequired,
            AppError::TooManyRequests("Wait a minute.".into()),
            AppError::Internal,
            AppError::Unavailable,
            AppError::ServerFn("missing field `code`".into()),
        ];
        for error in errors {
            let wire = serde_json::to_string(&error).unwrap();
            assert_eq!(
                serde_json::from_str::<AppError>(&wire).unwrap(),
                error,
                "{wire}"
            );
        }
        assert_eq!(
            serde_json::to_string(&AppError::invalid("name", "A name is needed.")).unwrap(),
            r#"["invalid","name","A name is needed."]"#
        );
    }

    #[test]
    fn a_malformed_error_is_refused_with_a_reason() {
        let lacking = serde_json::from_str::<AppError>(r#"["invalid","name"]"#).unwrap_err();
        assert!(lacking
            .to_string()
            .contains("the error `invalid` lacks a part"));
        let unknown = serde_json::from_str::<AppError>(r#"["teapot"]"#).unwrap_err();
        assert!(unknown.to_string().contains("unknown error kind `teapot`"));
    }
}

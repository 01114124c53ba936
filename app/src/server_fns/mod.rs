//! The console's server functions. Each is written once: its body asks who is calling
//! and calls the domain (`latchkey_core`) directly. On the server the bodies run; in the
//! browser each is a typed call of its endpoint. Functions that only read are `GET`s.

pub mod api_docs;
pub mod audit;
pub mod directory;
pub mod factors;
pub mod session;
pub mod tokens;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub use context::ApiReference;

/// What a server function's body reaches: the domain's handle and the request's caller,
/// both put in context by the server for every request.
#[cfg(feature = "ssr")]
pub(crate) mod context {
    use latchkey_core::{principal::Principal, Core};
    use leptos::prelude::use_context;
    use std::sync::Arc;
    use types::{api_docs::ApiGroup, AppError, Caller};

    /// The REST API's reference, read from its OpenAPI document once at start-up and put
    /// in context by the server (the console's API page shows it).
    #[derive(Clone)]
    pub struct ApiReference(pub Arc<Vec<ApiGroup>>);

    /// The domain's handle.
    pub fn core() -> Result<Core, AppError> {
        use_context::<Core>().ok_or_else(|| {
            leptos::logging::error!("no Core in context");
            AppError::Internal
        })
    }

    /// The caller the server resolved for this request (anonymous if none).
    pub fn caller() -> Caller {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Caller>().cloned())
            .unwrap_or_default()
    }

    /// The signed-in caller as the domain's rules see them, or `Unauthenticated`.
    pub fn principal() -> Result<Principal, AppError> {
        with_status(Principal::from_caller(&caller()))
    }

    /// The answer a server function gives: server failures are logged here, once, inside
    /// the request's span, and reach the browser as a generic message; the response
    /// carries the status the error calls for.
    pub fn answer<T>(result: latchkey_core::Result<T>) -> Result<T, AppError> {
        with_status(result.map_err(latchkey_core::Error::into_answer))
    }

    /// Sets the HTTP status of a failed call to the one its error calls for (server
    /// functions answer 500 for every error otherwise).
    pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let (Err(error), Some(response)) =
            (&result, use_context::<leptos_axum::ResponseOptions>())
        {
            if let Ok(status) = http::StatusCode::from_u16(error.status()) {
                response.set_status(status);
            }
        }
        result
    }

    /// Whether this call is a browser's plain form post (its Wasm not running, or no
    /// JavaScript at all): its answer is then a page to go to, not data.
    pub fn plain_form() -> bool {
        use_context::<http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        })
    }

    /// After a plain form post, the browser goes to `to` (Latchkey's own pages send no
    /// Referer to come back to).
    pub fn go_to_after_plain_form(to: &str) {
        if plain_form() {
            leptos_axum::redirect(to);
        }
    }

    /// The request's headers (its cookies, say).
    pub fn request_headers() -> http::HeaderMap {
        use_context::<http::request::Parts>()
            .map(|parts| parts.headers)
            .unwrap_or_default()
    }

    pub fn set_cookie(value: &str) {
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
}

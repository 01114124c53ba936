//! Security headers on every answer: a Content-Security-Policy (with a fresh nonce for
//! the console's inline scripts), no framing, no sniffing, no referrer, HSTS under
//! https, and `Cache-Control: no-store` on everything but the built browser files, so
//! that no page or answer carrying a plaintext token is kept by a cache. The browser files
//! are sent compressed where the browser accepts it (their `.br` and `.gz` twins, written
//! at build time), so they say that their answer varies with `Accept-Encoding`. Nothing
//! else is compressed: a compressed page that reflects what a visitor typed beside a
//! secret would leak the secret's length (BREACH).

use crate::AppState;
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use latchkey_core::secrets;
use leptos::config::Env;

/// The nonce this request's inline scripts carry (see `web::router`'s Leptos context).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let is_asset = path.starts_with("/pkg/");
    let is_api = path.starts_with("/api/v1/");
    let nonce =
        (!is_asset && !is_api).then(|| URL_SAFE_NO_PAD.encode(secrets::random_bytes::<16>()));
    if let Some(nonce) = &nonce {
        req.extensions_mut().insert(CspNonce(nonce.clone()));
    }
    let mut response = next.run(req).await;
    let policy = match &nonce {
        Some(nonce) => console_policy(&state, nonce),
        None => "default-src 'none'; frame-ancestors 'none'".to_owned(),
    };
    let headers = response.headers_mut();
    let mut set = |name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_SECURITY_POLICY, &policy);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    if is_asset {
        set(header::VARY, "accept-encoding");
    } else {
        set(header::CACHE_CONTROL, "no-store");
    }
    if state.settings.secure_cookies {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

/// What the console's pages may load: their own scripts, styles and Wasm, inline scripts
/// only with this answer's nonce, and nothing from elsewhere.
fn console_policy(state: &AppState, nonce: &str) -> String {
    let options = &state.leptos_options;
    // `cargo leptos watch` reloads the page through a websocket of its own.
    let reload = match options.env {
        Env::DEV => format!(" ws://{}:{}", options.site_addr.ip(), options.reload_port),
        Env::PROD => String::new(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

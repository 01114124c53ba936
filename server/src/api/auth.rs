//! Bearer-token authentication for `/api/v1`, and the `X-Token-Scopes` /
//! `X-Accepted-Scopes` headers that tell an integrator why a call was or was not allowed.
//!
//! Which operations need a token, and which scope each names, is read from the OpenAPI
//! document the handlers declare: one middleware authenticates every such operation,
//! hands the handler a [`Bearer`], and writes both headers on the way out.

use super::problem::ApiError;
use crate::AppState;
use axum::{
    extract::{FromRequestParts, MatchedPath, Request, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use latchkey_core::{
    principal::Principal,
    tokens::{
        canary,
        present::{self, Presented, Refusal},
        usage,
        verify::{Rejection, Verified},
    },
};
use std::{borrow::Cow, collections::HashMap, net::IpAddr, sync::Arc};
use types::{permissions::describe, AppError};

/// A request authenticated by a valid token: its owner acting with the token's
/// effective scopes.
#[derive(Clone)]
pub struct Bearer {
    pub principal: Principal,
    pub verified: Verified,
}

/// The scope each operation declares, by method and route: `""` for any valid token.
/// Operations that declare no bearer security are public.
#[derive(Debug, Default)]
pub struct Scopes(HashMap<(Method, String), String>);

impl Scopes {
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut scopes = HashMap::new();
        for (path, item) in &doc.paths.paths {
            for (method, operation) in super::openapi::operations(item) {
                if let Some(scope) = super::openapi::bearer_scope(operation) {
                    scopes.insert((method, path.clone()), scope);
                }
            }
        }
        Self(scopes)
    }

    fn get(&self, method: &Method, route: &str) -> Option<&str> {
        self.0
            .get(&(method.clone(), route.to_owned()))
            .map(String::as_str)
    }
}

/// Authenticates the operations that declare bearer security; others pass untouched.
pub async fn authenticate(
    State((state, scopes)): State<(AppState, Arc<Scopes>)>,
    mut req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let Some((route, accepted)) = route.and_then(|r| {
        scopes
            .get(req.method(), &r)
            .map(|s| (r.clone(), s.to_owned()))
    }) else {
        return next.run(req).await;
    };
    let client_addr = crate::proxies::client_addr(&req, &state.trusted_proxies);
    let verified = match verify_header(&state, req.headers(), client_addr, &route).await {
        Ok(verified) => verified,
        Err(error) => return error.into_response(),
    };
    let effective = verified.effective.join(", ");
    let principal = present::acting_for_owner(&verified, client_addr);
    let needed = principal.token.as_ref().map(|t| t.needed.clone());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let token_row = verified.token_row;
    // The scope the operation states is the scope it enforces; the domain's own checks
    // (ownership, outranking) come after.
    let mut response = match principal.require(&accepted, &describe(&accepted)) {
        Err(missing) if !accepted.is_empty() => ApiError::App(missing).into_response(),
        _ => {
            req.extensions_mut().insert(Bearer {
                principal,
                verified,
            });
            next.run(req).await
        }
    };
    // Counted once the answer is known: the scopes the request needed and held (the
    // operation's, and what the domain's rules asked) count as used.
    let needed = needed.map_or_else(Vec::new, |ledger| ledger.read());
    let needed: Vec<&str> = needed.iter().map(String::as_str).collect();
    state.usage.record(
        token_row,
        usage::Request {
            client_addr,
            user_agent: user_agent.as_deref(),
            scopes: &needed,
        },
    );
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-token-scopes", effective),
        ("x-accepted-scopes", accepted),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// The token an `Authorization: Bearer …` header presents.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, Rejection> {
    let (scheme, token) = authorization(headers)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        Ok(token.trim())
    } else {
        Err(Rejection::Malformed)
    }
}

fn authorization(headers: &HeaderMap) -> Result<(&str, &str), Rejection> {
    headers
        .get(header::AUTHORIZATION)
        .ok_or(Rejection::Missing)?
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .ok_or(Rejection::Malformed)
}

/// The token an `Authorization` header presents as a bearer token or, where `basic` allows
/// it, as the password of HTTP Basic credentials (how OAuth clients authenticate to an RFC
/// 7662 introspection endpoint: `client_id:client_secret`, the token being the secret).
fn presented_token(headers: &HeaderMap, basic: bool) -> Result<Cow<'_, str>, Rejection> {
    let (scheme, credentials) = authorization(headers)?;
    if !(basic && scheme.eq_ignore_ascii_case("basic")) {
        return bearer_token(headers).map(Cow::Borrowed);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or(Rejection::Malformed)?;
    let (_client_id, secret) = decoded.split_once(':').ok_or(Rejection::Malformed)?;
    Ok(Cow::Owned(secret.to_owned()))
}

/// A canary's use, as a request shows it.
pub fn canary_use(headers: &HeaderMap, client_addr: Option<IpAddr>, path: &str) -> canary::Use {
    canary::Use {
        client_addr,
        user_agent: user_agent(headers).map(str::to_owned),
        path: path.to_owned(),
    }
}

/// The route whose callers may authenticate with HTTP Basic.
const INTROSPECTION: &str = "/api/v1/tokens/introspect";

/// The request's token, checked as every presented token is (see [`present`]).
async fn verify_header(
    state: &AppState,
    headers: &HeaderMap,
    client_addr: Option<IpAddr>,
    route: &str,
) -> Result<Verified, ApiError> {
    let token = presented_token(headers, route == INTROSPECTION).map_err(ApiError::Token)?;
    let presented = Presented {
        token: &token,
        client_addr,
        user_agent: user_agent(headers),
        path: route,
    };
    match present::authenticate(state, presented).await? {
        Ok(verified) => Ok(verified),
        Err(Refusal::Token(rejection)) => Err(ApiError::Token(rejection)),
        Err(Refusal::Address(client)) => Err(ApiError::AddressRefused(client)),
    }
}

/// The client's `User-Agent`, if it is text.
pub fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.remove::<Bearer>().ok_or_else(|| {
            // A handler asked for a token, but its declaration names no bearer security.
            tracing::error!(path = %parts.uri.path(), "operation without a bearer declaration");
            ApiError::App(AppError::Internal)
        })
    }
}

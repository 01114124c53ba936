//! Forward-auth for gateways (nginx `auth_request`, Traefik ForwardAuth, Caddy
//! `forward_auth`): the gateway passes on the client's `Authorization` header and names
//! the scopes its upstream needs in `X-Latchkey-Scope` (several allowed, comma- or
//! space-separated, or the header repeated: all are needed). The answer has no body:
//! 200 with identity headers the upstream can trust, 401 with `WWW-Authenticate:
//! Bearer error="invalid_token"`, or 403 with `error="insufficient_scope"` naming the
//! first scope missing, or 403 with a plain-text body naming the client's address when
//! the token's allowlist does not admit it. A refused flood of failures is answered 401
//! with `Retry-After` (gateways pass on only 2xx, 401 and 403).

use crate::{
    api::{
        address_refused, bearer_token, insufficient_scope_challenge, invalid_token_challenge,
        user_agent,
    },
    AppState,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use latchkey_core::tokens::{
    present::{self, Presented, Refusal},
    usage,
    verify::Rejection,
};
use types::permissions::grants;

pub const SCOPE_HEADER: &str = "x-latchkey-scope";

pub async fn forward_auth(State(state): State<AppState>, req: Request) -> Response {
    let client = crate::proxies::client_addr(&req, &state.trusted_proxies);
    let headers = req.headers();
    let presented = match bearer_token(headers) {
        Ok(token) => token,
        Err(rejection) => return unauthorized(rejection),
    };
    // The gateway names the original request's path, where it can.
    let path = headers
        .get("x-original-uri")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(req.uri().path());
    let presented = Presented {
        token: presented,
        client_addr: client,
        user_agent: user_agent(headers),
        path,
    };
    let verified = match present::authenticate(&state, presented).await {
        Ok(Ok(verified)) => verified,
        Ok(Err(Refusal::Token(rejection))) => return unauthorized(rejection),
        Ok(Err(Refusal::Address(client))) => {
            return (StatusCode::FORBIDDEN, address_refused(client)).into_response()
        }
        Err(error) => {
            let status = match error.into_answer() {
                types::AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            return status.into_response();
        }
    };
    let required: Vec<&str> = required_scopes(headers).collect();
    let missing = required.iter().find(|s| !grants(&verified.effective, s));
    state.usage.record(
        verified.token_row,
        usage::Request {
            client_addr: client,
            user_agent: user_agent(headers),
            scopes: if missing.is_none() { &required } else { &[] },
        },
    );
    if let Some(missing) = missing {
        return (
            StatusCode::FORBIDDEN,
            [(
                header::WWW_AUTHENTICATE,
                insufficient_scope_challenge(missing),
            )],
        )
            .into_response();
    }
    let mut response = StatusCode::OK.into_response();
    let out = response.headers_mut();
    for (name, value) in [
        ("x-latchkey-token-id", verified.public_id),
        ("x-latchkey-owner-id", verified.owner.id.to_string()),
        ("x-latchkey-scopes", verified.effective.join(" ")),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            out.insert(name, value);
        }
    }
    response
}

/// Every scope the gateway asks for, from every `X-Latchkey-Scope` header.
fn required_scopes(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(SCOPE_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ' ']))
        .filter(|s| !s.is_empty())
}

fn unauthorized(rejection: Rejection) -> Response {
    let challenge = match rejection {
        // RFC 6750 section 3.1: no error code when no credentials were sent.
        Rejection::Missing => "Bearer realm=\"latchkey\"".to_owned(),
        other => invalid_token_challenge(other),
    };
    let mut response = (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, challenge)],
    )
        .into_response();
    if let Rejection::Throttled { retry_after } = rejection {
        if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

//! Bearer-token authentication for `/api/v1`, and the `X-Token-Scopes` /
//! `X-Accepted-Scopes` headers that tell an integrator why a call was or was not allowed.

use super::problem::ApiError;
use crate::{
    principal::Principal,
    tokens::verify::{self, Rejection, Verified},
    AppState,
};
use axum::{
    extract::{ConnectInfo, FromRequestParts, Request},
    http::{header, request::Parts, HeaderValue},
    middleware::Next,
    response::Response,
};
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

/// What a request's token may do and what its operation needed, for the response headers.
#[derive(Clone, Default)]
pub struct ScopeNote(Arc<Mutex<Note>>);

#[derive(Default)]
struct Note {
    effective: Option<Vec<String>>,
    accepted: Option<String>,
}

/// A request authenticated by a valid token.
pub struct Bearer {
    pub principal: Principal,
    pub verified: Verified,
    note: ScopeNote,
}

impl Bearer {
    /// Names the scope this operation needs (for `X-Accepted-Scopes`); the rules that
    /// enforce it live with the operation.
    pub fn accepts(&self, scope: &str) -> &Principal {
        self.note.0.lock().expect("note").accepted = Some(scope.to_owned());
        &self.principal
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::Token(Rejection::Missing))?
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or(ApiError::Token(Rejection::Malformed))?;
        let verified = verify::verify(&state.pool, presented)
            .await?
            .map_err(ApiError::Token)?;
        let client_addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        state
            .usage
            .record(verified.token_row, client_addr.map(|a| a.to_string()));
        let note = parts
            .extensions
            .get::<ScopeNote>()
            .cloned()
            .unwrap_or_default();
        note.0.lock().expect("note").effective = Some(verified.effective.clone());
        let owner = &verified.owner;
        let principal = Principal {
            user_id: Some(owner.id),
            label: owner
                .email
                .clone()
                .unwrap_or_else(|| owner.display_name.clone()),
            permissions: verified.effective.clone(),
            token: Some(verified.public_id.clone()),
            client_addr,
        };
        Ok(Self {
            principal,
            verified,
            note,
        })
    }
}

/// Adds `X-Token-Scopes` and `X-Accepted-Scopes` to every authenticated response.
pub async fn scope_headers(mut req: Request, next: Next) -> Response {
    let note = ScopeNote::default();
    req.extensions_mut().insert(note.clone());
    let mut response = next.run(req).await;
    let note = note.0.lock().expect("note");
    if let Some(effective) = &note.effective {
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&effective.join(", ")) {
            headers.insert("x-token-scopes", v);
        }
        if let Ok(v) = HeaderValue::from_str(note.accepted.as_deref().unwrap_or("")) {
            headers.insert("x-accepted-scopes", v);
        }
    }
    response
}

//! `GET /me`: who the calling token is and what it may do.

use super::Bearer;
use crate::AppState;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use types::tokens::OwnerRef;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The calling token and its owner.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Me {
    pub token: MeToken,
    pub owner: OwnerRef,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeToken {
    pub id: String,
    pub name: String,
    /// What the token was given.
    pub scopes: Vec<String>,
    /// What it may do now: its scopes as far as its owner's current role allows.
    pub effective_scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The calling token and its owner: who you are and what you may do.
#[utoipa::path(get, path = "/me", tag = "tokens",
    security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, description = "Missing or invalid token")))]
async fn me(auth: Bearer) -> Json<Me> {
    let v = auth.verified;
    Json(Me {
        token: MeToken {
            id: v.public_id,
            name: v.name,
            scopes: v.scopes,
            effective_scopes: v.effective,
            expires_at: v.expires_at,
        },
        owner: v.owner,
    })
}

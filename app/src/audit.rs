//! The audit log as the console and the REST API show it.

use crate::{directory::delegate, AppError, Page};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who acted: an email, a service account, `… via token lk_…`, or `anonymous`.
    pub actor: String,
    /// For example `token.created`, `token.revoked`, `sign_in.failed`, `role.changed`.
    pub action: String,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    /// What changed. Never a secret.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
pub struct AuditFilter {
    /// Part of the actor, any case.
    #[serde(default)]
    pub actor: Option<String>,
    /// An action, or its start (`token.` for every token event).
    #[serde(default)]
    pub action: Option<String>,
    /// Events about this target (a token's public id, an email, a role name).
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

delegate!(#[server(endpoint = "audit/list")] list_audit => list_audit(filter: AuditFilter) -> Page<AuditEvent>);

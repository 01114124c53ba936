//! The audit log as the console and the REST API show it.

use crate::events::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who acted: an email, a service account, `… via token lk_…`, or `anonymous`.
    pub actor: String,
    /// For example `token.created`, `token.revoked`, `sign_in.failed`, `role.changed`.
    pub action: Event,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    /// What changed. Never a secret.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
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
    #[cfg_attr(feature = "server", param(pattern = r"^[0-9]{0,18}$"))]
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

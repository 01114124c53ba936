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
    /// What kind of thing `target` is (a token's public id, a user's email, a role's name…).
    #[serde(default)]
    pub target_kind: Option<TargetKind>,
    pub client_addr: Option<String>,
    /// What changed. Never a secret.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// What an audit event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Token,
    User,
    Role,
    Module,
    Webhook,
    /// A sign-in name that may belong to nobody.
    Account,
    Instance,
}

impl TargetKind {
    const ALL: [Self; 7] = [
        Self::Token,
        Self::User,
        Self::Role,
        Self::Module,
        Self::Webhook,
        Self::Account,
        Self::Instance,
    ];

    /// The word stored: `token`, `user`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::User => "user",
            Self::Role => "role",
            Self::Module => "module",
            Self::Webhook => "webhook",
            Self::Account => "account",
            Self::Instance => "instance",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == word)
    }
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

//! The audit log as the console and the REST API show it.

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
    pub action: String,
    pub target: Option<String>,
    pub client_addr: Option<String>,
    /// What changed. Never a secret.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// Every kind of event the audit log records; their names live here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    TokenCreated,
    TokenRevoked,
    TokenRolled,
    TokenUsedAfterReplacement,
    CanaryTriggered,
    TokenLeaked,
    TokenRefusedAddress,
    SignInSucceeded,
    SignInFailed,
    SignInThrottled,
    SignOut,
    SessionEnded,
    SetupFailed,
    UserCreated,
    UserChanged,
    UserDisabled,
    UserEnabled,
    UserDeleted,
    PasswordChanged,
    PasswordChangeFailed,
    RoleCreated,
    RoleChanged,
    RoleDeleted,
    ModuleAdded,
    WebhookCreated,
    WebhookDeleted,
    WebhookTested,
    WebhookSecretRotated,
}

impl AuditAction {
    pub const ALL: [Self; 28] = [
        Self::TokenCreated,
        Self::TokenRevoked,
        Self::TokenRolled,
        Self::TokenUsedAfterReplacement,
        Self::CanaryTriggered,
        Self::TokenLeaked,
        Self::TokenRefusedAddress,
        Self::SignInSucceeded,
        Self::SignInFailed,
        Self::SignInThrottled,
        Self::SignOut,
        Self::SessionEnded,
        Self::SetupFailed,
        Self::UserCreated,
        Self::UserChanged,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::UserDeleted,
        Self::PasswordChanged,
        Self::PasswordChangeFailed,
        Self::RoleCreated,
        Self::RoleChanged,
        Self::RoleDeleted,
        Self::ModuleAdded,
        Self::WebhookCreated,
        Self::WebhookDeleted,
        Self::WebhookTested,
        Self::WebhookSecretRotated,
    ];

    /// The name stored in the log and shown to people, e.g. `token.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenCreated => "token.created",
            Self::TokenRevoked => "token.revoked",
            Self::TokenRolled => "token.rolled",
            Self::TokenUsedAfterReplacement => "token.used_after_replacement",
            Self::CanaryTriggered => "token.canary_triggered",
            Self::TokenLeaked => "token.leaked",
            Self::TokenRefusedAddress => "token.refused_address",
            Self::SignInSucceeded => "sign_in.succeeded",
            Self::SignInFailed => "sign_in.failed",
            Self::SignInThrottled => "sign_in.throttled",
            Self::SignOut => "sign_out",
            Self::SessionEnded => "session.ended",
            Self::SetupFailed => "setup.failed",
            Self::UserCreated => "user.created",
            Self::UserChanged => "user.changed",
            Self::UserDisabled => "user.disabled",
            Self::UserEnabled => "user.enabled",
            Self::UserDeleted => "user.deleted",
            Self::PasswordChanged => "user.password_changed",
            Self::PasswordChangeFailed => "user.password_change_failed",
            Self::RoleCreated => "role.created",
            Self::RoleChanged => "role.changed",
            Self::RoleDeleted => "role.deleted",
            Self::ModuleAdded => "module.added",
            Self::WebhookCreated => "webhook.created",
            Self::WebhookDeleted => "webhook.deleted",
            Self::WebhookTested => "webhook.tested",
            Self::WebhookSecretRotated => "webhook.secret_rotated",
        }
    }

    /// What the action filter offers: each group of actions (`token.` for every token
    /// event), followed by the actions in it, in the order of [`Self::ALL`].
    pub fn filter_choices() -> Vec<&'static str> {
        let mut choices: Vec<&'static str> = Vec::new();
        for action in Self::ALL {
            let name = action.as_str();
            if let Some((group, _)) = name.split_once('.') {
                let group = &name[..=group.len()];
                if !choices.contains(&group) {
                    choices.push(group);
                }
            }
            choices.push(name);
        }
        choices
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_offers_each_group_before_its_actions() {
        let choices = AuditAction::filter_choices();
        assert_eq!(&choices[..3], ["token.", "token.created", "token.revoked"]);
        assert!(choices.contains(&"sign_out"));
        assert_eq!(choices.len(), AuditAction::ALL.len() + 8);
    }
}

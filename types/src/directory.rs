//! Users, service accounts, roles and modules, as the console and the REST API show them,
//! and the console's server functions for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person (signs in with a password) or a service account (exists to own
/// integration tokens and cannot sign in).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, sqlx::Type))]
#[cfg_attr(feature = "server", sqlx(type_name = "text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    #[default]
    Human,
    Service,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Service => "service",
        }
    }
}

/// The roles every Latchkey has, whose names the rules rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRole {
    /// Every permission (`*`); the last active one cannot be removed.
    Administrator,
    /// May create, list and revoke their own tokens.
    Member,
    /// Reads users, roles, tokens and the audit log.
    Auditor,
}

impl BuiltinRole {
    pub fn name(self) -> &'static str {
        match self {
            Self::Administrator => "Administrator",
            Self::Member => "Member",
            Self::Auditor => "Auditor",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RoleRef {
    pub id: i64,
    pub name: String,
}

/// A person (`human`, signs in with a password) or a service account (`service`, exists
/// to own integration tokens and cannot sign in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: i64,
    pub email: Option<String>,
    pub display_name: String,
    pub kind: UserKind,
    pub active: bool,
    pub role: RoleRef,
    pub created_at: DateTime<Utc>,
    /// Live tokens this user created for other owners: disabling or deleting the user
    /// may revoke them too.
    pub created_tokens: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// `human` (the default) or `service`.
    #[serde(default)]
    pub kind: Option<UserKind>,
    /// Required for people; optional for service accounts.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 254))]
    pub email: Option<String>,
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub display_name: String,
    /// Required for people (at least 12 characters); service accounts have none.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(min_length = 12, max_length = 1024))]
    pub password: Option<String>,
    pub role_id: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role_id: Option<i64>,
    /// `false` disables the user (and stops their tokens at once); `true` enables them.
    #[serde(default)]
    pub active: Option<bool>,
    /// With `active: false`: also revoke the tokens this user created for others (list
    /// them with `GET /api/v1/tokens?created_by=<id>`).
    #[serde(default)]
    pub revoke_created_tokens: Option<bool>,
}

/// How a user is deleted. Their own tokens always go with them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DeleteOptions {
    /// Also revoke the tokens this user created for others.
    #[serde(default)]
    pub revoke_created_tokens: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct UserFilter {
    /// `human` or `service`.
    #[serde(default, deserialize_with = "crate::empty_as_none")]
    pub kind: Option<UserKind>,
    #[cfg_attr(feature = "server", param(pattern = r"^[0-9]{0,18}$"))]
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Role {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// `<module>:read`, `<module>:write`, `tokens:admin`, `tokens:introspect`; `*` is every
    /// permission (the built-in Administrator only).
    pub permissions: Vec<String>,
    pub builtin: bool,
    pub user_count: i64,
    /// The identity provider's groups whose members get this role when they sign in with
    /// single sign-on (with a roles claim configured).
    #[serde(default)]
    pub sso_groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 60))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub description: Option<String>,
    pub permissions: Vec<String>,
    /// Identity-provider groups mapped to the role (at most 50, each up to 200 characters).
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_items = 50))]
    pub sso_groups: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    /// The same rules as a new role's: what the document says is what is refused.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 60))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 300))]
    pub description: Option<String>,
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
    /// The only change a built-in role takes (at most 50 groups, each up to 200 characters).
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_items = 50))]
    pub sso_groups: Option<Vec<String>>,
}

/// A module: what scopes and permissions are about (`tokens`, `users`, `shipping`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Module {
    pub slug: String,
    pub description: String,
    pub builtin: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewModule {
    /// 2 to 32 characters: lower-case letters, digits and `-`, starting with a letter.
    #[cfg_attr(feature = "server", schema(pattern = r"^[a-z][a-z0-9-]{1,31}$"))]
    pub slug: String,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 200))]
    pub description: Option<String>,
}

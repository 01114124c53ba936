//! The seam between the console's server functions (declared here, in `app`) and the
//! server that implements them (`server`, which owns the database). The server resolves
//! the caller once per request and puts a [`Caller`] in the request's extensions; it
//! provides its [`Console`] implementation as Leptos context.

use crate::{
    api_docs::ApiOperation,
    audit::{AuditEvent, AuditFilter},
    directory::{
        DeleteOptions, Module, NewModule, NewRole, NewUser, Role, RolePatch, UserFilter, UserPatch,
        UserSummary,
    },
    session::{SessionInfo, SetupForm},
    tokens::{
        CreatedToken, ExpiringSoon, NewCanary, NewToken, OwnerChoice, Revoked, RollToken,
        RolledToken, TokenFilter, TokenPolicy, TokenSummary, TokenUsage,
    },
    webhooks::{
        CreatedWebhookEndpoint, NewWebhookEndpoint, RotatedSigningSecret, SecretRotation,
        WebhookDelivery, WebhookEndpoint,
    },
    AppError, CurrentUser, Page,
};
use async_trait::async_trait;
use leptos::prelude::*;
use std::{net::IpAddr, sync::Arc};

/// Who is asking: the signed-in user, if any, and where from.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub user: Option<CurrentUser>,
    /// SHA-256 of the session cookie, to end the session on sign-out.
    pub session_digest: Option<Vec<u8>>,
    pub client_addr: Option<IpAddr>,
    /// The browser's `User-Agent`, shortened, for the list of sessions.
    pub user_agent: Option<String>,
}

impl Caller {
    /// The signed-in user, or `Unauthenticated`.
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }
}

/// A `Set-Cookie` header value.
pub type SetCookie = String;

#[async_trait]
pub trait Console: Send + Sync + 'static {
    async fn sign_in(
        &self,
        caller: &Caller,
        email: String,
        password: String,
    ) -> Result<SetCookie, AppError>;
    async fn sign_out(&self, caller: &Caller) -> Result<SetCookie, AppError>;
    async fn list_sessions(&self, caller: &Caller) -> Result<Vec<SessionInfo>, AppError>;
    async fn end_session(&self, caller: &Caller, id: i64) -> Result<(), AppError>;
    async fn set_up(&self, caller: &Caller, form: SetupForm) -> Result<SetCookie, AppError>;
    async fn change_password(
        &self,
        caller: &Caller,
        current: String,
        new: String,
    ) -> Result<(), AppError>;

    async fn list_tokens(
        &self,
        caller: &Caller,
        filter: TokenFilter,
    ) -> Result<Page<TokenSummary>, AppError>;
    async fn get_token(&self, caller: &Caller, id: String) -> Result<TokenSummary, AppError>;
    async fn create_token(&self, caller: &Caller, new: NewToken) -> Result<CreatedToken, AppError>;
    async fn create_canary(
        &self,
        caller: &Caller,
        new: NewCanary,
    ) -> Result<CreatedToken, AppError>;
    async fn revoke_token(&self, caller: &Caller, id: String) -> Result<Revoked, AppError>;
    async fn roll_token(
        &self,
        caller: &Caller,
        id: String,
        roll: RollToken,
    ) -> Result<RolledToken, AppError>;
    async fn revoke_tokens(
        &self,
        caller: &Caller,
        ids: Vec<String>,
    ) -> Result<Vec<Revoked>, AppError>;
    async fn token_policy(&self, caller: &Caller) -> Result<TokenPolicy, AppError>;
    async fn expiring_soon(&self, caller: &Caller) -> Result<ExpiringSoon, AppError>;

    async fn list_users(
        &self,
        caller: &Caller,
        filter: UserFilter,
    ) -> Result<Page<UserSummary>, AppError>;
    async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<UserSummary, AppError>;
    async fn update_user(
        &self,
        caller: &Caller,
        id: i64,
        patch: UserPatch,
    ) -> Result<UserSummary, AppError>;
    async fn delete_user(
        &self,
        caller: &Caller,
        id: i64,
        options: DeleteOptions,
    ) -> Result<(), AppError>;
    async fn list_roles(&self, caller: &Caller) -> Result<Vec<Role>, AppError>;
    async fn create_role(&self, caller: &Caller, new: NewRole) -> Result<Role, AppError>;
    async fn update_role(
        &self,
        caller: &Caller,
        id: i64,
        patch: RolePatch,
    ) -> Result<Role, AppError>;
    async fn delete_role(&self, caller: &Caller, id: i64) -> Result<(), AppError>;
    async fn list_modules(&self, caller: &Caller) -> Result<Vec<Module>, AppError>;
    async fn create_module(&self, caller: &Caller, new: NewModule) -> Result<Module, AppError>;
    async fn list_audit(
        &self,
        caller: &Caller,
        filter: AuditFilter,
    ) -> Result<Page<AuditEvent>, AppError>;
    async fn api_reference(&self, caller: &Caller) -> Result<Vec<ApiOperation>, AppError>;
    async fn token_owners(&self, caller: &Caller) -> Result<Vec<OwnerChoice>, AppError>;
    async fn check_token_name(
        &self,
        caller: &Caller,
        owner_id: Option<i64>,
        name: String,
    ) -> Result<(), AppError>;
    async fn token_events(&self, caller: &Caller, id: String) -> Result<Vec<AuditEvent>, AppError>;
    async fn token_usage(&self, caller: &Caller, id: String) -> Result<TokenUsage, AppError>;

    async fn list_webhooks(&self, caller: &Caller) -> Result<Vec<WebhookEndpoint>, AppError>;
    async fn register_webhook(
        &self,
        caller: &Caller,
        new: NewWebhookEndpoint,
    ) -> Result<CreatedWebhookEndpoint, AppError>;
    async fn delete_webhook(&self, caller: &Caller, id: String) -> Result<(), AppError>;
    async fn webhook_deliveries(
        &self,
        caller: &Caller,
        id: String,
    ) -> Result<Vec<WebhookDelivery>, AppError>;
    async fn send_test_webhook(&self, caller: &Caller, id: String) -> Result<String, AppError>;
    async fn rotate_webhook_secret(
        &self,
        caller: &Caller,
        id: String,
        rotate: SecretRotation,
    ) -> Result<RotatedSigningSecret, AppError>;
    async fn resend_delivery(
        &self,
        caller: &Caller,
        id: String,
        event_id: String,
    ) -> Result<(), AppError>;
}

pub type SharedConsole = Arc<dyn Console>;

/// The server's implementation, provided as context.
pub fn console() -> Result<SharedConsole, AppError> {
    use_context::<SharedConsole>().ok_or_else(|| {
        leptos::logging::error!("no Console in context");
        AppError::Internal
    })
}

/// Sets the HTTP status of a failed server-function call to the one its error calls for
/// (server functions answer 500 for every error otherwise).
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let (Err(error), Some(response)) = (&result, use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(status) = http::StatusCode::from_u16(error.status()) {
            response.set_status(status);
        }
    }
    result
}

/// The caller the server resolved for this request (anonymous if none).
pub fn caller() -> Caller {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .unwrap_or_default()
}

pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

//! The server's side of the console's server functions (see `app::backend`): each asks
//! who the signed-in caller is and hands over to the module that owns the rules.

use crate::{
    audit, auth, error::Error, modules, principal::Principal, roles, sessions, tokens, users,
    webhooks, AppState,
};
use app::{
    api_docs::ApiOperation,
    audit::{AuditEvent, AuditFilter},
    backend::{Caller, Console, SetCookie},
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
    AppError, Page,
};
use async_trait::async_trait;

pub struct ConsoleService(pub AppState);

/// The answer a server function gives: server failures are logged here, once, inside
/// the request's span, and reach the browser as a generic message.
fn answer<T>(result: crate::error::Result<T>) -> Result<T, AppError> {
    result.map_err(Error::into_answer)
}

impl ConsoleService {
    fn pool(&self) -> &sqlx::PgPool {
        &self.0.pool
    }
}

#[async_trait]
impl Console for ConsoleService {
    async fn sign_in(
        &self,
        caller: &Caller,
        email: String,
        password: String,
    ) -> Result<SetCookie, AppError> {
        let value = auth::sign_in(self.pool(), &self.0.passwords, caller, &email, password)
            .await
            .map_err(Error::into_answer)?;
        Ok(sessions::set_cookie(&self.0.settings, &value))
    }

    async fn sign_out(&self, caller: &Caller) -> Result<SetCookie, AppError> {
        auth::sign_out(self.pool(), caller)
            .await
            .map_err(Error::into_answer)?;
        Ok(sessions::clear_cookie(&self.0.settings))
    }

    async fn list_sessions(&self, caller: &Caller) -> Result<Vec<SessionInfo>, AppError> {
        let user = caller.user()?;
        let current = caller.session_digest.as_deref().unwrap_or_default();
        answer(sessions::list(self.pool(), &self.0.settings, user.id, current).await)
    }

    async fn end_session(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        answer(auth::end_session(self.pool(), caller, id).await)
    }

    async fn set_up(&self, caller: &Caller, form: SetupForm) -> Result<SetCookie, AppError> {
        let value = auth::set_up(self.pool(), &self.0.passwords, &self.0.setup, caller, form)
            .await
            .map_err(Error::into_answer)?;
        Ok(sessions::set_cookie(&self.0.settings, &value))
    }

    async fn change_password(
        &self,
        caller: &Caller,
        current: String,
        new: String,
    ) -> Result<(), AppError> {
        answer(auth::change_password(self.pool(), &self.0.passwords, caller, current, new).await)
    }

    async fn list_tokens(
        &self,
        caller: &Caller,
        filter: TokenFilter,
    ) -> Result<Page<TokenSummary>, AppError> {
        answer(tokens::list(self.pool(), &Principal::from_caller(caller)?, filter).await)
    }

    async fn get_token(&self, caller: &Caller, id: String) -> Result<TokenSummary, AppError> {
        answer(tokens::get(self.pool(), &Principal::from_caller(caller)?, &id).await)
    }

    async fn create_token(&self, caller: &Caller, new: NewToken) -> Result<CreatedToken, AppError> {
        answer(
            tokens::create(
                self.pool(),
                &self.0.settings.token_policy(),
                &Principal::from_caller(caller)?,
                new,
            )
            .await,
        )
    }

    async fn create_canary(
        &self,
        caller: &Caller,
        new: NewCanary,
    ) -> Result<CreatedToken, AppError> {
        answer(
            tokens::create_canary(
                self.pool(),
                &self.0.settings.token_policy(),
                &Principal::from_caller(caller)?,
                new,
            )
            .await,
        )
    }

    async fn revoke_token(&self, caller: &Caller, id: String) -> Result<Revoked, AppError> {
        let p = Principal::from_caller(caller)?;
        answer(tokens::revoke_everywhere(self.pool(), &self.0.verifier, &p, &id).await)
    }

    async fn roll_token(
        &self,
        caller: &Caller,
        id: String,
        roll: RollToken,
    ) -> Result<RolledToken, AppError> {
        let p = Principal::from_caller(caller)?;
        let policy = self.0.settings.token_policy();
        answer(tokens::roll(self.pool(), &policy, &p, tokens::ToRoll::Id(&id), roll).await)
    }

    async fn revoke_tokens(
        &self,
        caller: &Caller,
        ids: Vec<String>,
    ) -> Result<Vec<Revoked>, AppError> {
        let p = Principal::from_caller(caller)?;
        answer(tokens::revoke_all_everywhere(self.pool(), &self.0.verifier, &p, &ids).await)
    }

    async fn expiring_soon(&self, caller: &Caller) -> Result<ExpiringSoon, AppError> {
        answer(tokens::expiring_soon(self.pool(), &Principal::from_caller(caller)?).await)
    }

    async fn token_policy(&self, caller: &Caller) -> Result<TokenPolicy, AppError> {
        caller.user()?;
        Ok(self.0.settings.token_policy())
    }

    async fn list_users(
        &self,
        caller: &Caller,
        filter: UserFilter,
    ) -> Result<Page<UserSummary>, AppError> {
        answer(users::list(self.pool(), &Principal::from_caller(caller)?, filter).await)
    }

    async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<UserSummary, AppError> {
        answer(
            users::create(
                self.pool(),
                &self.0.passwords,
                &Principal::from_caller(caller)?,
                new,
            )
            .await,
        )
    }

    async fn update_user(
        &self,
        caller: &Caller,
        id: i64,
        patch: UserPatch,
    ) -> Result<UserSummary, AppError> {
        answer(users::update(self.pool(), &Principal::from_caller(caller)?, id, patch).await)
    }

    async fn delete_user(
        &self,
        caller: &Caller,
        id: i64,
        options: DeleteOptions,
    ) -> Result<(), AppError> {
        answer(users::delete(self.pool(), &Principal::from_caller(caller)?, id, options).await)
    }

    async fn list_roles(&self, caller: &Caller) -> Result<Vec<Role>, AppError> {
        answer(roles::list(self.pool(), &Principal::from_caller(caller)?).await)
    }

    async fn create_role(&self, caller: &Caller, new: NewRole) -> Result<Role, AppError> {
        answer(roles::create(self.pool(), &Principal::from_caller(caller)?, new).await)
    }

    async fn update_role(
        &self,
        caller: &Caller,
        id: i64,
        patch: RolePatch,
    ) -> Result<Role, AppError> {
        answer(roles::update(self.pool(), &Principal::from_caller(caller)?, id, patch).await)
    }

    async fn delete_role(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        answer(roles::delete(self.pool(), &Principal::from_caller(caller)?, id).await)
    }

    async fn list_modules(&self, caller: &Caller) -> Result<Vec<Module>, AppError> {
        caller.user()?;
        answer(modules::list(self.pool()).await)
    }

    async fn create_module(&self, caller: &Caller, new: NewModule) -> Result<Module, AppError> {
        answer(modules::create(self.pool(), &Principal::from_caller(caller)?, new).await)
    }

    async fn list_audit(
        &self,
        caller: &Caller,
        filter: AuditFilter,
    ) -> Result<Page<AuditEvent>, AppError> {
        answer(audit::list(self.pool(), &Principal::from_caller(caller)?, filter).await)
    }

    async fn api_reference(&self, caller: &Caller) -> Result<Vec<ApiOperation>, AppError> {
        caller.user()?;
        Ok(crate::api::reference())
    }

    async fn token_owners(&self, caller: &Caller) -> Result<Vec<OwnerChoice>, AppError> {
        answer(tokens::owner_choices(self.pool(), &Principal::from_caller(caller)?).await)
    }

    async fn check_token_name(
        &self,
        caller: &Caller,
        owner_id: Option<i64>,
        name: String,
    ) -> Result<(), AppError> {
        answer(
            tokens::check_name(
                self.pool(),
                &Principal::from_caller(caller)?,
                owner_id,
                &name,
            )
            .await,
        )
    }

    async fn token_events(&self, caller: &Caller, id: String) -> Result<Vec<AuditEvent>, AppError> {
        answer(tokens::events(self.pool(), &Principal::from_caller(caller)?, &id).await)
    }

    async fn token_usage(&self, caller: &Caller, id: String) -> Result<TokenUsage, AppError> {
        answer(tokens::usage(self.pool(), &Principal::from_caller(caller)?, &id).await)
    }

    async fn list_webhooks(&self, caller: &Caller) -> Result<Vec<WebhookEndpoint>, AppError> {
        answer(webhooks::list(self.pool(), &Principal::from_caller(caller)?).await)
    }

    async fn register_webhook(
        &self,
        caller: &Caller,
        new: NewWebhookEndpoint,
    ) -> Result<CreatedWebhookEndpoint, AppError> {
        answer(
            webhooks::register(
                self.pool(),
                &Principal::from_caller(caller)?,
                &self.0.settings,
                new,
            )
            .await,
        )
    }

    async fn delete_webhook(&self, caller: &Caller, id: String) -> Result<(), AppError> {
        answer(webhooks::delete(self.pool(), &Principal::from_caller(caller)?, &id).await)
    }

    async fn webhook_deliveries(
        &self,
        caller: &Caller,
        id: String,
    ) -> Result<Vec<WebhookDelivery>, AppError> {
        answer(webhooks::deliveries(self.pool(), &Principal::from_caller(caller)?, &id).await)
    }

    async fn rotate_webhook_secret(
        &self,
        caller: &Caller,
        id: String,
        rotate: SecretRotation,
    ) -> Result<RotatedSigningSecret, AppError> {
        let p = Principal::from_caller(caller)?;
        answer(webhooks::rotate_secret(self.pool(), &p, &id, rotate).await)
    }

    async fn send_test_webhook(&self, caller: &Caller, id: String) -> Result<String, AppError> {
        answer(webhooks::send_test(self.pool(), &Principal::from_caller(caller)?, &id).await)
    }

    async fn resend_delivery(
        &self,
        caller: &Caller,
        id: String,
        event_id: String,
    ) -> Result<(), AppError> {
        let p = Principal::from_caller(caller)?;
        answer(webhooks::resend(self.pool(), &p, &id, &event_id).await)
    }
}

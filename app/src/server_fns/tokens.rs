//! API tokens: the list, one token's page, the wizard, revoking and rolling.

use leptos::prelude::*;
use server_fn::codec::GetUrl;
use types::{
    audit::AuditEvent,
    tokens::{
        CreatedToken, ExpiringSoon, NewCanary, NewToken, OwnerChoice, Revoked, RollToken,
        RolledToken, TokenFilter, TokenPolicy, TokenSummary, TokenUsage,
    },
    AppError, Page,
};

#[server(endpoint = "tokens/list", input = GetUrl)]
pub async fn list_tokens(filter: TokenFilter) -> Result<Page<TokenSummary>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::tokens::list(&core()?.pool, &principal()?, filter).await)
}

#[server(endpoint = "tokens/get", input = GetUrl)]
pub async fn get_token(id: String) -> Result<TokenSummary, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::tokens::get(&core()?.pool, &principal()?, &id).await)
}

#[server(endpoint = "tokens/create")]
pub async fn create_token(new: NewToken) -> Result<CreatedToken, AppError> {
    use super::context::{answer, core, principal};
    let core = core()?;
    let policy = core.settings.token_policy();
    answer(latchkey_core::tokens::create(&core.pool, &policy, &principal()?, new).await)
}

#[server(endpoint = "tokens/create_canary")]
pub async fn create_canary(new: NewCanary) -> Result<CreatedToken, AppError> {
    use super::context::{answer, core, principal};
    let core = core()?;
    let policy = core.settings.token_policy();
    answer(latchkey_core::tokens::create_canary(&core.pool, &policy, &principal()?, new).await)
}

#[server(endpoint = "tokens/revoke")]
pub async fn revoke_token(id: String) -> Result<Revoked, AppError> {
    use super::context::{answer, core, go_to_after_plain_form, principal};
    let core = core()?;
    let revoked = answer(
        latchkey_core::tokens::revocation::revoke_everywhere(
            &core.pool,
            &core.verifier,
            &principal()?,
            &id,
        )
        .await,
    );
    // Without the Wasm: back to the list, which shows the token revoked, or to the
    // confirmation, which says it failed.
    match &revoked {
        Ok(_) => go_to_after_plain_form("/"),
        Err(_) if id.chars().all(|c| c.is_ascii_alphanumeric()) => {
            go_to_after_plain_form(&format!("/tokens/{id}/revoke?failed"))
        }
        Err(_) => go_to_after_plain_form("/"),
    }
    revoked
}

#[server(endpoint = "tokens/roll")]
pub async fn roll(id: String, roll: RollToken) -> Result<RolledToken, AppError> {
    use super::context::{answer, core, principal};
    use latchkey_core::tokens::{self, ToRoll};
    answer(tokens::roll(&core()?, &principal()?, ToRoll::Id(&id), roll).await)
}

#[server(endpoint = "tokens/revoke_many")]
pub async fn revoke_tokens(ids: Vec<String>) -> Result<Vec<Revoked>, AppError> {
    use super::context::{answer, core, principal};
    let core = core()?;
    let p = principal()?;
    answer(
        latchkey_core::tokens::revocation::revoke_all_everywhere(
            &core.pool,
            &core.verifier,
            &p,
            &ids,
        )
        .await,
    )
}

#[server(endpoint = "tokens/policy", input = GetUrl)]
pub async fn get_token_policy() -> Result<TokenPolicy, AppError> {
    use super::context::{core, principal};
    principal()?;
    Ok(core()?.settings.token_policy())
}

#[server(endpoint = "tokens/expiring", input = GetUrl)]
pub async fn count_expiring_soon() -> Result<ExpiringSoon, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::tokens::expiring_soon(&core()?.pool, &principal()?).await)
}

#[server(endpoint = "tokens/owners", input = GetUrl)]
pub async fn token_owners() -> Result<Vec<OwnerChoice>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::tokens::owner_choices(&core()?.pool, &principal()?).await)
}

#[server(endpoint = "tokens/check_name", input = GetUrl)]
pub async fn check_token_name(owner_id: Option<i64>, name: String) -> Result<(), AppError> {
    use super::context::{answer, core, principal};
    let p = principal()?;
    answer(latchkey_core::tokens::check_name(&core()?.pool, &p, owner_id, &name).await)
}

#[server(endpoint = "tokens/usage", input = GetUrl)]
pub async fn get_token_usage(id: String) -> Result<TokenUsage, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::tokens::usage(&core()?.pool, &principal()?, &id).await)
}

#[server(endpoint = "tokens/events", input = GetUrl)]
pub async fn token_events(id: String) -> Result<Vec<AuditEvent>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::tokens::events(&core()?.pool, &principal()?, &id).await)
}

//! A token presented to Latchkey, by an integration calling the REST API or by a gateway
//! asking on a request's behalf: checked the one way for both. The verifier answers
//! (from memory, or the database on a miss); a canary's use is told; an allowlist that
//! does not admit the client refuses it, counted and written down within budgets.

use super::{canary, refusals, verify::Rejection, verify::Verified};
use crate::{
    error::Result,
    principal::{ActingToken, Ledger, Principal},
    Core,
};
use std::net::IpAddr;

/// The request a token came with, as far as the checks need it.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The token as sent (trimmed by the caller of its header).
    pub token: &'a str,
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    /// The path the client asked for (a gateway names the original request's).
    pub path: &'a str,
}

/// Why a presented token does not let its request through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a live token of ours (or a canary, answered alike): 401.
    Token(Rejection),
    /// A live token whose allowlist does not admit the client's address: 403.
    Address(Option<IpAddr>),
}

/// The token's verification, or why it is refused. `Err` only when the verification
/// itself failed (the database is away).
pub async fn authenticate(
    core: &Core,
    presented: Presented<'_>,
) -> Result<std::result::Result<Verified, Refusal>> {
    let verified = match core
        .verifier
        .verify(presented.token, presented.client_addr)
        .await?
    {
        Ok(verified) => verified,
        Err(rejection) => {
            if rejection == Rejection::Canary {
                let seen = canary::Use {
                    client_addr: presented.client_addr,
                    user_agent: presented.user_agent.map(str::to_owned),
                    path: presented.path.to_owned(),
                };
                canary::tripped(&core.pool, presented.token, seen);
            }
            return Ok(Err(Refusal::Token(rejection)));
        }
    };
    if !verified.allowlist.admits(presented.client_addr) {
        refusals::refused(core, &verified, presented.client_addr);
        return Ok(Err(Refusal::Address(presented.client_addr)));
    }
    Ok(Ok(verified))
}

/// The token's owner, acting with the token's effective scopes.
pub fn acting_for_owner(verified: &Verified, client_addr: Option<IpAddr>) -> Principal {
    let owner = &verified.owner;
    Principal {
        user_id: Some(owner.id),
        label: owner
            .email
            .clone()
            .unwrap_or_else(|| owner.display_name.clone()),
        permissions: verified.effective.clone(),
        token: Some(ActingToken {
            row_id: verified.token_row,
            public_id: verified.public_id.clone(),
            expires_at: verified.expires_at,
            needed: Ledger::default(),
        }),
        client_addr,
    }
}

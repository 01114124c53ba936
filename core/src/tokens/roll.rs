//! Rolling (rotating) a token without downtime: a new token with the old one's name,
//! owner, scopes and allowlist (or narrower ones), while the old one keeps working for an
//! overlap window and is then refused as replaced.

use super::{
    allowlist,
    create::{check_expiry, insert, owner_for_update, within, Family, NewRow},
    fetch, format,
};
use crate::{
    audit::{self, Target},
    error::Result,
    principal::Principal,
    webhooks, Core,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use types::{
    events::Event,
    permissions::{grants, TOKENS_ADMIN, TOKENS_WRITE},
    tokens::{RollToken, RolledToken, TokenPolicy},
    AppError,
};

/// Which token to roll. Whoever rolls, the successor stays in the custody of the old
/// token's family: it joins the family (revoking any member revokes them all), keeps the
/// family's creator as its `created_by`, never lives longer than the old token would
/// have, and never outlives the token that rolls it.
#[derive(Debug, Clone, Copy)]
pub enum ToRoll<'a> {
    /// The token with this public id: its owner's, or any for a token admin.
    Id(&'a str),
    /// The token the request is made with (`POST /tokens/self/roll`): a token may always
    /// roll itself, whatever its scopes, so that an integration can rotate on its own.
    Itself,
}

struct Old {
    id: i64,
    public_id: String,
    owner_id: i64,
    name: String,
    description: String,
    scopes: Vec<String>,
    allowed_ips: Vec<String>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    parent_id: Option<i64>,
    created_by: Option<i64>,
    family_id: i64,
    revoked: bool,
    canary: bool,
    replaced_by: Option<String>,
    ended: bool,
    parent_expires_at: Option<DateTime<Utc>>,
}

/// Rolls a token under the server's token policy, in one transaction, and waits until the
/// old token's shortened life is what this instance answers by. The new plaintext is in
/// the answer and nowhere else.
#[tracing::instrument(skip_all, fields(actor = %p.label))]
pub async fn roll(
    core: &Core,
    p: &Principal,
    which: ToRoll<'_>,
    roll: RollToken,
) -> Result<RolledToken> {
    let policy = &core.settings.token_policy();
    let public_id = match which {
        ToRoll::Id(id) => {
            p.require(TOKENS_WRITE, "roll API tokens")?;
            id.to_owned()
        }
        ToRoll::Itself => p
            .token
            .as_ref()
            .map(|t| t.public_id.clone())
            .ok_or(AppError::Unauthenticated)?,
    };
    let mut tx = core.pool.begin().await?;
    let old = sqlx::query_as!(
        Old,
        r#"SELECT t.id, t.public_id, t.owner_id, t.name, t.description, t.scopes, t.allowed_ips,
                  t.created_at, t.expires_at, t.parent_id, t.created_by, t.family_id,
                  t.revoked_at IS NOT NULL AS "revoked!", t.canary,
                  (SELECT n.public_id FROM api_tokens n WHERE n.id = t.replaced_by) AS replaced_by,
                  COALESCE(t.expires_at <= now(), false) AS "ended!",
                  (SELECT p.expires_at FROM api_tokens p WHERE p.id = t.parent_id) AS parent_expires_at
           FROM api_tokens t WHERE t.public_id = $1 FOR UPDATE OF t"#,
        public_id,
    )
    .fetch_optional(&mut *tx)
    .await?;
    let old = match old {
        Some(old) if p.can(TOKENS_ADMIN) || p.is(old.owner_id) => old,
        _ => return Err(AppError::NotFound("That token".into()).into()),
    };
    let refused = |why: String| Err(AppError::conflict("id", why).into());
    if old.revoked {
        return refused("The token is revoked: generate a new token instead.".into());
    }
    if old.canary {
        return refused("A canary token is not rolled: plant another one instead.".into());
    }
    if let Some(new) = &old.replaced_by {
        return refused(format!(
            "The token was already rolled: {} replaced it. Roll that one instead.",
            types::tokens::masked(new)
        ));
    }
    if old.ended {
        return refused("The token has expired: generate a new token instead.".into());
    }
    let owner = owner_for_update(&mut tx, old.owner_id)
        .await?
        .ok_or_else(|| AppError::NotFound("The owner".into()))?;
    if !owner.active {
        return Err(AppError::invalid("id", "The token's owner is disabled.").into());
    }

    let scopes = match roll.scopes {
        None => old.scopes.clone(),
        Some(scopes) => narrower_scopes(&old.scopes, scopes)?,
    };
    if let Some(s) = scopes.iter().find(|s| !grants(&owner.permissions, s)) {
        return Err(AppError::invalid(
            "scopes",
            format!(
                "{} no longer holds {s}: roll with fewer scopes (a token cannot reach further \
                 than its owner).",
                owner.display_name
            ),
        )
        .into());
    }
    p.require_all(&scopes)?;
    let allowed_ips = match roll.allowed_ips {
        None => old.allowed_ips.clone(),
        Some(entries) => {
            let entries = allowlist::parse("allowed_ips", &entries)?;
            if !allowlist::narrows(&old.allowed_ips, &entries) {
                return Err(AppError::invalid(
                    "allowed_ips",
                    format!(
                        "A roll may only narrow the allowlist: every entry must lie within {}.",
                        old.allowed_ips.join(", ")
                    ),
                )
                .into());
            }
            entries
        }
    };
    // A token rolling another (not itself) is answerable for the successor: it never
    // outlives the roller, and is revoked with it.
    let roller = p.token.as_ref().filter(|t| t.row_id != old.id);
    let expires_at = new_expiry(
        policy,
        &old,
        &roll.expires_at,
        roll.never_expires,
        roller.map(|t| t.expires_at),
    )?;

    let generated = format::generate();
    let new_id = insert(
        &mut tx,
        &generated,
        &NewRow {
            name: &old.name,
            description: &old.description,
            owner_id: old.owner_id,
            created_by: old.created_by,
            scopes: &scopes,
            expires_at,
            parent_id: roller.map(|t| t.row_id).or(old.parent_id),
            allowed_ips: &allowed_ips,
            canary: false,
            family: Some(Family {
                id: old.family_id,
                replaces: old.id,
            }),
        },
    )
    .await?;
    // The old token works until the window ends (or its own expiry, if sooner), to the
    // second of the database's clock.
    let stops_at = sqlx::query_scalar!(
        r#"UPDATE api_tokens
           SET replaced_by = $2, replaced_at = now(),
               expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => $3))
           WHERE id = $1 RETURNING expires_at AS "expires_at!""#,
        old.id,
        new_id,
        roll.overlap.seconds() as f64,
    )
    .fetch_one(&mut *tx)
    .await?;
    // Tokens the old one made follow the lineage: they are revoked with the new one.
    sqlx::query!(
        "UPDATE api_tokens SET parent_id = $2 WHERE parent_id = $1 AND revoked_at IS NULL",
        old.id,
        new_id,
    )
    .execute(&mut *tx)
    .await?;

    let actor = p.into();
    audit::record(
        &mut *tx,
        &actor,
        Event::TokenCreated,
        Target::Token(&generated.public_id),
        json!({
            "name": old.name,
            "owner": owner.label(),
            "scopes": scopes,
            "expires_at": expires_at,
            "allowed_ips": allowed_ips,
            "replaces": old.public_id,
        }),
    )
    .await?;
    audit::record(
        &mut *tx,
        &actor,
        Event::TokenRolled,
        Target::Token(&old.public_id),
        json!({
            "name": old.name,
            "replaced_by": generated.public_id,
            "overlap": roll.overlap.as_str(),
            "stops_at": stops_at,
        }),
    )
    .await?;
    let summary = fetch(&mut tx, new_id).await?;
    let replaced = fetch(&mut tx, old.id).await?;
    let mut data = webhooks::token_data(&summary.id, &summary.name, &summary.owner, &p.label);
    data["replaces"] = json!({ "id": old.public_id, "stops_at": stops_at });
    webhooks::enqueue(&mut tx, Event::TokenRolled, data).await?;
    tx.commit().await?;
    core.verifier.settle().await;
    Ok(RolledToken {
        token: generated.plaintext,
        summary,
        replaced,
    })
}

/// The new token's scopes: those asked for, each one of the old token's or the read
/// scope of one of its write scopes.
fn narrower_scopes(old: &[String], asked: Vec<String>) -> Result<Vec<String>, AppError> {
    let mut scopes: Vec<String> = Vec::with_capacity(asked.len());
    for scope in asked {
        let scope = scope.trim().to_owned();
        let read_of_write = scope
            .strip_suffix(":read")
            .is_some_and(|module| old.contains(&format!("{module}:write")));
        if !old.contains(&scope) && !read_of_write {
            return Err(AppError::invalid(
                "scopes",
                format!("{scope} is not among the token's scopes: a roll may only narrow them."),
            ));
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(AppError::invalid("scopes", "Keep at least one scope."));
    }
    Ok(scopes)
}

/// The new token's expiry. A successor never lives longer than the token it replaces
/// would have: at most the old token's lifetime (`expires_at - created_at`) counted from
/// now, and never "never" unless the old one was; by default exactly that. It is capped
/// by the policy, by the expiry of the token that made the old one, and by that of the
/// token rolling it (`roller`: `Some(None)` for one that never expires). So rolling on
/// schedule goes on for ever; lengthening a token's life never does.
fn new_expiry(
    policy: &TokenPolicy,
    old: &Old,
    asked: &Option<DateTime<Utc>>,
    never: bool,
    roller: Option<Option<DateTime<Utc>>>,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let now = Utc::now();
    let longest = old.expires_at.map(|at| now + (at - old.created_at));
    let at = match (asked, never) {
        (Some(_), true) => {
            return Err(AppError::invalid(
                "expires_at",
                "Give an expiry or ask for none, not both.",
            ))
        }
        (Some(at), false) => {
            let at = check_expiry(policy.max_lifetime_days, Some(*at))?;
            if let (Some(at), Some(longest)) = (at, longest) {
                if at > longest {
                    return Err(AppError::invalid(
                        "expires_at",
                        format!(
                            "A roll cannot lengthen a token's life: the new token may live \
                             until {} at the latest (the old token's lifetime, counted from now).",
                            longest.format("%Y-%m-%d %H:%M UTC")
                        ),
                    ));
                }
            }
            at
        }
        (None, true) => {
            check_expiry(policy.max_lifetime_days, None)?;
            if old.expires_at.is_some() {
                return Err(AppError::invalid(
                    "never_expires",
                    "A roll cannot lengthen a token's life: the old token expires, so the new \
                     one must too.",
                ));
            }
            None
        }
        (None, false) => {
            let cap = policy
                .max_lifetime_days
                .map(|days| now + Duration::days(days.into()));
            within(longest, cap)
        }
    };
    let at = within(at, old.parent_expires_at);
    Ok(match roller {
        Some(limit) => within(at, limit),
        None => at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_roll_narrows_scopes_but_never_widens_them() {
        let old = strings(&["shipping:write", "audit:read"]);
        assert_eq!(
            narrower_scopes(&old, strings(&["shipping:read"])).unwrap(),
            strings(&["shipping:read"]),
            "read instead of write"
        );
        assert!(narrower_scopes(&old, strings(&["users:read"])).is_err());
        assert!(narrower_scopes(&strings(&["audit:read"]), strings(&["audit:write"])).is_err());
        assert!(narrower_scopes(&old, vec![]).is_err());
    }
}

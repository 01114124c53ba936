//! One token: everything but its secret, its audit events, rolling it and revoking it.

use super::{
    token_new::reveal::Reveal,
    tokens::{BlastRadius, RevokeDialog},
};
use crate::{
    components::{
        action_error, Chips, ConfirmDialog, ErrorAlert, RevocationReceipt, ShowError, StatusBadge,
        TokenScopes,
    },
    server_fns::tokens::{get_token, get_token_usage, token_events, RevokeToken, Roll},
    time::{self, Exact, When},
};
use chrono::{Duration, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};
use types::tokens::{CreatedToken, Overlap, RollToken, TokenStatus, TokenSummary, TokenUsage};

#[component]
pub fn TokenDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let revoke = ServerAction::<RevokeToken>::new();
    let token = Resource::new(
        move || (id(), revoke.version().get()),
        |(id, _)| get_token(id),
    );
    let events = Resource::new(
        move || (id(), revoke.version().get()),
        |(id, _)| token_events(id),
    );
    let usage = Resource::new(id, get_token_usage);
    let confirming = RwSignal::new(false);
    let confirm = Callback::new(move |()| {
        confirming.set(false);
        revoke.dispatch(RevokeToken { id: id() });
    });
    let roll = ServerAction::<Roll>::new();
    let rolling = RwSignal::new(false);
    // The scopes of a narrower replacement, when that is what the roll is for.
    let narrow_to = RwSignal::new(None::<Vec<String>>);
    let narrow = Callback::new(move |scopes: Vec<String>| {
        narrow_to.set(Some(scopes));
        rolling.set(true);
    });
    let confirm_roll = Callback::new(move |options: RollToken| {
        rolling.set(false);
        roll.dispatch(Roll {
            id: id(),
            roll: options,
        });
    });
    let navigate = use_navigate();
    let rolled_done = Callback::new(move |new_id: String| {
        // Forget the plaintext before leaving.
        roll.value().set(None);
        navigate(&format!("/tokens/{new_id}"), Default::default());
    });

    view! {
        <Title text="API token"/>
        {move || roll.value().get().and_then(Result::ok).map(|rolled| {
            let new_id = rolled.summary.id.clone();
            let note = match (rolled.replaced.status, rolled.replaced.expires_at) {
                (TokenStatus::Rolling, Some(at)) => format!(
                    "The old token {} keeps working until {}, then is refused.",
                    rolled.replaced.masked,
                    time::exact(at)
                ),
                _ => format!("The old token {} has stopped working.", rolled.replaced.masked),
            };
            let token = CreatedToken { token: rolled.token, summary: rolled.summary };
            view! {
                <Reveal token title="Token rolled" note=Some(note)
                    on_done=Callback::new(move |()| rolled_done.run(new_id.clone()))/>
            }
        })}
        <div hidden=move || roll.value().with(|v| matches!(v, Some(Ok(_))))>
        <p><A href="/">"← API tokens"</A></p>
        <ShowError error=action_error(revoke)/>
        <ShowError error=action_error(roll)/>
        <RevocationReceipt action=revoke/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match token.await {
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    Ok(t) => {
                        let for_dialog = t.clone();
                        let for_roll = t.clone();
                        let unused = t.unused_scopes.clone();
                        let live = t.status == TokenStatus::Active;
                        view! {
                            <div class="page-head">
                                <div>
                                    <h1>{t.name.clone()}</h1>
                                    <p class="lead mono">{t.masked.clone()}</p>
                                </div>
                                <div class="page-actions">
                                    {(t.status == TokenStatus::Active).then(|| view! {
                                        <button type="button" class="btn" on:click=move |_| { narrow_to.set(None); rolling.set(true); }>"Roll token"</button>
                                    })}
                                    {(t.status != TokenStatus::Revoked).then(|| view! {
                                        <button type="button" class="btn btn-danger" on:click=move |_| confirming.set(true)>"Revoke token"</button>
                                    })}
                                </div>
                            </div>
                            <section class="card">
                                <dl class="facts">
                                    <dt>"Status"</dt><dd><StatusBadge status=t.status stops_at=t.expires_at/></dd>
                                    {t.canary.then(|| view! {
                                        <dt>"Canary"</dt>
                                        <dd>"Never authorizes anything: any use is refused and reported. "
                                            {match t.canary_triggered_at {
                                                Some(at) => view! { <strong class="danger-text">"Triggered " <When at/></strong> }.into_any(),
                                                None => view! { <span class="muted">"Not triggered."</span> }.into_any(),
                                            }}
                                        </dd>
                                    })}
                                    <dt>"Description"</dt><dd>{if t.description.is_empty() { "—".to_owned() } else { t.description.clone() }}</dd>
                                    <dt>"Owner"</dt><dd>{t.owner.display_name.clone()} " " <span class="muted">{t.owner.email.clone().unwrap_or_else(|| "service account".into())}</span></dd>
                                    <dt>"Scopes"</dt><dd><TokenScopes scopes=t.scopes.clone() ineffective=t.ineffective.clone()/></dd>
                                    <dt>"Created"</dt><dd><Exact at=t.created_at/></dd>
                                    <dt>"Last used"</dt><dd>{match t.last_used_at { Some(at) => view! { <When at/> }.into_any(), None => view! { "never" }.into_any() }}</dd>
                                    <dt>"Allowed addresses"</dt><dd>{if t.allowed_ips.is_empty() {
                                        view! { "Any" }.into_any()
                                    } else {
                                        view! { <Chips items=t.allowed_ips.clone() label="Allowed addresses"/> }.into_any()
                                    }}</dd>
                                    <dt>"Expires"</dt><dd>{match t.expires_at { Some(at) => view! { <Exact at/> }.into_any(), None => view! { "never" }.into_any() }}</dd>
                                    {t.replaced_by.clone().map(|new| view! {
                                        <dt>"Replaced by"</dt>
                                        <dd><A href=format!("/tokens/{new}")>{types::tokens::masked(&new)}</A>
                                            " " <span class="muted">{t.replaced_at.map(|at| format!("rolled {}", time::exact(at)))}</span></dd>
                                    })}
                                    {t.replaces.clone().map(|old| view! {
                                        <dt>"Replaces"</dt>
                                        <dd><A href=format!("/tokens/{old}")>{types::tokens::masked(&old)}</A></dd>
                                    })}
                                    {t.revoked_at.map(|at| view! { <dt>"Revoked"</dt><dd><Exact at/></dd> })}
                                </dl>
                            </section>
                            // The total in the address: a new total is a new chart (see Sparkline).
                            <section class="card">
                                <h2>"Requests per day, last 30 days"</h2>
                                <p>{usage_text(t.requests_30d)} " Days are UTC days."</p>
                                <img class="usage-chart" src=format!("/tokens/{}/usage.svg?size=chart&requests={}", t.id, t.requests_30d)
                                    width="360" height="132" alt=format!("Requests per day: {}", usage_text(t.requests_30d))/>
                            </section>
                            <Transition fallback=|| ()>
                                {move || {
                                    let unused = unused.clone();
                                    Suspend::new(async move {
                                    usage.await.ok().map(|usage| view! { <UsageDetails usage unused live narrow/> })
                                })}}
                            </Transition>
                            <Show when=move || confirming.get()>
                                <RevokeDialog token=for_dialog.clone() on_confirm=confirm
                                    on_cancel=Callback::new(move |()| confirming.set(false))/>
                            </Show>
                            <Show when=move || rolling.get()>
                                <RollDialog token=for_roll.clone() on_confirm=confirm_roll
                                    scopes=narrow_to.get_untracked()
                                    on_cancel=Callback::new(move |()| rolling.set(false))/>
                            </Show>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        <h2>"Events"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let events = events.await.unwrap_or_default();
                view! {
                    <div class="card table-card" role="region" aria-label="Token events" tabindex="0">
                        <table class="table" aria-label="Events">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th><th scope="col">"From"</th></tr></thead>
                            <tbody>
                                {events.into_iter().map(|e| view! {
                                    <tr>
                                        <td class="nowrap"><When at=e.at/></td>
                                        <td class="mono">{e.action.as_str()}</td>
                                        <td>{e.actor}</td>
                                        <td class="mono">{e.client_addr.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            })}
        </Transition>
        </div>
    }
}

/// The new token's lifetimes a roll offers (days), besides the old token's own.
const ROLL_LIFETIMES: [i64; 5] = [7, 30, 60, 90, 365];

/// Asks how long the old token keeps working, and how long the new one lives, before
/// rolling.
#[component]
fn RollDialog(
    token: TokenSummary,
    on_confirm: Callback<RollToken>,
    on_cancel: Callback<()>,
    /// Fewer scopes for the new token (a narrower replacement); `None` for the same.
    #[prop(default = None)]
    scopes: Option<Vec<String>>,
) -> impl IntoView {
    let overlap = RwSignal::new(Overlap::default());
    // Days, or empty for the old token's lifetime.
    let lifetime = RwSignal::new(String::new());
    let narrower = StoredValue::new(scopes.clone());
    let confirm = Callback::new(move |()| {
        let expires_at = lifetime
            .get_untracked()
            .parse::<i64>()
            .ok()
            .map(|days| Utc::now() + Duration::days(days));
        on_confirm.run(RollToken {
            overlap: overlap.get_untracked(),
            expires_at,
            scopes: narrower.get_value(),
            ..RollToken::default()
        });
    });
    let what = match &scopes {
        None => "with the same name, owner, scopes and allowed addresses".to_owned(),
        Some(scopes) => format!(
            "with the same name, owner and allowed addresses, and only the scopes it used: {}",
            scopes.join(", ")
        ),
    };
    view! {
        <ConfirmDialog title=format!("Roll “{}”?", token.name)
            confirm_label=if scopes.is_some() { "Replace with a narrower token" } else { "Roll token" }
            on_confirm=confirm on_cancel>
            <p>
                "A new token replaces " <code>{token.masked.clone()}</code>
                ", " {what} ". Its secret is shown once."
            </p>
            <BlastRadius id=token.id.clone()/>
            <fieldset>
                <legend>"The old token"</legend>
                {Overlap::ALL.into_iter().map(|o| view! {
                    <label class="choice-line">
                        <input type="radio" name="roll-overlap" value=o.as_str()
                            prop:checked=move || overlap.get() == o
                            on:change=move |_| overlap.set(o)/>
                        {o.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <label for="roll-lifetime">"The new token expires"</label>
            <select id="roll-lifetime" on:change=move |ev| lifetime.set(event_target_value(&ev))>
                <option value="" selected>"After as long as the old token lived"</option>
                {ROLL_LIFETIMES.into_iter().map(|days| view! {
                    <option value=days.to_string()>{format!("In {days} days")}</option>
                }).collect_view()}
            </select>
        </ConfirmDialog>
    }
}

/// Who uses the token (its last clients) and which scopes its requests needed.
#[component]
fn UsageDetails(
    usage: TokenUsage,
    /// The token's scopes no request needed in 30 days.
    unused: Vec<String>,
    /// Whether the token may still be rolled.
    live: bool,
    /// Opens the roll dialog for a replacement with these scopes.
    narrow: Callback<Vec<String>>,
) -> impl IntoView {
    let clients = usage.clients.clone();
    let narrower = usage.narrower_scopes(Utc::now());
    let flag = (!unused.is_empty()).then(|| {
        let offer = (live && !narrower.is_empty()).then(|| {
            let scopes = narrower.clone();
            view! {
                <button type="button" class="btn" on:click=move |_| narrow.run(scopes.clone())>
                    "Replace with a narrower token"
                </button>
            }
        });
        view! {
            <div class="alert alert-warn" role="note">
                <p>{format!("{} not used in 30 days.", unused.join(", "))}</p>
                {offer}
            </div>
        }
    });
    view! {
        {flag}
        <section class="card">
            <h2>"Scopes in use"</h2>
            <ul class="scope-use" aria-label="Scopes in use">
                {usage.scopes.into_iter().map(|s| {
                    let when = match s.last_used {
                        Some(at) => format!("last used {}", time::relative(at)),
                        None => "never used".to_owned(),
                    };
                    let note = (!s.granted).then_some(" (needed through a broader scope)");
                    view! { <li><code>{s.scope}</code> ": " {when} {note}</li> }
                }).collect_view()}
            </ul>
        </section>
        <section class="card">
            <h2>"Clients"</h2>
            {if clients.is_empty() {
                view! { <p class="muted">"No requests yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-card" role="region" aria-label="Token clients" tabindex="0">
                        <table class="table" aria-label="Clients">
                            <thead><tr>
                                <th scope="col">"Address"</th><th scope="col">"User agent"</th>
                                <th scope="col">"First seen"</th><th scope="col">"Last seen"</th>
                                <th scope="col">"Requests since first seen"</th>
                            </tr></thead>
                            <tbody>
                                {clients.into_iter().map(|c| view! {
                                    <tr>
                                        <td class="mono">{c.addr}</td>
                                        <td class="mono">{if c.user_agent.is_empty() { "—".to_owned() } else { c.user_agent }}</td>
                                        <td class="nowrap"><When at=c.first_seen/></td>
                                        <td class="nowrap"><When at=c.last_seen/></td>
                                        <td>{c.requests}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

fn usage_text(requests: i64) -> String {
    match requests {
        0 => "No requests in the last 30 days.".to_owned(),
        1 => "1 request in the last 30 days.".to_owned(),
        n => format!("{n} requests in the last 30 days."),
    }
}

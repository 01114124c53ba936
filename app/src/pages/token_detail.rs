//! One token: everything but its secret, its audit events, and revoking it.

use super::tokens::RevokeDialog;
use crate::{
    components::{action_error, Chips, ErrorAlert, RevocationReceipt, ShowError, StatusBadge},
    time::{self, When},
    tokens::{get_token, token_events, RevokeToken, TokenStatus},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

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
    let confirming = RwSignal::new(false);
    let confirm = Callback::new(move |()| {
        confirming.set(false);
        revoke.dispatch(RevokeToken { id: id() });
    });

    view! {
        <Title text="API token"/>
        <p><A href="/">"← API tokens"</A></p>
        <ShowError error=action_error(revoke)/>
        <RevocationReceipt action=revoke/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match token.await {
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    Ok(t) => {
                        let for_dialog = t.clone();
                        view! {
                            <div class="page-head">
                                <div>
                                    <h1>{t.name.clone()}</h1>
                                    <p class="lead mono">{t.masked.clone()}</p>
                                </div>
                                {(t.status != TokenStatus::Revoked).then(|| view! {
                                    <button type="button" class="btn btn-danger" on:click=move |_| confirming.set(true)>"Revoke token"</button>
                                })}
                            </div>
                            <section class="card">
                                <dl class="facts">
                                    <dt>"Status"</dt><dd><StatusBadge status=t.status/></dd>
                                    <dt>"Description"</dt><dd>{if t.description.is_empty() { "—".to_owned() } else { t.description.clone() }}</dd>
                                    <dt>"Owner"</dt><dd>{t.owner.display_name.clone()} " " <span class="muted">{t.owner.email.clone().unwrap_or_else(|| "service account".into())}</span></dd>
                                    <dt>"Scopes"</dt><dd><Chips items=t.scopes.clone()/></dd>
                                    <dt>"Created"</dt><dd>{time::exact(t.created_at)}</dd>
                                    <dt>"Last used"</dt><dd>{match t.last_used_at { Some(at) => view! { <When at/> }.into_any(), None => view! { "never" }.into_any() }}</dd>
                                    <dt>"Expires"</dt><dd>{t.expires_at.map(time::exact).unwrap_or_else(|| "never".into())}</dd>
                                    {t.revoked_at.map(|at| view! { <dt>"Revoked"</dt><dd>{time::exact(at)}</dd> })}
                                </dl>
                            </section>
                            // The total in the address: a new total is a new chart (see Sparkline).
                            <section class="card">
                                <h2>"Requests, last 30 days"</h2>
                                <p>{usage_text(t.requests_30d)}</p>
                                <img class="usage-chart" src=format!("/tokens/{}/usage.svg?requests={}", t.id, t.requests_30d)
                                    width="357" height="72" alt=format!("Requests per day: {}", usage_text(t.requests_30d))/>
                            </section>
                            <Show when=move || confirming.get()>
                                <RevokeDialog token=for_dialog.clone() on_confirm=confirm
                                    on_cancel=Callback::new(move |()| confirming.set(false))/>
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
                                        <td class="mono">{e.action}</td>
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
    }
}

fn usage_text(requests: i64) -> String {
    match requests {
        0 => "No requests in the last 30 days.".to_owned(),
        1 => "1 request in the last 30 days.".to_owned(),
        n => format!("{n} requests in the last 30 days."),
    }
}

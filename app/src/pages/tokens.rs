//! API tokens: the home page. Newest first, filtered by name as you type (kept in the
//! URL), by status, a page at a time; revoke with confirmation.

use crate::{
    components::{
        action_error, Chips, ConfirmDialog, ErrorAlert, Pager, RevocationReceipt, ShowError,
        StatusBadge,
    },
    permissions::TOKENS_ADMIN,
    time::When,
    tokens::{
        count_expiring_soon, expires_soon, list_tokens, search_text, RevokeToken, TokenFilter,
        TokenStatus, TokenSummary, EXPIRES_SOON_DAYS,
    },
    SignedIn,
};
use chrono::Utc;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::query_signal_with_options, NavigateOptions};

const PAGE_SIZE: u32 = 20;

#[component]
pub fn TokensPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let replace = || NavigateOptions {
        replace: true,
        scroll: false,
        ..Default::default()
    };
    let (q, set_q) = query_signal_with_options::<String>("q", replace());
    let (status, set_status) = query_signal_with_options::<String>("status", replace());
    let (cursor, set_cursor) = query_signal_with_options::<String>("cursor", replace());
    // Cursors of the pages before this one, for "Previous".
    let earlier = RwSignal::new(Vec::<Option<String>>::new());
    let revoke = ServerAction::<RevokeToken>::new();

    // Read again whenever a filter, the page or a revocation changes what it shows.
    let tokens = Resource::new(
        move || (q.get(), status.get(), cursor.get(), revoke.version().get()),
        |(name, status, cursor, _)| {
            list_tokens(TokenFilter {
                name,
                status,
                cursor,
                limit: Some(PAGE_SIZE),
                ..Default::default()
            })
        },
    );

    // The name filter narrows as you type, 300 ms after the last key: each key press
    // starts a timer, and only the timer of the latest key press applies the filter.
    let typed = RwSignal::new(q.get_untracked().unwrap_or_default());
    let keystrokes = RwSignal::new(0u64);
    let on_input = move |ev| {
        // A pasted token is kept as its masked form: its secret goes no further.
        let value = search_text(&event_target_value(&ev));
        typed.set(value.clone());
        keystrokes.update(|n| *n += 1);
        let this_key = keystrokes.get_untracked();
        Timeout::new(300, move || {
            if keystrokes.get_untracked() == this_key {
                set_q.set(Some(value).filter(|v| !v.trim().is_empty()));
                set_cursor.set(None);
                earlier.set(Vec::new());
            }
        })
        .forget();
    };

    let to_revoke = RwSignal::new(None::<TokenSummary>);
    let confirm_revoke = Callback::new(move |()| {
        if let Some(token) = to_revoke.get_untracked() {
            to_revoke.set(None);
            revoke.dispatch(RevokeToken { id: token.id });
        }
    });

    let is_admin = move || {
        user.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(TOKENS_ADMIN))
    };

    view! {
        <Title text="API tokens"/>
        <div class="page-head">
            <div>
                <h1>"API tokens"</h1>
                <p class="lead">"Tokens let integrations (ERP, WMS, BI tools, scripts) call the API as their owner, within their scopes."</p>
            </div>
            <A href="/tokens/new" attr:class="btn btn-primary">"Generate token"</A>
        </div>
        <div class="filters" role="search">
            <label for="filter-name" class="sr-only">"Filter by name, or paste a token to find it"</label>
            <input id="filter-name" type="search" placeholder="Filter by name, or paste a token" autocomplete="off"
                prop:value=move || typed.get() on:input=on_input/>
            <label for="filter-status" class="sr-only">"Status"</label>
            <select id="filter-status" on:change=move |ev| {
                let v = event_target_value(&ev);
                set_status.set(Some(v).filter(|v| !v.is_empty()));
                set_cursor.set(None);
                earlier.set(Vec::new());
            }>
                <option value="" selected=move || status.get().is_none()>"All statuses"</option>
                {["active", "expired", "revoked"].map(|s| view! {
                    <option value=s selected=move || status.get().as_deref() == Some(s)>{s}</option>
                })}
            </select>
            <a class="btn" download rel="external" href=move || export_href(q.get(), status.get())>"Export CSV"</a>
        </div>
        <ExpiringSoon/>
        <ShowError error=action_error(revoke)/>
        <RevocationReceipt action=revoke/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading tokens…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(error) => view! {
                        <ErrorAlert error lead="The tokens could not be loaded: "/>
                    }.into_any(),
                    Ok(page) if page.items.is_empty() => {
                        let filtered = q.get_untracked().is_some() || status.get_untracked().is_some();
                        view! {
                            <div class="card empty">
                                {if filtered {
                                    view! { <p>"No token matches this filter."</p> }.into_any()
                                } else {
                                    view! {
                                        <h2>"No API tokens yet"</h2>
                                        <p>"Generate a token for each integration, named after what it is for, such as “SAP Integration” or “Power BI Reporting”."</p>
                                        <A href="/tokens/new" attr:class="btn btn-primary">"Generate your first token"</A>
                                    }.into_any()
                                }}
                            </div>
                        }.into_any()
                    }
                    Ok(page) => {
                        let next = page.next_cursor.clone();
                        let show_owner = is_admin();
                        view! {
                            <div class="card table-card">
                                <table class="table" aria-label="API tokens">
                                    <thead><tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Token"</th>
                                        {show_owner.then(|| view! { <th scope="col">"Owner"</th> })}
                                        <th scope="col">"Scopes"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col">"Last used"</th>
                                        <th scope="col">"Expires"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|t| token_row(t, show_owner, to_revoke)).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager current=Signal::derive(move || cursor.get()) next earlier
                                go=Callback::new(move |c| set_cursor.set(c))/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        {move || to_revoke.get().map(|t| view! {
            <RevokeDialog token=t on_confirm=confirm_revoke on_cancel=Callback::new(move |()| to_revoke.set(None))/>
        })}
    }
}

fn token_row(
    t: TokenSummary,
    show_owner: bool,
    to_revoke: RwSignal<Option<TokenSummary>>,
) -> impl IntoView {
    let revocable = t.status != TokenStatus::Revoked;
    let row = t.clone();
    let revoke_label = format!("Revoke {}", t.name);
    let soon = t.status == TokenStatus::Active && expires_soon(t.expires_at, Utc::now());
    let expires = match (t.expires_at, t.status) {
        (None, _) => view! { <span>"never"</span> }.into_any(),
        (Some(at), TokenStatus::Expired) => view! { <span>"expired " <When at/></span> }.into_any(),
        (Some(at), _) if soon => view! {
            <When at/> " " <span class="badge badge-warn">"expires soon"</span>
        }
        .into_any(),
        (Some(at), _) => view! { <When at/> }.into_any(),
    };
    view! {
        <tr>
            <td><A href=format!("/tokens/{}", t.id)>{t.name.clone()}</A></td>
            <td class="mono nowrap">{t.masked.clone()}</td>
            {show_owner.then(|| view! { <td>{t.owner.display_name.clone()}</td> })}
            <td><Chips items=t.scopes.clone()/></td>
            <td class="nowrap"><When at=t.created_at/></td>
            <td class="nowrap">{match t.last_used_at {
                Some(at) => view! { <When at/> }.into_any(),
                None => view! { <span class="muted">"never"</span> }.into_any(),
            }}</td>
            <td class="nowrap">{expires}</td>
            <td><StatusBadge status=t.status/></td>
            <td class="nowrap">{revocable.then(|| view! {
                <button type="button" class="btn btn-small btn-danger-quiet"
                    aria-label=revoke_label
                    on:click=move |_| to_revoke.set(Some(row.clone()))>"Revoke"</button>
            })}</td>
        </tr>
    }
}

/// Asks before revoking, naming the token and what stops working.
#[component]
pub fn RevokeDialog(
    token: TokenSummary,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <ConfirmDialog title=format!("Revoke “{}”?", token.name) confirm_label="Revoke token"
            on_confirm on_cancel>
            <p>
                "Every integration using " <code>{token.masked.clone()}</code>
                " will be refused (401 Unauthorized) from its next request. This cannot be undone: "
                "to restore access, generate a new token."
            </p>
        </ConfirmDialog>
    }
}

/// How many of the user's own tokens stop working within a week, if any.
#[component]
fn ExpiringSoon() -> impl IntoView {
    let count = Resource::new(|| (), |()| count_expiring_soon());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let n = count.await.unwrap_or(0);
                (n > 0).then(|| {
                    let text = if n == 1 {
                        format!("1 of your tokens expires within {EXPIRES_SOON_DAYS} days: generate its replacement before it stops working.")
                    } else {
                        format!("{n} of your tokens expire within {EXPIRES_SOON_DAYS} days: generate their replacements before they stop working.")
                    };
                    view! { <div class="alert alert-warn" role="status">{text}</div> }
                })
            })}
        </Transition>
    }
}

/// The CSV export of what the list shows now (its filters, every page).
fn export_href(name: Option<String>, status: Option<String>) -> String {
    let mut query = Vec::new();
    for (key, value) in [("name", name), ("status", status)] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            query.push(format!("{key}={}", percent_encode(&value)));
        }
    }
    if query.is_empty() {
        "/tokens/export.csv".into()
    } else {
        format!("/tokens/export.csv?{}", query.join("&"))
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

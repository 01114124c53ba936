//! API tokens: the home page. Newest first or sorted by created, last used or expiry,
//! filtered by name as you type and by status (all kept in the URL), a page at a time;
//! revoke one token, or several selected at once, with confirmation.

use crate::{
    components::{
        action_error, ConfirmDialog, ErrorAlert, Pager, RevocationReceipt, ShowError, StatusBadge,
        TokenScopes,
    },
    server_fns::tokens::{
        count_expiring_soon, get_token_usage, list_tokens, RevokeToken, RevokeTokens,
    },
    time::When,
    SignedIn,
};
use chrono::Utc;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{query_signal_with_options, use_params_map},
    NavigateOptions,
};
use types::{
    permissions::TOKENS_ADMIN,
    tokens::{
        expires_soon, search_text, Propagation, TokenFilter, TokenSort, TokenStatus, TokenSummary,
    },
};

const PAGE_SIZE: u32 = 20;

/// What the status filter shows: tokens in one state, or the live ones that stop soon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Showing {
    Status(TokenStatus),
    ExpiringSoon,
}

impl Showing {
    /// The filter's choices, in the order offered.
    const CHOICES: [Showing; 5] = [
        Showing::Status(TokenStatus::Active),
        Showing::ExpiringSoon,
        Showing::Status(TokenStatus::Rolling),
        Showing::Status(TokenStatus::Expired),
        Showing::Status(TokenStatus::Revoked),
    ];

    fn as_str(self) -> &'static str {
        match self {
            Showing::Status(s) => s.as_str(),
            Showing::ExpiringSoon => "expiring",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Showing::Status(TokenStatus::Rolling) => "rolling over",
            Showing::Status(s) => s.as_str(),
            Showing::ExpiringSoon => "expiring soon",
        }
    }

    fn status(self) -> Option<TokenStatus> {
        match self {
            Showing::Status(s) => Some(s),
            Showing::ExpiringSoon => None,
        }
    }
}

impl std::str::FromStr for Showing {
    type Err = ();
    fn from_str(word: &str) -> Result<Self, ()> {
        match word {
            "expiring" => Ok(Showing::ExpiringSoon),
            word => word.parse().map(Showing::Status).map_err(|_| ()),
        }
    }
}

impl std::fmt::Display for Showing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The token list, or (at `/tokens/:id/revoke`) the page that asks before revoking one
/// of it: one chunk of Wasm for both, which are one page's work.
#[component]
pub fn TokensPage() -> impl IntoView {
    let revoking = use_params_map().read_untracked().get("id").is_some();
    if revoking {
        view! { <super::revoke::RevokePage/> }.into_any()
    } else {
        view! { <TokenList/> }.into_any()
    }
}

#[component]
fn TokenList() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let replace = || NavigateOptions {
        replace: true,
        scroll: false,
        ..Default::default()
    };
    let (q, set_q) = query_signal_with_options::<String>("q", replace());
    let (status, set_status) = query_signal_with_options::<Showing>("status", replace());
    let (sort, set_sort) = query_signal_with_options::<TokenSort>("sort", replace());
    let (cursor, set_cursor) = query_signal_with_options::<String>("cursor", replace());
    // Cursors of the pages before this one, for "Previous".
    let earlier = RwSignal::new(Vec::<Option<String>>::new());
    let revoke = ServerAction::<RevokeToken>::new();
    let revoke_many = ServerAction::<RevokeTokens>::new();
    // The tokens ticked for revoking together (those on the page shown).
    let selected = RwSignal::new(Vec::<TokenSummary>::new());

    // Read again whenever a filter, the order, the page or a revocation changes what it shows.
    let tokens = Resource::new(
        move || {
            (
                (q.get(), status.get(), sort.get(), cursor.get()),
                (revoke.version().get(), revoke_many.version().get()),
            )
        },
        move |((name, status, sort, cursor), _)| {
            selected.set(Vec::new());
            list_tokens(TokenFilter {
                name,
                status: status.and_then(Showing::status),
                expiring_soon: (status == Some(Showing::ExpiringSoon)).then_some(true),
                sort,
                cursor,
                limit: Some(PAGE_SIZE),
                ..Default::default()
            })
        },
    );
    let order = Memo::new(move |_| sort.get().unwrap_or_default());
    let sort_by = Callback::new(move |by: TokenSort| {
        set_sort.set(Some(by).filter(|b| *b != TokenSort::Newest));
        set_cursor.set(None);
        earlier.set(Vec::new());
    });

    // The name filter narrows as you type, 300 ms after the last key: each key press
    // starts a timer, and only the timer of the latest key press applies the filter.
    // What the box holds when the Wasm arrives: text typed before it ran is kept, and
    // applied once the page is live.
    let in_box = typed_before_hydration();
    let typed = RwSignal::new(
        in_box
            .clone()
            .or_else(|| q.get_untracked())
            .unwrap_or_default(),
    );
    // Controls that need the Wasm are inert (and look it) until the page is live.
    let live = RwSignal::new(false);
    Effect::new(move || {
        live.set(true);
        if let Some(text) = in_box
            .clone()
            .filter(|t| Some(t) != q.get_untracked().as_ref())
        {
            set_q.set(Some(search_text(&text)).filter(|v| !v.trim().is_empty()));
        }
    });
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

    let revoking_selected = RwSignal::new(false);
    let confirm_revoke_selected = Callback::new(move |()| {
        revoking_selected.set(false);
        let ids = selected.get_untracked().into_iter().map(|t| t.id).collect();
        revoke_many.dispatch(RevokeTokens { ids });
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
        // A plain form too: without the Wasm, Enter (or Filter) asks the server for the list.
        <form class="filters" role="search" method="get" action="/" on:submit=|ev| ev.prevent_default()>
            <label for="filter-name" class="sr-only">"Filter by name, or paste a token to find it"</label>
            <input id="filter-name" name="q" type="search" placeholder="Filter by name, or paste a token" autocomplete="off"
                value=q.get_untracked() prop:value=move || typed.get() on:input=on_input/>
            <label for="filter-status" class="sr-only">"Status"</label>
            <select id="filter-status" name="status" on:change=move |ev| {
                set_status.set(event_target_value(&ev).parse().ok());
                set_cursor.set(None);
                earlier.set(Vec::new());
            }>
                <option value="" selected=move || status.get().is_none()>"All statuses"</option>
                {Showing::CHOICES.map(|s| view! {
                    <option value=s.as_str() selected=move || status.get() == Some(s)>{s.label()}</option>
                })}
            </select>
            <button type="submit" class="btn no-js-only">"Filter"</button>
            <a class="btn" download rel="external" href=move || export_href(q.get(), status.get(), sort.get())>"Export CSV"</a>
        </form>
        <ExpiringSoon/>
        <ShowError error=action_error(revoke)/>
        <ShowError error=action_error(revoke_many)/>
        <RevocationReceipt action=revoke/>
        {move || revoke_many.value().get().and_then(Result::ok).map(|revoked| view! {
            <div class="alert alert-ok" role="status">{Propagation::describe_many(&revoked)}</div>
        })}
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
                                    view! {
                                        <p>"No token matches this filter."</p>
                                        <button type="button" class="btn" on:click=move |_| {
                                            typed.set(String::new());
                                            set_q.set(None);
                                            set_status.set(None);
                                            set_cursor.set(None);
                                            earlier.set(Vec::new());
                                        }>"Clear filters"</button>
                                    }.into_any()
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
                        let revocable: Vec<TokenSummary> = page.items.iter()
                            .filter(|t| t.status != TokenStatus::Revoked).cloned().collect();
                        let all_ticked = {
                            let revocable = revocable.clone();
                            move || !revocable.is_empty() && selected.with(|s| s.len() == revocable.len())
                        };
                        let tick_all = move |ev| {
                            let on = event_target_checked(&ev);
                            selected.set(if on { revocable.clone() } else { Vec::new() });
                        };
                        let some_ticked = {
                            let all = all_ticked.clone();
                            move || selected.with(|s| !s.is_empty()) && !all()
                        };
                        view! {
                            // Always there, so that ticking a token changes its words and
                            // never moves the table under the pointer.
                            <div class="bulk-bar" role="region" aria-label="Selected tokens">
                                {move || match selected.with(Vec::len) {
                                    0 => view! { <span class="muted">"Tick tokens to revoke several at once."</span> }.into_any(),
                                    n => view! {
                                        <span role="status">{if n == 1 { "1 token selected".to_owned() } else { format!("{n} tokens selected") }}</span>
                                        <button type="button" class="btn btn-small btn-danger"
                                            on:click=move |_| revoking_selected.set(true)>"Revoke selected"</button>
                                        <button type="button" class="btn btn-small"
                                            on:click=move |_| selected.set(Vec::new())>"Clear selection"</button>
                                    }.into_any(),
                                }}
                            </div>
                            <div class="card table-card" role="region" aria-label="API tokens table" tabindex="0">
                                <table class="table token-table" aria-label="API tokens">
                                    <thead><tr>
                                        <th scope="col" class="select-cell">
                                            <input type="checkbox" aria-label="Select every token on this page that can be revoked"
                                                disabled=move || !live.get()
                                                prop:checked=all_ticked prop:indeterminate=some_ticked on:change=tick_all/>
                                        </th>
                                        <th scope="col" class="card-hide">"Token"</th>
                                        {show_owner.then(|| view! { <th scope="col" class="card-hide">"Owner"</th> })}
                                        <th scope="col" class="card-hide">"Scopes"</th>
                                        <SortHeader label="Created" order sort_by live
                                            first=TokenSort::Newest second=Some(TokenSort::Oldest)/>
                                        <SortHeader label="Last used" order sort_by live
                                            first=TokenSort::LastUsed second=None/>
                                        <SortHeader label="Expires" order sort_by live
                                            first=TokenSort::Expires second=None/>
                                        <th scope="col" class="card-hide">"Last 30 days"</th>
                                        <th scope="col" class="card-hide"><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|t| token_row(t, show_owner, to_revoke, selected, live)).collect_view()}
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
        {move || revoking_selected.get().then(|| {
            let tokens = selected.get_untracked();
            let title = if tokens.len() == 1 { "Revoke 1 token?".to_owned() } else { format!("Revoke {} tokens?", tokens.len()) };
            view! {
                <ConfirmDialog title confirm_label="Revoke tokens" on_confirm=confirm_revoke_selected
                    on_cancel=Callback::new(move |()| revoking_selected.set(false))>
                    <p>"Every integration using these tokens will be refused (401 Unauthorized) from its next request. This cannot be undone."</p>
                    <ul class="revoke-list">
                        {tokens.into_iter().map(|t| view! {
                            <li><strong>{t.name}</strong> " " <code>{t.masked}</code></li>
                        }).collect_view()}
                    </ul>
                </ConfirmDialog>
            }
        })}
    }
}

/// A column header that sorts the list: a button, with `aria-sort` saying the current
/// order. `first` is the order a first press picks; `second`, if any, the next press.
#[component]
fn SortHeader(
    label: &'static str,
    order: Memo<TokenSort>,
    sort_by: Callback<TokenSort>,
    live: RwSignal<bool>,
    first: TokenSort,
    second: Option<TokenSort>,
) -> impl IntoView {
    let mine = move || {
        let now = order.get();
        (now == first || Some(now) == second).then_some(now)
    };
    let aria_sort = move || mine().map_or("none", TokenSort::direction);
    let next = move || match second {
        Some(second) if order.get_untracked() == first => second,
        _ => first,
    };
    view! {
        <th scope="col" aria-sort=aria_sort>
            <button type="button" class="sort-button" disabled=move || !live.get() on:click=move |_| sort_by.run(next())>
                {label}
                <span aria-hidden="true" class="sort-mark">{move || match aria_sort() {
                    "ascending" => " ▲",
                    "descending" => " ▼",
                    _ => "",
                }}</span>
            </button>
        </th>
    }
}

fn token_row(
    t: TokenSummary,
    show_owner: bool,
    to_revoke: RwSignal<Option<TokenSummary>>,
    selected: RwSignal<Vec<TokenSummary>>,
    live: RwSignal<bool>,
) -> impl IntoView {
    let revocable = t.status != TokenStatus::Revoked;
    let row = t.clone();
    let select = revocable.then(|| {
        let id = t.id.clone();
        let ticked = {
            let id = id.clone();
            move || selected.with(|s| s.iter().any(|x| x.id == id))
        };
        let token = t.clone();
        let label = format!("Select {}", t.name);
        view! {
            <input type="checkbox" aria-label=label disabled=move || !live.get() prop:checked=ticked on:change=move |ev| {
                let on = event_target_checked(&ev);
                selected.update(|s| {
                    s.retain(|x| x.id != id);
                    if on {
                        s.push(token.clone());
                    }
                });
            }/>
        }
    });
    let revoke_label = format!("Revoke {}", t.name);
    let soon = t.status == TokenStatus::Active && expires_soon(t.expires_at, Utc::now());
    let expires = match (t.expires_at, t.status) {
        (None, _) => view! {
            <span class="never-expires" title="This token never expires: it works until someone revokes it.">
                <span aria-hidden="true">"⚠ "</span>"never"
            </span>
        }
        .into_any(),
        (Some(at), TokenStatus::Expired) => view! { <span>"expired " <When at/></span> }.into_any(),
        (Some(at), _) if soon => view! {
            <When at/> " " <span class="badge badge-warn">"expires soon"</span>
        }
        .into_any(),
        (Some(at), _) => view! { <When at/> }.into_any(),
    };
    view! {
        <tr>
            <td class="select-cell">{select}</td>
            // The name, what became of the token and its masked form, together: whatever
            // the width, a revoked token never reads as an active one.
            <td class="token-cell">
                <div class="token-name">
                    <A href=format!("/tokens/{}", t.id)>{t.name.clone()}</A>
                    " " <StatusBadge status=t.status stops_at=t.expires_at/>
                    {t.canary.then(|| match t.canary_triggered_at {
                        Some(_) => view! { " " <span class="badge badge-danger">"canary triggered"</span> }.into_any(),
                        None => view! { " " <span class="badge">"canary"</span> }.into_any(),
                    })}
                    {t.leaked_at.map(|_| view! { " " <span class="badge badge-danger">"reported leaked"</span> })}
                </div>
                <div class="mono token-masked">{t.masked.clone()}</div>
            </td>
            {show_owner.then(|| view! { <td data-label="Owner">{t.owner.display_name.clone()}</td> })}
            <td data-label="Scopes">
                <TokenScopes scopes=t.scopes.clone() ineffective=t.ineffective.clone()/>
                {(!t.unused_scopes.is_empty()).then(|| view! {
                    <span class="unused-scopes">{format!("{} not used in 30 days", t.unused_scopes.join(", "))}</span>
                })}
            </td>
            <td class="nowrap" data-label="Created"><When at=t.created_at/></td>
            <td class="nowrap" data-label="Last used">{match t.last_used_at {
                Some(at) => view! { <When at/> }.into_any(),
                None => view! { <span class="muted">"never"</span> }.into_any(),
            }}</td>
            <td class="nowrap" data-label="Expires">{expires}</td>
            <td data-label="Last 30 days"><Sparkline id=t.id.clone() requests=t.requests_30d/></td>
            // Before the Wasm runs (or without it) Revoke leads to a page that asks the same
            // question; after, it asks in a dialog here.
            <td class="nowrap actions-cell">{revocable.then(|| view! {
                <form class="inline-action" method="get" action=format!("/tokens/{}/revoke", t.id)
                    on:submit=move |ev| {
                        ev.prevent_default();
                        to_revoke.set(Some(row.clone()));
                    }>
                    <button type="submit" class="btn btn-small btn-danger-quiet" aria-label=revoke_label>"Revoke"</button>
                </form>
            })}</td>
        </tr>
    }
}

/// Requests per day over the last 30 days: a chart the server draws (no chart code here),
/// and the total for those who cannot see it. The total is in the chart's address too: a
/// browser keeps an image for as long as the page lives, and a new total is a new chart.
#[component]
fn Sparkline(id: String, requests: i64) -> impl IntoView {
    let alt = match requests {
        1 => "1 request in the last 30 days".to_owned(),
        n => format!("{n} requests in the last 30 days"),
    };
    view! {
        // Drawn when near the screen and off the page's critical path: twenty charts drawn
        // at once held DOMContentLoaded back from 520 to 804 ms at 4x CPU slowdown.
        <img class="sparkline" src=format!("/tokens/{id}/usage.svg?requests={requests}") width="119" height="24"
            loading="lazy" decoding="async" fetchpriority="low" alt=alt.clone() title=alt/>
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
            <BlastRadius id=token.id.clone()/>
        </ConfirmDialog>
    }
}

/// Who would be cut off: the token's clients of the last 7 days and its last request,
/// read when a revoke or roll dialog opens.
#[component]
pub fn BlastRadius(id: String) -> impl IntoView {
    let usage = LocalResource::new(move || get_token_usage(id.clone()));
    view! {
        <p class="blast-radius" role="status">
            <Suspense fallback=|| "Checking who uses it…">
                {move || Suspend::new(async move {
                    match usage.await {
                        Ok(usage) => crate::blast_radius::blast_radius(&usage, Utc::now()),
                        Err(_) => "Who uses it could not be read.".to_owned(),
                    }
                })}
            </Suspense>
        </p>
    }
}

/// How many tokens stop working within a week, if any: the user's own, or for token
/// admins everyone's, with a link to the list soonest expiry first.
#[component]
fn ExpiringSoon() -> impl IntoView {
    let count = Resource::new(|| (), |()| count_expiring_soon());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let warning = count.await.ok().and_then(|soon| soon.warning());
                warning.map(|text| view! {
                    <div class="alert alert-warn" role="status">
                        {text} " " <a href="/?status=expiring&sort=expires">"Show them"</a>
                    </div>
                })
            })}
        </Transition>
    }
}

/// The CSV export of what the list shows now (its filters and order, every page).
fn export_href(name: Option<String>, showing: Option<Showing>, sort: Option<TokenSort>) -> String {
    let mut query = Vec::new();
    let status = showing.and_then(Showing::status).map(|s| s.to_string());
    let soon = (showing == Some(Showing::ExpiringSoon)).then(|| "true".to_owned());
    let sort = sort.map(|s| s.to_string());
    for (key, value) in [
        ("name", name),
        ("status", status),
        ("expiring_soon", soon),
        ("sort", sort),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            query.push(format!(
                "{key}={}",
                crate::components::percent_encode(&value)
            ));
        }
    }
    if query.is_empty() {
        "/tokens/export.csv".into()
    } else {
        format!("/tokens/export.csv?{}", query.join("&"))
    }
}

/// The text in the filter box as the page was when the Wasm arrived (typed before it ran),
/// if any; none on the server.
fn typed_before_hydration() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        document()
            .get_element_by_id("filter-name")
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|input| input.value())
            .filter(|v| !v.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

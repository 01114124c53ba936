//! The token wizard: Details, Access, Expiry, Review; then the one-time reveal.

use crate::{
    components::{Chips, ConfirmDialog, FieldError},
    directory::list_modules,
    permissions::{grants, TOKENS_ADMIN},
    time,
    tokens::{
        check_token_name, create_token, get_token_policy, token_owners, CreatedToken, NewToken,
        OwnerChoice,
    },
    AppError, SignedIn,
};
use chrono::{DateTime, Duration, Local, NaiveDate, Utc};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Access {
    None,
    Read,
    Write,
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Expiry {
    Days(u32),
    Date,
    Never,
}

const PRESETS: [(u32, &str); 5] = [
    (7, "7 days"),
    (30, "30 days"),
    (60, "60 days"),
    (90, "90 days"),
    (365, "1 year"),
];
const STEPS: [&str; 4] = ["Details", "Access", "Expiry", "Review"];

#[component]
pub fn NewTokenPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let modules = Resource::new(|| (), |_| list_modules());
    let owners = Resource::new(|| (), |_| token_owners());
    let policy = Resource::new(|| (), |_| get_token_policy());

    let step = RwSignal::new(1usize);
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let owner = RwSignal::new(None::<i64>);
    let access = RwSignal::new(BTreeMap::<String, Access>::new());
    let expiry = RwSignal::new(Expiry::Days(30));
    let custom_date = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedToken>);

    let me = move || user.get().and_then(Result::ok).flatten();
    let is_admin = move || me().is_some_and(|u| u.can(TOKENS_ADMIN));
    let owner_choice = move || -> Option<OwnerChoice> {
        let list = owners.get().and_then(Result::ok)?;
        let wanted = owner.get().or_else(|| me().map(|u| u.id))?;
        list.into_iter().find(|o| o.id == wanted)
    };
    let max_days = move || {
        policy
            .get()
            .and_then(Result::ok)
            .and_then(|p| p.max_lifetime_days)
    };
    let scopes = move || -> Vec<String> {
        access.with(|a| {
            a.iter()
                .filter_map(|(m, acc)| match acc {
                    Access::None => None,
                    Access::Read => Some(format!("{m}:read")),
                    Access::Write => Some(format!("{m}:write")),
                })
                .collect()
        })
    };
    let expires_at = move || -> Result<Option<DateTime<Utc>>, AppError> {
        match expiry.get() {
            Expiry::Days(n) => Ok(Some(Utc::now() + Duration::days(n.into()))),
            Expiry::Never => Ok(None),
            Expiry::Date => NaiveDate::parse_from_str(&custom_date.get(), "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(23, 59, 59))
                .and_then(|d| d.and_local_timezone(Local).single())
                .map(|d| d.with_timezone(&Utc))
                .ok_or_else(|| AppError::invalid("expires_at", "Pick a date on the calendar."))
                .and_then(|at| {
                    if at <= Utc::now() {
                        Err(AppError::invalid(
                            "expires_at",
                            "The expiry must lie in the future.",
                        ))
                    } else {
                        Ok(Some(at))
                    }
                }),
        }
    };
    let fail = move |e: AppError| {
        let back_to = match e.field() {
            Some("name" | "description") => 1,
            Some("owner_id" | "scopes") => 2,
            Some("expires_at") => 3,
            _ => step.get_untracked(),
        };
        step.set(back_to);
        error.set(Some(e));
    };

    let next_from_details = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let (owner_id, n) = (owner.get_untracked(), name.get_untracked());
        spawn_local(async move {
            match check_token_name(owner_id, n).await {
                Ok(()) => {
                    error.set(None);
                    step.set(2);
                }
                Err(e) => fail(e),
            }
            busy.set(false);
        });
    };
    let next_from_access = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if scopes().is_empty() {
            fail(AppError::invalid(
                "scopes",
                "Choose Read or Write for at least one module.",
            ));
        } else {
            error.set(None);
            step.set(3);
        }
    };
    let next_from_expiry = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match expires_at() {
            Ok(_) => {
                error.set(None);
                step.set(4);
            }
            Err(e) => fail(e),
        }
    };
    let generate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let expires_at = match expires_at() {
            Ok(at) => at,
            Err(e) => return fail(e),
        };
        let new = NewToken {
            name: name.get_untracked(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
            owner_id: owner.get_untracked(),
            scopes: scopes(),
            expires_at,
        };
        busy.set(true);
        spawn_local(async move {
            match create_token(new).await {
                Ok(token) => {
                    error.set(None);
                    created.set(Some(token));
                }
                Err(e) => fail(e),
            }
            busy.set(false);
        });
    };
    let back = Callback::new(move |()| {
        error.set(None);
        step.update(|s| *s = s.saturating_sub(1).max(1));
    });
    let error_signal = Signal::derive(move || error.get());
    let navigate = use_navigate();
    let done = Callback::new(move |()| {
        // Forget the plaintext before leaving.
        created.set(None);
        navigate("/", Default::default());
    });

    let expiry_text = move || match expires_at() {
        Ok(Some(at)) => format!("Expires on {} ({}).", time::exact(at), time::relative(at)),
        Ok(None) => "Never expires.".into(),
        Err(e) => e.to_string(),
    };

    view! {
        <Title text="Generate token"/>
        {move || match created.get() {
            Some(token) => view! { <Reveal token on_done=done/> }.into_any(),
            None => view! {
                <h1>"Generate an API token"</h1>
                <ol class="steps" aria-label="Steps">
                    {STEPS.iter().enumerate().map(|(i, label)| {
                        let n = i + 1;
                        view! {
                            <li class:current=move || step.get() == n class:done=move || { step.get() > n }
                                aria-current=move || (step.get() == n).then_some("step")>
                                <span class="step-n">{n}</span> {*label}
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <section class="card wizard">
                    {move || match step.get() {
                        1 => view! {
                            <form on:submit=next_from_details>
                                <h2>"Details"</h2>
                                <label for="token-name">"Name"</label>
                                <p class="hint" id="token-name-hint">"Say what it is for, e.g. “SAP Integration” or “Power BI Reporting”."</p>
                                <input id="token-name" required maxlength="100" aria-describedby="token-name-hint"
                                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                                <FieldError error=error_signal field="name"/>
                                <label for="token-description">"Description " <span class="muted">"(optional)"</span></label>
                                <textarea id="token-description" rows="3" maxlength="500"
                                    prop:value=move || description.get()
                                    on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                                <FieldError error=error_signal field="description"/>
                                <div class="wizard-actions">
                                    <a href="/" class="btn">"Cancel"</a>
                                    <button type="submit" class="btn btn-primary" disabled=move || busy.get()>"Next"</button>
                                </div>
                            </form>
                        }.into_any(),
                        2 => view! {
                            <form on:submit=next_from_access>
                                <h2>"Access"</h2>
                                <Show when=is_admin>
                                    <label for="token-owner">"Owner"</label>
                                    <p class="hint">"The token acts as its owner. A service account with a narrow role keeps an integration to what it needs."</p>
                                    <select id="token-owner" on:change=move |ev| {
                                        owner.set(event_target_value(&ev).parse().ok());
                                        access.set(BTreeMap::new());
                                    }>
                                        {move || owners.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|o| {
                                            let id = o.id;
                                            let label = owner_label(&o, me().map(|u| u.id));
                                            view! { <option value=id.to_string() selected=move || owner.get().or_else(|| me().map(|u| u.id)) == Some(id)>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                    <FieldError error=error_signal field="owner_id"/>
                                </Show>
                                <fieldset class="modules">
                                    <legend>"Modules"</legend>
                                    <p class="hint">"Write includes read. Choices the owner's role does not allow are disabled."</p>
                                    <Transition fallback=|| view! { <p class="muted">"Loading modules…"</p> }>
                                        {move || Suspend::new(async move {
                                            let modules = modules.await.unwrap_or_default();
                                            modules.into_iter().map(|m| view! {
                                                <ModuleRow slug=m.slug description=m.description access
                                                    held=Signal::derive(move || owner_choice().map(|o| o.permissions).unwrap_or_default())
                                                    owner_name=Signal::derive(move || owner_choice().map(|o| o.display_name).unwrap_or_default())/>
                                            }).collect_view()
                                        })}
                                    </Transition>
                                </fieldset>
                                <FieldError error=error_signal field="scopes"/>
                                <StepActions back submit="Next"/>
                            </form>
                        }.into_any(),
                        3 => view! {
                            <form on:submit=next_from_expiry novalidate>
                                <h2>"Expiry"</h2>
                                <fieldset class="choices">
                                    <legend>"The token stops working"</legend>
                                    {PRESETS.iter().map(|&(days, label)| {
                                        let too_long = move || max_days().is_some_and(|m| days > m);
                                        view! {
                                            <label class="choice">
                                                <input type="radio" name="expiry" value=days.to_string()
                                                    prop:checked=move || expiry.get() == Expiry::Days(days)
                                                    disabled=too_long
                                                    on:change=move |_| expiry.set(Expiry::Days(days))/>
                                                {format!("in {label}")}
                                            </label>
                                        }
                                    }).collect_view()}
                                    <label class="choice">
                                        <input type="radio" name="expiry" value="date"
                                            prop:checked=move || expiry.get() == Expiry::Date
                                            on:change=move |_| expiry.set(Expiry::Date)/>
                                        "on a date"
                                    </label>
                                    <Show when=move || expiry.get() == Expiry::Date>
                                        <label for="token-date" class="sr-only">"Expiry date"</label>
                                        <input id="token-date" type="date" class="date-input"
                                            min=move || date_after_days(1)
                                            max=move || max_days().map(|m| date_after_days(m.into()))
                                            prop:value=move || custom_date.get()
                                            on:input=move |ev| custom_date.set(event_target_value(&ev))/>
                                    </Show>
                                    <Show when=move || max_days().is_none()>
                                        <label class="choice">
                                            <input type="radio" name="expiry" value="never"
                                                prop:checked=move || expiry.get() == Expiry::Never
                                                on:change=move |_| expiry.set(Expiry::Never)/>
                                            "never"
                                        </label>
                                    </Show>
                                </fieldset>
                                <Show when=move || expiry.get() == Expiry::Never>
                                    <div class="alert alert-warn" role="note">
                                        "A token that never expires works until someone revokes it. Prefer an expiry, and rotate tokens."
                                    </div>
                                </Show>
                                <p class="result" aria-live="polite">{expiry_text}</p>
                                <FieldError error=error_signal field="expires_at"/>
                                <StepActions back submit="Next"/>
                            </form>
                        }.into_any(),
                        _ => view! {
                            <form on:submit=generate>
                                <h2>"Review"</h2>
                                {move || error.get().filter(|e| e.field().is_none()).map(|e| view! {
                                    <div class="alert alert-error" role="alert">{e.to_string()}</div>
                                })}
                                <dl class="facts">
                                    <dt>"Name"</dt><dd>{move || name.get()}</dd>
                                    <dt>"Description"</dt><dd>{move || { let d = description.get(); if d.trim().is_empty() { "—".to_owned() } else { d } }}</dd>
                                    <dt>"Owner"</dt><dd>{move || owner_choice().map(|o| owner_label(&o, me().map(|u| u.id))).unwrap_or_default()}</dd>
                                    <dt>"Scopes"</dt><dd>{move || view! { <Chips items=scopes() label="Scopes"/> }}</dd>
                                    <dt>"Expiry"</dt><dd>{expiry_text}</dd>
                                </dl>
                                <p class="hint">"A token cannot be changed once generated: to change it, revoke it and generate another."</p>
                                <StepActions back submit="Generate token" busy=busy/>
                            </form>
                        }.into_any(),
                    }}
                </section>
            }.into_any(),
        }}
    }
}

fn owner_label(o: &OwnerChoice, me: Option<i64>) -> String {
    let who = match (&o.email, o.kind) {
        (_, crate::directory::UserKind::Service) => format!("{} (service account)", o.display_name),
        (Some(email), _) => format!("{} <{email}>", o.display_name),
        (None, _) => o.display_name.clone(),
    };
    if Some(o.id) == me {
        format!("Yourself: {who}")
    } else {
        who
    }
}

/// YYYY-MM-DD, `days` from today in the browser's time zone.
fn date_after_days(days: i64) -> String {
    (Local::now() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// One module: None, Read or Write, with what the owner cannot have disabled.
#[component]
fn ModuleRow(
    slug: String,
    description: String,
    access: RwSignal<BTreeMap<String, Access>>,
    held: Signal<Vec<String>>,
    owner_name: Signal<String>,
) -> impl IntoView {
    let choices = [
        (Access::None, "None"),
        (Access::Read, "Read"),
        (Access::Write, "Write"),
    ];
    let group = format!("module-{slug}");
    let current = {
        let slug = slug.clone();
        move || access.with(|a| a.get(&slug).copied().unwrap_or(Access::None))
    };
    view! {
        <div class="module-row" role="radiogroup" aria-labelledby=format!("{group}-label")>
            <div class="module-name">
                <span id=format!("{group}-label") class="mono">{slug.clone()}</span>
                <span class="muted">{description}</span>
            </div>
            <div class="module-choices">
                {choices.into_iter().map(|(choice, label)| {
                    let slug = slug.clone();
                    let needed = match choice {
                        Access::None => None,
                        Access::Read => Some(format!("{slug}:read")),
                        Access::Write => Some(format!("{slug}:write")),
                    };
                    let needed_for_check = needed.clone();
                    let allowed = move || needed_for_check.as_ref().is_none_or(|n| held.with(|h| grants(h, n)));
                    let allowed_title = allowed.clone();
                    let reason = move || (!allowed_title()).then(|| format!("{}'s role does not allow {}", owner_name.get(), needed.clone().unwrap_or_default()));
                    let current = current.clone();
                    let set_slug = slug.clone();
                    view! {
                        <label class="choice" title=reason>
                            <input type="radio" name=group.clone() value=label
                                aria-label=format!("{slug}: {label}")
                                prop:checked=move || current() == choice
                                disabled=move || !allowed()
                                on:change=move |_| access.update(|a| { a.insert(set_slug.clone(), choice); })/>
                            {label}
                        </label>
                    }
                }).collect_view()}
            </div>
        </div>
    }
}

/// The token, shown this once: masked, with a toggle, a copy button and a curl example.
#[component]
fn Reveal(token: CreatedToken, on_done: Callback<()>) -> impl IntoView {
    let visible = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let copy_failed = RwSignal::new(false);
    let confirm_close = RwSignal::new(false);
    let plaintext = StoredValue::new(token.token.clone());
    let masked = format!(
        "{}{}",
        &token.token[..16],
        "•".repeat(token.token.len() - 16)
    );
    let shown = move || {
        if visible.get() {
            plaintext.get_value()
        } else {
            masked.clone()
        }
    };
    let origin = window().location().origin().unwrap_or_default();
    let copy = move |_| {
        let text = plaintext.get_value();
        spawn_local(async move {
            let promise = window().navigator().clipboard().write_text(&text);
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(ok);
            copy_failed.set(!ok);
        });
    };
    let close = move |_| {
        if copied.get_untracked() {
            on_done.run(());
        } else {
            confirm_close.set(true);
        }
    };
    let shown_for_curl = shown.clone();
    view! {
        <h1>"Token generated"</h1>
        <section class="card reveal" aria-labelledby="reveal-title">
            <h2 id="reveal-title">{token.summary.name.clone()}</h2>
            <div class="alert alert-warn" role="note">
                <strong>"Copy the token now."</strong>
                " It will not be shown again: Latchkey keeps only a digest of it."
            </div>
            <label for="new-token">"Your new API token"</label>
            <div class="token-field">
                <input id="new-token" class="mono" readonly prop:value=shown spellcheck="false"/>
                <button type="button" class="btn" aria-controls="new-token"
                    aria-pressed=move || visible.get().to_string()
                    aria-label=move || if visible.get() { "Hide token" } else { "Show token" }
                    on:click=move |_| visible.update(|v| *v = !*v)>
                    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" width="18" height="18">
                        <path d="M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" fill="none" stroke="currentColor" stroke-width="2"/>
                        <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" stroke-width="2"/>
                        <Show when=move || visible.get()>
                            <line x1="3" y1="3" x2="21" y2="21" stroke="currentColor" stroke-width="2"/>
                        </Show>
                    </svg>
                    <span aria-hidden="true">{move || if visible.get() { " Hide" } else { " Show" }}</span>
                </button>
                <button type="button" class="btn btn-primary" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
            <p class="sr-only" role="status">{move || if copied.get() { "Copied to the clipboard" } else { "" }}</p>
            <Show when=move || copy_failed.get()>
                <p class="field-error" role="alert">"The browser refused the clipboard: show the token and copy it by hand."</p>
            </Show>
            <dl class="facts">
                <dt>"Owner"</dt><dd>{token.summary.owner.display_name.clone()}</dd>
                <dt>"Scopes"</dt><dd><Chips items=token.summary.scopes.clone()/></dd>
                <dt>"Expires"</dt><dd>{token.summary.expires_at.map(time::exact).unwrap_or_else(|| "never".into())}</dd>
            </dl>
            <p>"Try it:"</p>
            <pre class="code"><code>{move || format!("curl -H \"Authorization: Bearer {}\" \\\n     {origin}/api/v1/me", shown_for_curl())}</code></pre>
            <div class="wizard-actions">
                <button type="button" class="btn btn-primary" on:click=close>"Done"</button>
            </div>
        </section>
        <Show when=move || confirm_close.get()>
            <ConfirmDialog title="Close without copying?".to_owned() confirm_label="Close, I do not need it"
                on_confirm=on_done on_cancel=Callback::new(move |()| confirm_close.set(false))>
                <p>"You have not copied the token. Once you close this page it cannot be shown again; you would have to generate another."</p>
            </ConfirmDialog>
        </Show>
    }
}

/// Back and the step's submit button, at the foot of a wizard step. The submit button is
/// disabled while `busy` (a request is under way).
#[component]
fn StepActions(
    back: Callback<()>,
    submit: &'static str,
    #[prop(optional, into)] busy: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="wizard-actions">
            <button type="button" class="btn" on:click=move |_| back.run(())>"Back"</button>
            <button type="submit" class="btn btn-primary" disabled=move || busy.get()>{submit}</button>
        </div>
    }
}

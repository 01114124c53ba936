//! Step 2: who owns the token (token admins choose) and what it may reach, module by
//! module; what the owner's role does not allow is disabled, with the reason.

use super::{Access, Draft, Facts, Step, StepActions};
use crate::components::FieldError;
use leptos::prelude::*;
use std::collections::BTreeMap;
use types::{allowlist, permissions::grants, AppError};

#[component]
pub fn AccessStep(draft: Draft, facts: Facts) -> impl IntoView {
    let error = draft.error_signal();
    // Each line of the allowlist is checked as it is typed, every bad one named.
    let ip_problems = Memo::new(move |_| draft.allowed_ips.with(|t| allowlist::problems(t)));
    let next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let bad_lines = ip_problems.with_untracked(Vec::len);
        if bad_lines > 0 && !draft.canary.get_untracked() {
            draft.fail(AppError::invalid(
                "allowed_ips",
                match bad_lines {
                    1 => "One allowed address is not an address or a range: see above.".to_owned(),
                    n => format!("{n} allowed addresses are not addresses or ranges: see above."),
                },
            ));
        } else if draft.scopes().is_empty() && !draft.canary.get_untracked() {
            draft.fail(AppError::invalid(
                "scopes",
                "Choose Read or Write for at least one module.",
            ));
        } else {
            draft.go_to(Step::Expiry);
        }
    };
    let held = Signal::derive(move || {
        facts
            .owner(draft)
            .map(|o| o.permissions)
            .unwrap_or_default()
    });
    let owner_name = Signal::derive(move || {
        facts
            .owner(draft)
            .map(|o| o.display_name)
            .unwrap_or_default()
    });
    // What a change of owner took back: the choices the new owner's role does not allow
    // (a Write it allows reading becomes Read); everything else is kept.
    let taken_back = RwSignal::new(Vec::<String>::new());
    let change_owner = move |ev| {
        draft.owner.set(event_target_value(&ev).parse().ok());
        let held = held.get_untracked();
        let mut lost = Vec::new();
        draft.access.update(|chosen| {
            for (module, access) in chosen.iter_mut() {
                let Some(scope) = access.scope(module) else {
                    continue;
                };
                if grants(&held, &scope) {
                    continue;
                }
                lost.push(scope);
                let read = format!("{module}:read");
                *access = if *access == Access::Write && grants(&held, &read) {
                    Access::Read
                } else {
                    Access::None
                };
            }
        });
        taken_back.set(lost);
    };
    view! {
        <form on:submit=next>
            <h2 tabindex="-1">"Access"</h2>
            <Show when=move || facts.is_admin()>
                <label for="token-owner">"Owner"</label>
                <p class="hint">"The token acts as its owner. A service account with a narrow role keeps an integration to what it needs."</p>
                <select id="token-owner" on:change=change_owner>
                    {move || facts.owners.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|o| {
                        let id = o.id;
                        let label = facts.owner_label(&o);
                        let chosen = move || draft.owner.get().or_else(|| facts.me().map(|u| u.id)) == Some(id);
                        view! { <option value=id.to_string() selected=chosen>{label}</option> }
                    }).collect_view()}
                </select>
                <FieldError error field="owner_id"/>
                {move || taken_back.with(|lost| (!lost.is_empty()).then(|| view! {
                    <p class="alert alert-warn" role="status">
                        {format!("{}'s role does not allow {}: taken back. Everything else you chose is kept.", owner_name.get_untracked(), lost.join(", "))}
                    </p>
                }))}
            </Show>
            <Show when=move || draft.canary.get()>
                <p class="hint" role="note">"A canary has no scopes and no allowlist: every use is refused like a wrong token, and reported."</p>
            </Show>
            <Show when=move || !draft.canary.get()>
            <fieldset class="modules">
                <legend>"Modules"</legend>
                <p class="hint">"Write includes read. Choices the owner's role does not allow are disabled."</p>
                <Transition fallback=|| view! { <p class="muted">"Loading modules…"</p> }>
                    {move || Suspend::new(async move {
                        let modules = facts.modules.await.unwrap_or_default();
                        modules.into_iter().map(|m| view! {
                            <ModuleRow slug=m.slug description=m.description access=draft.access held owner_name/>
                        }).collect_view()
                    })}
                </Transition>
            </fieldset>
            <FieldError error field="scopes"/>
            <label for="token-allowed-ips">"Allowed addresses (optional)"</label>
            <p class="hint" id="token-allowed-ips-hint">"IP addresses or CIDR ranges, IPv4 or IPv6, one a line (10.0.4.7, 10.0.4.0/24, 2001:db8::/32). Requests from anywhere else are refused. Leave empty to allow any address."</p>
            <textarea id="token-allowed-ips" rows="3" class="mono"
                aria-describedby="token-allowed-ips-hint token-allowed-ips-problems"
                aria-invalid=move || (!ip_problems.with(Vec::is_empty)).then_some("true")
                prop:value=move || draft.allowed_ips.get()
                on:input=move |ev| draft.allowed_ips.set(event_target_value(&ev))>{draft.allowed_ips.get_untracked()}</textarea>
            <ul class="field-problems" id="token-allowed-ips-problems" aria-live="polite">
                {move || ip_problems.get().into_iter().map(|p| view! { <li class="field-error">{p}</li> }).collect_view()}
            </ul>
            <FieldError error field="allowed_ips"/>
            </Show>
            <StepActions draft submit="Next"/>
        </form>
    }
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
                    let needed = choice.scope(&slug);
                    let allowed = move || needed.as_ref().is_none_or(|n| held.with(|h| grants(h, n)));
                    let current = current.clone();
                    let set_slug = slug.clone();
                    view! {
                        <label class="choice">
                            <input type="radio" name=group.clone() value=label
                                aria-label=format!("{slug}: {label}")
                                checked=untrack(|| current() == choice)
                                prop:checked=move || current() == choice
                                disabled=move || !allowed()
                                on:change=move |_| access.update(|a| { a.insert(set_slug.clone(), choice); })/>
                            {label}
                        </label>
                    }
                }).collect_view()}
            </div>
            // Why a choice is disabled, in words anyone can read (not only on hover).
            {move || {
                let blocked: Vec<String> = [Access::Read, Access::Write]
                    .into_iter()
                    .filter_map(|c| c.scope(&slug))
                    .filter(|s| !held.with(|h| grants(h, s)))
                    .collect();
                (!blocked.is_empty()).then(|| view! {
                    <p class="hint disabled-reason">
                        {format!("{}'s role does not allow {}.", owner_name.get(), blocked.join(" or "))}
                    </p>
                })
            }}
        </div>
    }
}

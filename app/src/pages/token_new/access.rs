//! Step 2: who owns the token (token admins choose) and what it may reach, module by
//! module; what the owner's role does not allow is disabled, with the reason.

use super::{Access, Draft, Facts, Step, StepActions};
use crate::components::FieldError;
use leptos::prelude::*;
use std::collections::BTreeMap;
use types::{permissions::grants, AppError};

#[component]
pub fn AccessStep(draft: Draft, facts: Facts) -> impl IntoView {
    let error = draft.error_signal();
    let next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if draft.scopes().is_empty() && !draft.canary.get_untracked() {
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
    view! {
        <form on:submit=next>
            <h2 tabindex="-1">"Access"</h2>
            <Show when=move || facts.is_admin()>
                <label for="token-owner">"Owner"</label>
                <p class="hint">"The token acts as its owner. A service account with a narrow role keeps an integration to what it needs."</p>
                <select id="token-owner" on:change=move |ev| {
                    draft.owner.set(event_target_value(&ev).parse().ok());
                    draft.access.set(BTreeMap::new());
                }>
                    {move || facts.owners.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|o| {
                        let id = o.id;
                        let label = facts.owner_label(&o);
                        let chosen = move || draft.owner.get().or_else(|| facts.me().map(|u| u.id)) == Some(id);
                        view! { <option value=id.to_string() selected=chosen>{label}</option> }
                    }).collect_view()}
                </select>
                <FieldError error field="owner_id"/>
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
            <textarea id="token-allowed-ips" rows="3" class="mono" aria-describedby="token-allowed-ips-hint"
                prop:value=move || draft.allowed_ips.get()
                on:input=move |ev| draft.allowed_ips.set(event_target_value(&ev))></textarea>
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

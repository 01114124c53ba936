//! The console's sign-in policy: single sign-on required (with break-glass accounts), how
//! long a session lasts, and whose role requires a second factor.

use crate::{
    components::{action_error, error_id, invalid, on_success, ErrorAlert, FieldError, FormError},
    server_fns::session::{get_sign_in_policy, UpdateSignInPolicy},
    SignedIn,
};
use leptos::prelude::*;
use leptos_meta::Title;
use types::{
    permissions::{SCIM_WRITE, SETTINGS_WRITE, TOKENS_WRITE, WEBHOOKS_WRITE},
    session::{SignInPolicy, SECOND_FACTOR_PERMISSIONS},
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let save = ServerAction::<UpdateSignInPolicy>::new();
    // Read once: the form keeps what was typed through a refusal, and a saved policy is
    // what the form shows already.
    let policy = Resource::new(|| (), |_| get_sign_in_policy());
    view! {
        <Title text="Settings"/>
        <h1>"Settings"</h1>
        <p class="lead">"How people sign in to this console, and how long they stay signed in."</p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading settings…"</p> }>
            {move || Suspend::new(async move {
                let writable = user.await.ok().flatten().is_some_and(|u| u.can(SETTINGS_WRITE));
                match policy.await {
                    Ok(policy) => view! { <PolicyForm policy save writable/> }.into_any(),
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PolicyForm(
    policy: SignInPolicy,
    save: ServerAction<UpdateSignInPolicy>,
    writable: bool,
) -> impl IntoView {
    let sso = crate::single_sign_on();
    let require_sso = RwSignal::new(policy.require_sso);
    let break_glass = RwSignal::new(policy.break_glass.join("\n"));
    let idle = RwSignal::new(policy.session_idle_minutes.to_string());
    let max_days = RwSignal::new(policy.session_max_days.to_string());
    let require_factor = RwSignal::new(policy.require_second_factor);
    // The permissions offered: the default ones, others that make or hand out power, and
    // any the policy names besides.
    let mut offered: Vec<String> = SECOND_FACTOR_PERMISSIONS
        .iter()
        .chain(&[TOKENS_WRITE, WEBHOOKS_WRITE, SCIM_WRITE])
        .map(|p| p.to_string())
        .collect();
    for p in &policy.second_factor_permissions {
        if !offered.contains(p) {
            offered.push(p.clone());
        }
    }
    let factor_permissions = RwSignal::new(policy.second_factor_permissions.clone());
    let error = action_error(save);
    let saved = RwSignal::new(false);
    on_success(save, move |_| saved.set(true));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        // A number that does not parse is sent as 0, which the server refuses by name.
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse().unwrap_or(0);
        let policy = SignInPolicy {
            require_sso: require_sso.get_untracked(),
            break_glass: break_glass
                .get_untracked()
                .split(['\n', ','])
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty())
                .collect(),
            session_idle_minutes: number(idle),
            session_max_days: number(max_days),
            require_second_factor: require_factor.get_untracked(),
            second_factor_permissions: factor_permissions.get_untracked(),
        };
        save.dispatch(UpdateSignInPolicy { policy });
    };
    let sso_hint = match &sso {
        Some(name) => format!("People sign in with {name}. Only the break-glass accounts below may still use a password."),
        None => "Single sign-on is not set up: start Latchkey with LATCHKEY_OIDC_ISSUER and its client (see the README).".to_owned(),
    };
    view! {
        <section class="card">
            <form on:submit=submit>
                <FormError error/>
                <Show when=move || saved.get()>
                    <div class="alert alert-ok" role="status">"The settings were saved."</div>
                </Show>
                <fieldset disabled=!writable>
                    <legend>"Single sign-on"</legend>
                    <label class="choice" for="require-sso">
                        <input type="checkbox" id="require-sso" disabled=sso.is_none()
                            aria-describedby="require-sso-hint" aria-invalid=invalid(error, "require_sso")
                            prop:checked=move || require_sso.get()
                            on:change=move |ev| require_sso.set(event_target_checked(&ev))/>
                        "Require single sign-on"
                    </label>
                    <p class="hint" id="require-sso-hint">{sso_hint}</p>
                    <FieldError error field="require_sso"/>
                    <label for="break-glass">"Break-glass accounts"</label>
                    <textarea id="break-glass" rows="3" aria-describedby="break-glass-hint"
                        aria-invalid=invalid(error, "break_glass")
                        prop:value=move || break_glass.get()
                        on:input=move |ev| break_glass.set(event_target_value(&ev))></textarea>
                    <p class="hint" id="break-glass-hint">"One e-mail a line: people who may sign in with their password while single sign-on is required, for when the identity provider is down."</p>
                    <FieldError error field="break_glass"/>
                </fieldset>
                <fieldset disabled=!writable>
                    <legend>"Sessions"</legend>
                    <label for="session-idle">"Sign out after this many minutes without use"</label>
                    <input id="session-idle" type="number" min="1" max="43200" required inputmode="numeric"
                        aria-invalid=invalid(error, "session_idle_minutes") aria-describedby=error_id(error, "session_idle_minutes")
                        prop:value=move || idle.get() on:input=move |ev| idle.set(event_target_value(&ev))/>
                    <FieldError error field="session_idle_minutes"/>
                    <label for="session-max">"Sign out this many days after signing in, however busy"</label>
                    <input id="session-max" type="number" min="1" max="365" required inputmode="numeric"
                        aria-invalid=invalid(error, "session_max_days") aria-describedby=error_id(error, "session_max_days")
                        prop:value=move || max_days.get() on:input=move |ev| max_days.set(event_target_value(&ev))/>
                    <FieldError error field="session_max_days"/>
                </fieldset>
                <fieldset disabled=!writable>
                    <legend>"Second factor"</legend>
                    <label class="choice" for="require-factor">
                        <input type="checkbox" id="require-factor" aria-describedby="require-factor-hint"
                            prop:checked=move || require_factor.get()
                            on:change=move |ev| require_factor.set(event_target_checked(&ev))/>
                        "Require a second factor of people whose role holds any of these permissions"
                    </label>
                    <p class="hint" id="require-factor-hint">"They are led to set up an authenticator app before anything else, and sign in with a code from it from then on."</p>
                    <div class="choices-inline" role="group" aria-label="Permissions that require a second factor">
                        {offered.into_iter().map(|permission| {
                            let id = format!("factor-{}", permission.replace(':', "-"));
                            let held = permission.clone();
                            let toggled = permission.clone();
                            let label_for = id.clone();
                            view! {
                                <label class="choice" for=label_for>
                                    <input type="checkbox" id=id
                                        prop:checked=move || factor_permissions.with(|list| list.contains(&held))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            factor_permissions.update(|list| {
                                                list.retain(|p| p != &toggled);
                                                if on {
                                                    list.push(toggled.clone());
                                                }
                                            });
                                        }/>
                                    <span class="mono">{permission}</span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <FieldError error field="second_factor_permissions"/>
                </fieldset>
                {writable.then(|| view! {
                    <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>"Save settings"</button>
                })}
            </form>
        </section>
    }
}

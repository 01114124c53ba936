//! Step 4: everything at a glance, then the token is generated.

use super::{expiry_text, Draft, Facts, StepActions};
use crate::{
    components::{Chips, FormError},
    server_fns::tokens::{CreateCanary, CreateToken},
};
use leptos::prelude::*;

#[component]
pub fn ReviewStep(
    draft: Draft,
    facts: Facts,
    create: ServerAction<CreateToken>,
    create_canary: ServerAction<CreateCanary>,
) -> impl IntoView {
    let generate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if draft.canary.get_untracked() {
            create_canary.dispatch(CreateCanary {
                new: draft.new_canary(),
            });
            return;
        }
        match draft.new_token() {
            Ok(new) => {
                create.dispatch(CreateToken { new });
            }
            Err(e) => draft.fail(e),
        }
    };
    let description = move || {
        let d = draft.description.get();
        if d.trim().is_empty() {
            "—".to_owned()
        } else {
            d
        }
    };
    view! {
        <form on:submit=generate>
            <h2 tabindex="-1">"Review"</h2>
            <FormError error=draft.error_signal()/>
            <dl class="facts">
                <dt>"Name"</dt><dd>{move || draft.name.get()}</dd>
                <dt>"Description"</dt><dd>{description}</dd>
                <dt>"Owner"</dt><dd>{move || facts.owner(draft).map(|o| facts.owner_label(&o)).unwrap_or_default()}</dd>
                <dt>"Kind"</dt><dd>{move || if draft.canary.get() { "Canary: never authorizes anything, reports every use" } else { "API token" }}</dd>
                <Show when=move || !draft.canary.get()>
                    <dt>"Scopes"</dt><dd>{move || view! { <Chips items=draft.scopes() label="Scopes"/> }}</dd>
                    <dt>"Allowed addresses"</dt><dd>{move || {
                        let ips = draft.allowed_ips();
                        if ips.is_empty() { "Any".to_owned() } else { ips.join(", ") }
                    }}</dd>
                </Show>
                <dt>"Expiry"</dt><dd>{move || expiry_text(draft, facts.max_days.get())}</dd>
            </dl>
            <p class="hint">"A token cannot be changed once generated: to change it, roll it (its replacement may be narrower) or revoke it and generate another."</p>
            <StepActions draft submit="Generate token"
                busy=Signal::derive(move || create.pending().get() || create_canary.pending().get())/>
        </form>
    }
}

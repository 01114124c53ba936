//! Step 1: what the token is for. The server checks the name before the wizard moves on.

use super::Draft;
use crate::{components::FieldError, server_fns::tokens::CheckTokenName};
use leptos::prelude::*;

#[component]
pub fn DetailsStep(draft: Draft, check_name: ServerAction<CheckTokenName>) -> impl IntoView {
    let error = draft.error_signal();
    let next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        check_name.dispatch(CheckTokenName {
            owner_id: draft.owner.get_untracked(),
            name: draft.name.get_untracked(),
        });
    };
    view! {
        <form on:submit=next>
            <h2 tabindex="-1">"Details"</h2>
            <label for="token-name">"Name"</label>
            <p class="hint" id="token-name-hint">"Say what it is for, e.g. “SAP Integration” or “Power BI Reporting”."</p>
            <input id="token-name" required maxlength="100" aria-describedby="token-name-hint"
                prop:value=move || draft.name.get() on:input=move |ev| draft.name.set(event_target_value(&ev))/>
            <FieldError error field="name"/>
            <label for="token-description">"Description " <span class="muted">"(optional)"</span></label>
            <textarea id="token-description" rows="3" maxlength="500"
                prop:value=move || draft.description.get()
                on:input=move |ev| draft.description.set(event_target_value(&ev))></textarea>
            <FieldError error field="description"/>
            <label class="choice canary-choice">
                <input type="checkbox" aria-describedby="token-canary-hint"
                    prop:checked=move || draft.canary.get()
                    on:change=move |ev| draft.canary.set(event_target_checked(&ev))/>
                "Canary token"
            </label>
            <p class="hint" id="token-canary-hint">"A canary never authorizes anything: plant it where a leak would show, and any use alerts you."</p>
            <div class="wizard-actions">
                <a href="/" class="btn">"Cancel"</a>
                <button type="submit" class="btn btn-primary" disabled=move || check_name.pending().get()>"Next"</button>
            </div>
        </form>
    }
}

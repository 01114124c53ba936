//! Step 1: what the token is for. The server checks the name before the wizard moves on.

use super::Draft;
use crate::{
    components::{invalid, Counter, FieldError},
    server_fns::tokens::CheckTokenName,
};
use leptos::prelude::*;
use types::{
    tokens::{DESCRIPTION_MAX, NAME_MAX},
    AppError,
};

#[component]
pub fn DetailsStep(draft: Draft, check_name: ServerAction<CheckTokenName>) -> impl IntoView {
    let error = draft.error_signal();
    let next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        for (field, what, text, max) in [
            ("name", "name", draft.name.get_untracked(), NAME_MAX),
            (
                "description",
                "description",
                draft.description.get_untracked(),
                DESCRIPTION_MAX,
            ),
        ] {
            let n = text.chars().count();
            if n > max {
                draft.fail(AppError::invalid(
                    field,
                    format!("The {what} is at most {max} characters; this one has {n}."),
                ));
                return;
            }
        }
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
            <input id="token-name" required aria-describedby="token-name-hint token-name-count"
                aria-invalid=move || {
                    let long = draft.name.with(|n| n.chars().count()) > NAME_MAX;
                    (long || invalid(error, "name")().is_some()).then_some("true")
                }
                value=draft.name.get_untracked() prop:value=move || draft.name.get() on:input=move |ev| {
                    draft.name.set(event_target_value(&ev));
                    draft.error.set(None);
                }/>
            <Counter id="token-name-count" text=draft.name max=NAME_MAX/>
            <FieldError error field="name"/>
            <label for="token-description">"Description " <span class="muted">"(optional)"</span></label>
            <textarea id="token-description" rows="3" aria-describedby="token-description-count"
                aria-invalid=move || (draft.description.with(|d| d.chars().count()) > DESCRIPTION_MAX).then_some("true")
                prop:value=move || draft.description.get()
                on:input=move |ev| draft.description.set(event_target_value(&ev))>{draft.description.get_untracked()}</textarea>
            <Counter id="token-description-count" text=draft.description max=DESCRIPTION_MAX/>
            <FieldError error field="description"/>
            <label class="choice canary-choice">
                <input type="checkbox" aria-describedby="token-canary-hint"
                    checked=draft.canary.get_untracked() prop:checked=move || draft.canary.get()
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

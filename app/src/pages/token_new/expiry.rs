//! Step 3: when the token stops working: a preset, a date from the calendar, or never
//! (where the server allows it).

use super::{expiry_text, Draft, Expiry, Step, StepActions};
use crate::{components::FieldError, time};
use chrono::{Duration, Local, Utc};
use leptos::prelude::*;

const PRESETS: [(u32, &str); 5] = [
    (7, "7 days"),
    (30, "30 days"),
    (60, "60 days"),
    (90, "90 days"),
    (365, "1 year"),
];

#[component]
pub fn ExpiryStep(draft: Draft, max_days: Signal<Option<u32>>) -> impl IntoView {
    let error = draft.error_signal();
    let expiry = draft.expiry;
    let next = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match draft.expires_at() {
            Ok(_) => draft.go_to(Step::Review),
            Err(_) if draft.canary.get_untracked() => draft.go_to(Step::Review),
            Err(e) => draft.fail(e),
        }
    };
    view! {
        <form on:submit=next novalidate>
            <h2 tabindex="-1">"Expiry"</h2>
            <Show when=move || !draft.canary.get()>
            <fieldset class="choices">
                <legend>"The token stops working"</legend>
                {PRESETS.iter().map(|&(days, label)| {
                    let too_long = move || max_days.get().is_some_and(|m| days > m);
                    view! {
                        <label class="choice">
                            <input type="radio" name="expiry" value=days.to_string()
                                checked=expiry.get_untracked() == Expiry::Days(days)
                                prop:checked=move || expiry.get() == Expiry::Days(days)
                                disabled=too_long
                                on:change=move |_| { expiry.set(Expiry::Days(days)); draft.error.set(None); }/>
                            {format!("in {label}")}
                        </label>
                    }
                }).collect_view()}
                <label class="choice">
                    <input type="radio" name="expiry" value="date"
                        checked=expiry.get_untracked() == Expiry::Date
                        prop:checked=move || expiry.get() == Expiry::Date
                        on:change=move |_| { expiry.set(Expiry::Date); draft.error.set(None); }/>
                    "on a date"
                </label>
                <Show when=move || expiry.get() == Expiry::Date>
                    <label for="token-date" class="sr-only">"Expiry date"</label>
                    <input id="token-date" type="date" class="date-input" aria-describedby="token-date-zone"
                        min=move || date_after_days(1)
                        max=move || max_days.get().map(|m| date_after_days(m.into()))
                        value=draft.date.get_untracked() prop:value=move || draft.date.get()
                        on:input=move |ev| {
                            draft.date.set(event_target_value(&ev));
                            draft.error.set(None);
                        }/>
                    <p class="hint date-input" id="token-date-zone">{move || {
                        let at = draft.expires_at().ok().flatten().unwrap_or_else(Utc::now);
                        format!("It stops at the end of that day, 23:59 {}.", time::zone_name_at(at))
                    }}</p>
                </Show>
                <Show when=move || max_days.get().is_none()>
                    <label class="choice">
                        <input type="radio" name="expiry" value="never"
                            checked=expiry.get_untracked() == Expiry::Never
                            prop:checked=move || expiry.get() == Expiry::Never
                            on:change=move |_| { expiry.set(Expiry::Never); draft.error.set(None); }/>
                        "never"
                    </label>
                </Show>
            </fieldset>
            <Show when=move || expiry.get() == Expiry::Never>
                <div class="alert alert-warn" role="note">
                    "A token that never expires works until someone revokes it. Prefer an expiry, and rotate tokens."
                </div>
            </Show>
            </Show>
            <p class="result" aria-live="polite">{move || expiry_text(draft, max_days.get())}</p>
            <FieldError error field="expires_at"/>
            <StepActions draft submit="Next"/>
        </form>
    }
}

/// YYYY-MM-DD, `days` from today in the browser's time zone.
fn date_after_days(days: i64) -> String {
    (Local::now() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

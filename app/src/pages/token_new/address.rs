//! The wizard's step and choices live in its address (never a secret): Back goes to the
//! step before, a reload finds every choice again. Leaving for another page with choices
//! made asks first.

use super::{Access, Draft, Expiry, Step};
use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};

impl Step {
    fn word(self) -> &'static str {
        match self {
            Step::Details => "details",
            Step::Access => "access",
            Step::Expiry => "expiry",
            Step::Review => "review",
        }
    }

    fn from_word(word: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.word() == word)
    }
}

/// The draft an address describes (a fresh one when it says nothing).
pub(super) fn draft_from(query: &ParamsMap) -> Draft {
    let draft = Draft::new();
    let text = |key: &str| query.get(key).unwrap_or_default();
    // The step is not taken here: the page is rendered (and hydrated) at its first step,
    // and `keep_in_address` moves it to the address's step once it is live. A later step
    // rendered by the server did not hydrate reliably on a slow machine.
    draft.name.set(text("name"));
    draft.description.set(text("description"));
    draft.canary.set(query.get_str("canary") == Some("1"));
    draft
        .owner
        .set(query.get_str("owner").and_then(|o| o.parse().ok()));
    draft.access.set(
        text("scopes")
            .split(',')
            .filter_map(|scope| {
                let (module, level) = scope.split_once(':')?;
                let access = match level {
                    "read" => Access::Read,
                    "write" => Access::Write,
                    _ => return None,
                };
                Some((module.to_owned(), access))
            })
            .collect(),
    );
    draft.allowed_ips.set(text("ips"));
    match query.get_str("expiry") {
        Some("never") => draft.expiry.set(Expiry::Never),
        Some(date) if date.starts_with("date:") => {
            draft.expiry.set(Expiry::Date);
            draft.date.set(date["date:".len()..].to_owned());
        }
        Some(days) => {
            if let Ok(days) = days.parse() {
                draft.expiry.set(Expiry::Days(days));
            }
        }
        None => {}
    }
    draft
}

/// The address of the draft as it stands (read reactively).
fn address_of(draft: &Draft) -> String {
    let expiry = match draft.expiry.get() {
        Expiry::Days(n) => n.to_string(),
        Expiry::Never => "never".to_owned(),
        Expiry::Date => format!("date:{}", draft.date.get()),
    };
    let pairs = [
        ("step", draft.step.get().word().to_owned()),
        ("name", draft.name.get()),
        ("description", draft.description.get()),
        (
            "canary",
            if draft.canary.get() {
                "1".into()
            } else {
                String::new()
            },
        ),
        (
            "owner",
            draft.owner.get().map(|o| o.to_string()).unwrap_or_default(),
        ),
        ("scopes", draft.scopes().join(",")),
        ("ips", draft.allowed_ips.get()),
        ("expiry", expiry),
    ];
    let query: Vec<String> = pairs
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", crate::components::percent_encode(&value)))
        .collect();
    format!("/tokens/new?{}", query.join("&"))
}

/// Keeps the address and the draft together: a choice rewrites the address in place, a
/// new step adds one to the history (so Back returns to the step before), and Back or
/// Forward moves the draft to the step its address names.
pub(super) fn keep_in_address(draft: Draft) {
    let query = use_query_map();
    let navigate = use_navigate();
    let step_in_address = move || {
        query
            .with(|q| q.get_str("step").and_then(Step::from_word))
            .unwrap_or(Step::Details)
    };
    Effect::new(move || {
        let step = step_in_address();
        if draft.step.get_untracked() != step {
            draft.step.set(step);
        }
    });
    Effect::new(move || {
        let wanted = address_of(&draft);
        let here = window().location();
        let current = format!(
            "{}{}",
            here.pathname().unwrap_or_default(),
            here.search().unwrap_or_default()
        );
        if current != wanted && current.starts_with("/tokens/new") {
            let moved = draft.step.get_untracked() != untrack(step_in_address);
            navigate(
                &wanted,
                NavigateOptions {
                    replace: !moved,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
}

/// While the wizard holds choices not yet made into a token, following a link to another
/// page asks first.
pub(super) fn guard_leaving(unsaved: impl Fn() -> bool + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::{closure::Closure, JsCast};
        let listener =
            Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
                let link = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|e| e.closest("a[href]").ok().flatten());
                let Some(link) = link else { return };
                let href = link.get_attribute("href").unwrap_or_default();
                if href.starts_with("/tokens/new") || href.starts_with('#') || !unsaved() {
                    return;
                }
                let leave = window()
                    .confirm_with_message(
                        "Leave without generating the token? The choices you made are lost.",
                    )
                    .unwrap_or(true);
                if !leave {
                    ev.prevent_default();
                    ev.stop_propagation();
                }
            });
        let _ = document().add_event_listener_with_callback_and_bool(
            "click",
            listener.as_ref().unchecked_ref(),
            true,
        );
        let kept = StoredValue::new_local(Some(listener));
        on_cleanup(move || {
            if let Some(listener) = kept.try_update_value(Option::take).flatten() {
                let _ = document().remove_event_listener_with_callback_and_bool(
                    "click",
                    listener.as_ref().unchecked_ref(),
                    true,
                );
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = unsaved;
}

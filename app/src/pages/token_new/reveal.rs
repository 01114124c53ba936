//! The token, shown this once.

use crate::{
    components::{copy_to_clipboard, say_for_a_moment, Chips, ConfirmDialog},
    time::Exact,
};
use leptos::prelude::*;
use types::tokens::CreatedToken;

/// What a copy button put on the clipboard.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Copied {
    Token,
    EnvLine,
}

/// The token, shown this once: masked, with a toggle, copy buttons (the token, or an
/// environment line) and a curl example.
#[component]
pub fn Reveal(
    token: CreatedToken,
    on_done: Callback<()>,
    /// The page's heading.
    #[prop(default = "Token generated")]
    title: &'static str,
    /// What else to know, shown under the warning (a roll says when the old token stops).
    #[prop(default = None)]
    note: Option<String>,
) -> impl IntoView {
    let visible = RwSignal::new(false);
    // What was copied last: the token alone, or as an environment line.
    let copied = RwSignal::new(None::<Copied>);
    // What a button says it has just copied: for two seconds after each copy.
    let flash = RwSignal::new(None::<Copied>);
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
    let copy = move |what: Copied| {
        let text = match what {
            Copied::Token => plaintext.get_value(),
            Copied::EnvLine => format!("LATCHKEY_TOKEN={}", plaintext.get_value()),
        };
        copy_to_clipboard(text, move |ok| {
            copied.set(ok.then_some(what));
            copy_failed.set(!ok);
            if ok {
                say_for_a_moment(flash, what);
            }
        });
    };
    let close = move |_| {
        if copied.get_untracked().is_some() {
            on_done.run(());
        } else {
            confirm_close.set(true);
        }
    };
    let shown_for_curl = shown.clone();
    view! {
        <h1>{title}</h1>
        <section class="card reveal" aria-labelledby="reveal-title">
            <h2 id="reveal-title">{token.summary.name.clone()}</h2>
            <div class="alert alert-warn" role="note">
                <strong>"Copy the token now."</strong>
                " It will not be shown again: Latchkey keeps only a digest of it."
            </div>
            {note.map(|note| view! { <p class="hint">{note}</p> })}
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
                <button type="button" class="btn btn-primary" on:click=move |_| copy(Copied::Token)>
                    {move || if flash.get() == Some(Copied::Token) { "Copied" } else { "Copy" }}
                </button>
            </div>
            <p class="token-extra">
                <button type="button" class="btn btn-quiet btn-small" on:click=move |_| copy(Copied::EnvLine)>
                    {move || if flash.get() == Some(Copied::EnvLine) { "Copied as LATCHKEY_TOKEN=…" } else { "Copy as an environment line (LATCHKEY_TOKEN=…)" }}
                </button>
            </p>
            <p class="sr-only" role="status">{move || match copied.get() {
                Some(Copied::Token) => "Copied to the clipboard",
                Some(Copied::EnvLine) => "Copied to the clipboard as LATCHKEY_TOKEN=…",
                None => "",
            }}</p>
            <Show when=move || copy_failed.get()>
                <p class="field-error" role="alert">"The browser refused the clipboard: show the token and copy it by hand."</p>
            </Show>
            <dl class="facts">
                <dt>"Owner"</dt><dd>{token.summary.owner.display_name.clone()}</dd>
                <dt>"Scopes"</dt><dd><Chips items=token.summary.scopes.clone()/></dd>
                <dt>"Expires"</dt><dd>{match token.summary.expires_at { Some(at) => view! { <Exact at/> }.into_any(), None => view! { "never" }.into_any() }}</dd>
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

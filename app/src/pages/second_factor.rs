//! A sign-in's second step: a code from the person's authenticator app, or a recovery code.

use crate::{
    components::{action_error, invalid, FieldError, Fields, FormError, ServerForm},
    server_fns::session::SignInWithCode,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let action = ServerAction::<SignInWithCode>::new();
    let error = action_error(action);
    view! {
        <Title text="Two-step sign-in"/>
        <section class="card auth-card">
            <h1>"Two-step sign-in"</h1>
            <p class="lead">"Type the code your authenticator app shows for Latchkey."</p>
            <ServerForm action read=fields>
                <FormError error/>
                <label for="code">"Code"</label>
                <input id="code" name="code" type="text" autocomplete="one-time-code" autocapitalize="off"
                    spellcheck="false" required autofocus maxlength="40" aria-describedby="code-hint"
                    aria-invalid=invalid(error, "code")/>
                <p class="hint" id="code-hint">"Six digits. Lost your phone? Type one of your recovery codes instead."</p>
                <FieldError error field="code"/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    "Verify"
                </button>
            </ServerForm>
            <p class="hint">"Signed in as someone else, or stuck? " <a class="btn btn-small" href="/login">"Start again"</a></p>
        </section>
    }
}

/// The server function's input, from the form's fields.
fn fields(form: &Fields) -> SignInWithCode {
    SignInWithCode {
        code: form.text("code"),
    }
}

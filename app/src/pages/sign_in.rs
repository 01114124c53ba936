use crate::{
    components::{action_error, Fields, FormError, PasswordInput, ServerForm},
    server_fns::session::SignIn,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    view! {
        <Title text="Sign in"/>
        <section class="card auth-card">
            <h1>"Sign in"</h1>
            <p class="lead">"Manage API tokens, service accounts and roles."</p>
            <ServerForm action read=fields>
                <FormError error/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required/>
                <PasswordInput id="password" label="Password" autocomplete="current-password"/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    "Sign in"
                </button>
            </ServerForm>
        </section>
    }
}

/// The server function's input, from the form's fields.
fn fields(form: &Fields) -> SignIn {
    SignIn {
        email: form.text("email"),
        password: form.text("password"),
    }
}

use crate::{
    components::{action_error, FormError, PasswordInput, ServerForm},
    session::SignIn,
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
            <ServerForm action read=|f| SignIn { email: f.text("email"), password: f.text("password") }>
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

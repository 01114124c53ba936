use crate::{
    components::{action_error, Fields, FormError, PasswordInput, ServerForm},
    server_fns::session::{SignIn, SignInFailure},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action);
    // A sign-in posted without the Wasm comes back here saying why it failed.
    let failed = failure_in_address();
    let failed_plainly = move || failed.filter(|_| action.value().with(Option::is_none));
    view! {
        <Title text="Sign in"/>
        <section class="card auth-card">
            <h1>"Sign in"</h1>
            <p class="lead">"Manage API tokens, service accounts and roles."</p>
            {move || failed_plainly().map(|f| view! { <div class="alert alert-error" role="alert">{f.describe()}</div> })}
            // A link out of the console (not a route of it): the identity provider's pages
            // take over from here.
            {crate::single_sign_on().map(|name| view! {
                <a class="btn btn-primary btn-sso" href="/auth/oidc/start" rel="external">{format!("Sign in with {name}")}</a>
                <p class="or-divider" aria-hidden="true">"or"</p>
            })}
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

/// Why the last sign-in without the Wasm failed, as this page's address says
/// (`?failed=credentials`). Read from the address itself, on the server and in the
/// browser alike: a query-string parser would cost the sign-in page's download more.
fn failure_in_address() -> Option<SignInFailure> {
    #[cfg(feature = "ssr")]
    let query = use_context::<http::request::Parts>()
        .and_then(|parts| parts.uri.query().map(str::to_owned))
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let query = window().location().search().unwrap_or_default();
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("failed="))
        .and_then(SignInFailure::parse)
}

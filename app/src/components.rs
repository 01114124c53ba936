//! Pieces used across pages: the navigation bar, form errors, the password input.

use crate::{session::SignOut, AppError, SignedIn};
use leptos::{form::ActionForm, prelude::*};
use leptos_router::components::A;

#[component]
pub fn NavBar() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"lk"</span>
                "Latchkey"
            </a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|u| {
                        view! {
                            <nav aria-label="Main">
                                <A href="/">"Overview"</A>
                                <A href="/api-docs">"API"</A>
                                <A href="/account">"Account"</A>
                            </nav>
                            <div class="who">
                                <span class="who-name">{u.display_name}</span>
                                <span class="badge">{u.role}</span>
                                <ActionForm action=sign_out>
                                    <button type="submit" class="btn btn-quiet">"Sign out"</button>
                                </ActionForm>
                            </div>
                        }
                    })
                })}
            </Transition>
        </header>
    }
}

/// The message of an error that belongs to `field`, shown under that field.
#[component]
pub fn FieldError(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| {
            view! {
                <p class="field-error" id=format!("{field}-error") role="alert">
                    {e.to_string()}
                </p>
            }
        })
    }
}

/// The message of an error that belongs to no field, shown above the form.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field().is_none()).map(|e| {
            view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }
        })
    }
}

/// The error of a server action's last run, if it failed.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A password input with a button that shows or hides what was typed.
#[component]
pub fn PasswordInput(
    id: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let (visible, set_visible) = signal(false);
    let hint_id = format!("{id}-hint");
    view! {
        <label for=id>{label}</label>
        {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
        <div class="password-field">
            <input
                id=id
                name=id
                type=move || if visible.get() { "text" } else { "password" }
                autocomplete=autocomplete
                aria-describedby=hint.map(|_| hint_id.clone())
                required
            />
            <button
                type="button"
                class="btn btn-quiet"
                aria-controls=id
                aria-pressed=move || visible.get().to_string()
                on:click=move |_| set_visible.update(|v| *v = !*v)
            >
                {move || if visible.get() { "Hide" } else { "Show" }}
            </button>
        </div>
    }
}

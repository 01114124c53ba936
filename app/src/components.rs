//! Pieces used across pages: the navigation bar, form errors, the password input.

use crate::{server_fns::session::SignOut, SignedIn};
use leptos::{prelude::*, wasm_bindgen::JsCast};
use leptos_router::components::A;
use types::{
    permissions::{AUDIT_READ, ROLES_READ, SETTINGS_READ, USERS_READ, WEBHOOKS_READ},
    tokens::Ineffective,
    AppError,
};

#[component]
pub fn NavBar() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let sign_out = ServerAction::<SignOut>::new();
    // On a phone the links fold into a menu (a <details>, so it opens before the Wasm
    // has loaded and without it); it folds again once a link in it is followed.
    // The token list, a token's page and the wizard are all "API tokens".
    let location = leptos_router::hooks::use_location();
    let on_tokens = move || {
        let path = location.pathname.get();
        (path == "/" || path.starts_with("/tokens/")).then_some("page")
    };
    let fold = |ev: leptos::ev::MouseEvent| {
        let menu = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|items| items.parent_element());
        if let Some(menu) = menu {
            let _ = menu.remove_attribute("open");
        }
    };
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
                            <details class="menu">
                            <summary class="menu-button">"Menu"</summary>
                            <div class="menu-items" on:click=fold>
                            <nav aria-label="Main">
                                <a href="/" aria-current=on_tokens>"API tokens"</a>
                                {u.can(USERS_READ).then(|| view! { <A href="/users">"Users"</A> })}
                                {u.can(ROLES_READ).then(|| view! { <A href="/roles">"Roles"</A> })}
                                {u.can(AUDIT_READ).then(|| view! { <A href="/audit">"Audit log"</A> })}
                                {u.can(WEBHOOKS_READ).then(|| view! { <A href="/webhooks">"Webhooks"</A> })}
                                {u.can(SETTINGS_READ).then(|| view! { <A href="/settings">"Settings"</A> })}
                                <A href="/api-docs">"API"</A>
                                <A href="/account">"Account"</A>
                            </nav>
                            <div class="who">
                                <span class="who-name">{u.display_name}</span>
                                <span class="badge">{u.role}</span>
                                <ServerForm action=sign_out read=|_| SignOut {}>
                                    <button type="submit" class="btn btn-quiet">"Sign out"</button>
                                </ServerForm>
                            </div>
                            </div>
                            </details>
                        }
                    })
                })}
            </Transition>
        </header>
    }
}

/// The fields of a submitted form, by name.
pub struct Fields(web_sys::FormData);

impl Fields {
    /// The text in the field called `name` ("" when there is none).
    pub fn text(&self, name: &str) -> String {
        self.0.get(name).as_string().unwrap_or_default()
    }
}

/// A form that sends its fields to a server function. Before the Wasm has loaded the
/// browser posts it by itself and the server answers with a redirect; after, it runs
/// `action` with the input `read` takes from the fields, and the page stays.
///
/// It does what Leptos's `ActionForm` does, but the fields are read by name rather than
/// decoded by `serde_qs`, whose decoder was a thirtieth of the main Wasm module.
#[component]
pub fn ServerForm<I>(
    action: ServerAction<I>,
    read: fn(&Fields) -> I,
    children: Children,
) -> impl IntoView
where
    I: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    I::Output: Clone + Send + Sync + 'static,
{
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) {
            ev.prevent_default();
            action.dispatch(read(&Fields(data)));
        }
    };
    view! {
        <form method="post" action=I::url() on:submit=submit>
            {children()}
        </form>
    }
}

/// What a revocation reached, once it is done: how many running instances confirmed.
#[component]
pub fn RevocationReceipt(
    action: ServerAction<crate::server_fns::tokens::RevokeToken>,
) -> impl IntoView {
    move || {
        action.value().get().and_then(Result::ok).map(|revoked| {
            let text = revoked.describe(chrono::Utc::now());
            view! { <div class="alert alert-ok" role="status">{text}</div> }
        })
    }
}

/// `aria-invalid="true"` for the input of `field` while `error` is about it: the input is
/// then drawn with a red border and read as invalid.
pub fn invalid(
    error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
    move || {
        error
            .with(|e| e.as_ref().is_some_and(|e| e.field() == Some(field)))
            .then_some("true")
    }
}

/// The id of the [`FieldError`] of `field` while it is shown, for the input's
/// `aria-describedby`.
pub fn error_id(
    error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    move || invalid(error, field)().map(|_| message_id(field))
}

/// The id of the message a [`FieldError`] shows for `field`.
fn message_id(field: &str) -> String {
    format!("{field}-error")
}

/// The message of an error that belongs to `field`, shown under that field.
#[component]
pub fn FieldError(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|e| {
            view! {
                <p class="field-error" id=message_id(field) role="alert">
                    {e.to_string()}
                </p>
            }
        })
    }
}

/// An error a person should read, announced to screen readers; `lead` says what failed.
#[component]
pub fn ErrorAlert(error: AppError, #[prop(optional)] lead: &'static str) -> impl IntoView {
    view! { <div class="alert alert-error" role="alert">{lead}{error.to_string()}</div> }
}

/// The current error, if any, as an [`ErrorAlert`].
#[component]
pub fn ShowError(error: Signal<Option<AppError>>) -> impl IntoView {
    move || error.get().map(|error| view! { <ErrorAlert error/> })
}

/// The message of an error that belongs to no field, shown above the form.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    let error = Signal::derive(move || error.get().filter(|e| e.field().is_none()));
    view! { <ShowError error/> }
}

/// The error of a server action's last run, if it failed.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Runs `then` with the server's answer each time a run of `action` ends (to move on, or
/// back to the step at fault).
pub fn after<I, O>(action: ServerAction<I>, then: impl Fn(&Result<O, AppError>) + 'static)
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Effect::watch(
        move || action.version().get(),
        move |_, _, _| {
            if let Some(answer) = action.value().get_untracked() {
                then(&answer);
            }
        },
        false,
    );
}

/// Runs `then` with the answer each time `action` succeeds (to clear a form or close an
/// editor).
pub fn on_success<I, O>(action: ServerAction<I>, then: impl Fn(&O) + 'static)
where
    I: server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    after(action, move |answer| {
        if let Ok(answer) = answer {
            then(answer);
        }
    });
}

/// A password input with a button that shows or hides what was typed.
#[component]
pub fn PasswordInput(
    id: &'static str,
    label: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// The form's error: while it is about this field (named as `id`), the input is marked
    /// invalid and described by the message.
    #[prop(optional, into)]
    error: Option<Signal<Option<AppError>>>,
) -> impl IntoView {
    let (visible, set_visible) = signal(false);
    let hint_id = format!("{id}-hint");
    let error = error.unwrap_or_default();
    let described_by = {
        let hint_id = hint_id.clone();
        move || {
            let ids: Vec<String> = hint
                .map(|_| hint_id.clone())
                .into_iter()
                .chain(error_id(error, id)())
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <label for=id>{label}</label>
        {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
        <div class="password-field">
            <input
                id=id
                name=id
                type=move || if visible.get() { "text" } else { "password" }
                autocomplete=autocomplete
                aria-describedby=described_by
                aria-invalid=invalid(error, id)
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

/// A modal confirmation: names what happens, and gets out of the way with Escape. The
/// focus moves into it when it opens (to Cancel), stays inside while it is open (Tab and
/// Shift+Tab go round), and returns to the control that opened it when it closes.
#[component]
pub fn ConfirmDialog(
    title: String,
    confirm_label: &'static str,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    children: Children,
) -> impl IntoView {
    let dialog_ref = NodeRef::<leptos::html::Div>::new();
    let cancel_ref = NodeRef::<leptos::html::Button>::new();
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move || {
        if let Some(button) = cancel_ref.get() {
            if opener.with_value(Option::is_none) {
                opener.set_value(focused());
            }
            let _ = button.focus();
        }
    });
    on_cleanup(move || {
        if let Some(opener) = opener.try_get_value().flatten() {
            let _ = opener.focus();
        }
    });
    let keep_focus_inside = move |ev: &leptos::ev::KeyboardEvent| {
        let Some(dialog) = dialog_ref.get() else {
            return;
        };
        let Ok(list) = dialog.query_selector_all(
            "button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), \
             textarea:not([disabled]), [tabindex]:not([tabindex='-1'])",
        ) else {
            return;
        };
        let element = |i: u32| {
            list.item(i)
                .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        };
        let (Some(first), Some(last)) = (element(0), element(list.length().saturating_sub(1)))
        else {
            return;
        };
        let active = focused();
        let at =
            |el: &web_sys::HtmlElement| active.as_ref().is_some_and(|a| a.is_same_node(Some(el)));
        let wrap_to = if ev.shift_key() && at(&first) {
            Some(last)
        } else if !ev.shift_key() && at(&last) {
            Some(first)
        } else {
            None
        };
        if let Some(target) = wrap_to {
            ev.prevent_default();
            let _ = target.focus();
        }
    };
    view! {
        <div class="backdrop">
            <div
                class="dialog"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby="dialog-title"
                aria-describedby="dialog-body"
                node_ref=dialog_ref
                on:keydown=move |ev| match ev.key().as_str() {
                    "Escape" => on_cancel.run(()),
                    "Tab" => keep_focus_inside(&ev),
                    _ => {}
                }
            >
                <h2 id="dialog-title">{title}</h2>
                <div id="dialog-body">{children()}</div>
                <div class="dialog-actions">
                    <button type="button" class="btn" node_ref=cancel_ref on:click=move |_| on_cancel.run(())>
                        "Cancel"
                    </button>
                    <button type="button" class="btn btn-danger" on:click=move |_| on_confirm.run(())>
                        {confirm_label}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// The element that has the focus, in the browser.
fn focused() -> Option<web_sys::HtmlElement> {
    document()
        .active_element()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
}

/// A token's status as a coloured badge.
#[component]
pub fn StatusBadge(
    status: types::tokens::TokenStatus,
    /// When the token stops working: a rolling token says how soon.
    #[prop(default = None)]
    stops_at: Option<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    let text = match (status, stops_at) {
        (types::tokens::TokenStatus::Rolling, Some(at)) => {
            format!("rolling over, stops in {}", crate::time::remaining(at))
        }
        (types::tokens::TokenStatus::Rolling, None) => "rolling over".to_owned(),
        _ => status.as_str().to_owned(),
    };
    view! { <span class=format!("status status-{}", status.as_str())>{text}</span> }
}

/// A list of scope or permission chips.
#[component]
pub fn Chips(items: Vec<String>, #[prop(optional)] label: &'static str) -> impl IntoView {
    view! {
        <ul class="chips" aria-label=label>
            {items.into_iter().map(|p| {
                let text = if p == "*" { "every permission".to_owned() } else { p };
                view! { <li class="chip">{text}</li> }
            }).collect_view()}
        </ul>
    }
}

/// Puts `text` on the clipboard, then tells `done` whether the browser allowed it.
pub fn copy_to_clipboard(text: String, done: impl FnOnce(bool) + 'static) {
    leptos::task::spawn_local(async move {
        let promise = window().navigator().clipboard().write_text(&text);
        done(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
    });
}

/// Shows `value` in `signal` for two seconds ("Copied"), then what it held before unless
/// something else was said meanwhile.
pub fn say_for_a_moment<T>(signal: RwSignal<Option<T>>, value: T)
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    signal.set(Some(value.clone()));
    gloo_timers::callback::Timeout::new(2_000, move || {
        if signal.with_untracked(|now| now.as_ref() == Some(&value)) {
            signal.set(None);
        }
    })
    .forget();
}

/// How many characters a field holds of how many it may: "12 / 100", and how many too
/// many once over (nothing is cut off silently).
#[component]
pub fn Counter(id: &'static str, text: RwSignal<String>, max: usize) -> impl IntoView {
    let count = move || text.with(|t| t.chars().count());
    view! {
        <p class="counter" class:over=move || { count() > max } id=id>
            {move || match count() {
                n if n > max => format!("{n} / {max} characters: {} too many", n - max),
                n => format!("{n} / {max} characters"),
            }}
        </p>
    }
}

/// A token's scopes; those its owner can no longer use are struck through, and why is said
/// beneath.
#[component]
pub fn TokenScopes(scopes: Vec<String>, ineffective: Option<Ineffective>) -> impl IntoView {
    let lost = ineffective
        .as_ref()
        .map(|i| i.scopes.clone())
        .unwrap_or_default();
    view! {
        <ul class="chips">
            {scopes.into_iter().map(|s| if lost.contains(&s) {
                view! { <li class="chip chip-lost"><s>{s}</s></li> }.into_any()
            } else {
                view! { <li class="chip">{s}</li> }.into_any()
            }).collect_view()}
        </ul>
        {ineffective.map(|i| view! { <span class="lost-scopes">{i.describe()}</span> })}
    }
}

/// Previous / Next over cursor-paginated pages. `earlier` holds the cursors of the pages
/// before the current one; `go` moves to a page (None: the first).
#[component]
pub fn Pager(
    current: Signal<Option<String>>,
    next: Option<String>,
    earlier: RwSignal<Vec<Option<String>>>,
    go: Callback<Option<String>>,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            <button type="button" class="btn" disabled=move || earlier.with(Vec::is_empty)
                on:click=move |_| {
                    let mut stack = earlier.get_untracked();
                    let previous = stack.pop().flatten();
                    earlier.set(stack);
                    go.run(previous);
                }>"Previous"</button>
            <button type="button" class="btn" disabled=next.is_none()
                on:click=move |_| {
                    earlier.update(|s| s.push(current.get_untracked()));
                    go.run(next.clone());
                }>"Next"</button>
        </nav>
    }
}

/// Percent-encodes text for a query string.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

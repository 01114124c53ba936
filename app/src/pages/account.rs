use crate::{
    components::{
        action_error, ErrorAlert, FieldError, Fields, FormError, PasswordInput, ServerForm,
        ShowError,
    },
    server_fns::session::{list_sessions, ChangePassword, EndOtherSessions, EndSession},
    time::When,
    SignedIn,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    let changed = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <Title text="Account"/>
        <h1>"Account"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|u| view! {
                    <section class="card">
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{u.display_name}</dd>
                            <dt>"Email"</dt><dd>{u.email}</dd>
                            <dt>"Role"</dt><dd>{u.role}</dd>
                        </dl>
                    </section>
                })
            })}
        </Transition>
        <section class="card">
            <h2>"Change password"</h2>
            <ServerForm action read=fields>
                <FormError error/>
                <Show when=changed>
                    <div class="alert alert-ok" role="status">"Your password was changed. Other sessions were signed out."</div>
                </Show>
                <PasswordInput id="current_password" label="Current password" autocomplete="current-password" error/>
                <FieldError error field="current_password"/>
                <PasswordInput id="new_password" label="New password" autocomplete="new-password"
                    hint="At least 12 characters." error/>
                <FieldError error field="new_password"/>
                <PasswordInput id="confirm_password" label="New password, again" autocomplete="new-password" error/>
                <FieldError error field="confirm_password"/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    "Change password"
                </button>
            </ServerForm>
        </section>
        <Sessions/>
    }
}

/// Where the person is signed in, with a way to end each session but this one.
#[component]
fn Sessions() -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new(
        move || (end.version().get(), end_others.version().get()),
        |_| list_sessions(),
    );
    view! {
        <section class="card">
            <h2>"Where you are signed in"</h2>
            <p class="hint">"A session ends after a while without use, and some days after signing in, as this console's settings say. End any you do not recognise."</p>
            <ShowError error=action_error(end)/>
            <ShowError error=action_error(end_others)/>
            {move || end_others.value().get().and_then(Result::ok).map(|n| view! {
                <div class="alert alert-ok" role="status">{match n {
                    0 => "You were signed in nowhere else.".to_owned(),
                    1 => "Signed out of 1 other session.".to_owned(),
                    n => format!("Signed out of {n} other sessions."),
                }}</div>
            })}
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Err(error) => view! { <ErrorAlert error/> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-card" role="region" aria-label="Sessions table" tabindex="0">
                                <table class="table" aria-label="Sessions">
                                    <thead><tr>
                                        <th scope="col">"Browser"</th><th scope="col">"From"</th>
                                        <th scope="col">"Signed in"</th><th scope="col">"Last seen"</th>
                                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|s| {
                                            let browser = s.browser();
                                            let label = format!("End the session in {browser}");
                                            view! {
                                                <tr>
                                                    <td class="ua" title=s.user_agent.clone()>{browser}</td>
                                                    <td class="mono">{s.client_addr.clone().unwrap_or_default()}</td>
                                                    <td class="nowrap"><When at=s.created_at/></td>
                                                    <td class="nowrap"><When at=s.last_seen_at/></td>
                                                    <td class="nowrap">{if s.current {
                                                        view! { <span class="badge">"this browser"</span> }.into_any()
                                                    } else {
                                                        let id = s.id;
                                                        view! {
                                                            <button type="button" class="btn btn-small btn-danger-quiet" aria-label=label
                                                                on:click=move |_| { end.dispatch(EndSession { id }); }>"End"</button>
                                                        }.into_any()
                                                    }}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <div class="page-actions session-actions">
                                <button type="button" class="btn btn-danger-quiet"
                                    on:click=move |_| { end_others.dispatch(EndOtherSessions {}); }>"Sign out everywhere else"</button>
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The server function's input, from the form's fields.
fn fields(form: &Fields) -> ChangePassword {
    ChangePassword {
        current_password: form.text("current_password"),
        new_password: form.text("new_password"),
        confirm_password: form.text("confirm_password"),
    }
}

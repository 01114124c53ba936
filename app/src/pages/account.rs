use crate::{
    components::{
        action_error, copy_to_clipboard, error_id, invalid, on_success, ErrorAlert, FieldError,
        Fields, FormError, PasswordInput, ServerForm, ShowError,
    },
    server_fns::{
        factors::{second_factors, BeginTotp, ConfirmTotp, RemoveTotp, RenewRecoveryCodes},
        session::{list_sessions, ChangePassword, EndOtherSessions, EndSession},
    },
    time::When,
    SignedIn,
};
use leptos::prelude::*;
use leptos_meta::Title;
use types::{
    factors::{FactorStatus, TotpEnrolment, RECOVERY_CODES},
    AppError,
};

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
        <TwoStep/>
        <Sessions/>
    }
}

/// Two-step sign-in: setting up an authenticator app, its recovery codes, removing it.
#[component]
fn TwoStep() -> impl IntoView {
    let begin = ServerAction::<BeginTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    let remove = ServerAction::<RemoveTotp>::new();
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let status = Resource::new(
        move || {
            (
                confirm.version().get(),
                remove.version().get(),
                renew.version().get(),
            )
        },
        |_| second_factors(),
    );
    // Recovery codes just handed out (on turning the app on, or renewing them), shown
    // until the person says they saved them.
    let codes = RwSignal::new(None::<Vec<String>>);
    on_success(confirm, move |c: &Vec<String>| codes.set(Some(c.clone())));
    on_success(renew, move |c: &Vec<String>| codes.set(Some(c.clone())));
    let confirm_error = action_error(confirm);
    view! {
        <section class="card" aria-labelledby="two-step-title">
            <h2 id="two-step-title">"Two-step sign-in"</h2>
            <ShowError error=action_error(begin)/>
            <ShowError error=action_error(remove)/>
            <ShowError error=action_error(renew)/>
            {move || codes.get().map(|list| view! { <RecoveryCodes list on_saved=move || codes.set(None)/> })}
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Err(error) => view! { <ErrorAlert error/> }.into_any(),
                        Ok(FactorStatus { totp_since: Some(since), recovery_codes_left, .. }) => view! {
                            <p class="factor-on"><span class="badge badge-ok">"On"</span>
                                " Authenticator app, set up " <When at=since/></p>
                            <p>{format!("Recovery codes: {recovery_codes_left} of {RECOVERY_CODES} left.")}</p>
                            <div class="page-actions">
                                <button type="button" class="btn" disabled=move || renew.pending().get()
                                    on:click=move |_| { renew.dispatch(RenewRecoveryCodes {}); }>"New recovery codes"</button>
                                <button type="button" class="btn btn-danger-quiet" disabled=move || remove.pending().get()
                                    on:click=move |_| { remove.dispatch(RemoveTotp {}); }>"Remove authenticator app"</button>
                            </div>
                        }.into_any(),
                        Ok(FactorStatus { required, .. }) => view! {
                            {required.then(|| view! {
                                <div class="alert alert-error" role="alert">"Your role requires a second factor. Set up an authenticator app to continue."</div>
                            })}
                            <p>"Sign in with a code from an authenticator app (1Password, Google Authenticator, Authy…) as well as your password."</p>
                            {move || match begin.value().get() {
                                Some(Ok(enrolment)) => view! { <Enrol enrolment confirm error=confirm_error/> }.into_any(),
                                _ => view! {
                                    <button type="button" class="btn btn-primary" disabled=move || begin.pending().get()
                                        on:click=move |_| { begin.dispatch(BeginTotp {}); }>"Set up an authenticator app"</button>
                                }.into_any(),
                            }}
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The authenticator app's secret as a QR code and as text, and the field for its first code.
#[component]
fn Enrol(
    enrolment: TotpEnrolment,
    confirm: ServerAction<ConfirmTotp>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <ol class="enrol-steps">
            <li>
                <p>"Scan this QR code with your authenticator app."</p>
                <div class="qr" role="img" aria-label="QR code of the authenticator app's secret" inner_html=enrolment.qr_svg></div>
                <p class="hint">"Cannot scan it? Type this key into the app:"</p>
                <p><code class="mono totp-secret" aria-label="Authenticator key">{enrolment.secret}</code></p>
            </li>
            <li>
                <ServerForm action=confirm read=confirm_fields>
                    <label for="totp-code">"Type the six digits the app now shows"</label>
                    <input id="totp-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                        maxlength="7" required aria-invalid=invalid(error, "code") aria-describedby=error_id(error, "code")/>
                    <FieldError error field="code"/>
                    <button type="submit" class="btn btn-primary" disabled=move || confirm.pending().get()>"Turn on"</button>
                </ServerForm>
            </li>
        </ol>
    }
}

/// Recovery codes, shown once.
#[component]
fn RecoveryCodes(list: Vec<String>, on_saved: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let text = list.join("\n");
    view! {
        <div class="alert alert-ok recovery" role="status">
            <p><strong>"Your recovery codes."</strong>" Each signs you in once if you lose your authenticator app. Keep them somewhere safe: they are not shown again."</p>
            <ol class="recovery-codes mono" aria-label="Recovery codes">
                {list.into_iter().map(|code| view! { <li>{code}</li> }).collect_view()}
            </ol>
            <div class="page-actions">
                <button type="button" class="btn" on:click=move |_| copy_to_clipboard(text.clone(), move |ok| copied.set(Some(ok)))>
                    "Copy codes"
                </button>
                <button type="button" class="btn btn-primary" on:click=move |_| on_saved()>"I have saved them"</button>
                {move || copied.get().map(|ok| view! {
                    <span class="hint" role="status">{if ok { "Copied." } else { "The browser did not allow copying: select the codes instead." }}</span>
                })}
            </div>
        </div>
    }
}

fn confirm_fields(form: &Fields) -> ConfirmTotp {
    ConfirmTotp {
        code: form.text("code"),
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

//! Webhook endpoints: register one (its signing secret shown once), see its recent
//! deliveries, send a test event, resend a delivery, remove an endpoint.

use crate::{
    components::{
        action_error, copy_to_clipboard, error_id, invalid, on_success, say_for_a_moment, Chips,
        ConfirmDialog, ErrorAlert, FieldError, ShowError,
    },
    server_fns::webhooks::{
        list_webhooks, webhook_deliveries, DeleteWebhook, RegisterWebhook, ResendDelivery,
        RotateWebhookSecret, SendTestWebhook,
    },
    time::When,
    SignedIn,
};
use leptos::prelude::*;
use leptos_meta::Title;
use types::{
    events::{Event, Subscription},
    permissions::WEBHOOKS_WRITE,
    webhooks::{NewWebhookEndpoint, SecretRotation, WebhookEndpoint},
};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let can_write = move || {
        user.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(WEBHOOKS_WRITE))
    };
    let register = ServerAction::<RegisterWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let endpoints = Resource::new(
        move || (register.version().get(), delete.version().get()),
        |_| list_webhooks(),
    );
    // The endpoint whose deliveries are shown.
    let shown = RwSignal::new(None::<String>);
    let to_delete = RwSignal::new(None::<WebhookEndpoint>);
    let confirm_delete = Callback::new(move |()| {
        if let Some(endpoint) = to_delete.get_untracked() {
            to_delete.set(None);
            shown.set(None);
            delete.dispatch(DeleteWebhook { id: endpoint.id });
        }
    });

    view! {
        <Title text="Webhooks"/>
        <h1>"Webhooks"</h1>
        <p class="lead">"Latchkey tells your systems when a token is created, rolled, revoked, about to expire, leaked, or when a canary is used. Deliveries are signed the Standard Webhooks way and retried for 24 hours."</p>
        <ShowError error=action_error(delete)/>
        <NewSecret register/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading endpoints…"</p> }>
            {move || Suspend::new(async move {
                let list = match endpoints.await {
                    Ok(list) => list,
                    Err(error) => return view! { <ErrorAlert error/> }.into_any(),
                };
                if list.is_empty() {
                    return view! { <p class="muted">"No endpoints yet."</p> }.into_any();
                }
                let writable = can_write();
                view! {
                    <div class="card table-card" role="region" aria-label="Webhook endpoints" tabindex="0">
                        <table class="table" aria-label="Endpoints">
                            <thead><tr>
                                <th scope="col">"Endpoint"</th><th scope="col">"Events"</th>
                                <th scope="col">"Registered"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| {
                                    let id = e.id.clone();
                                    let for_delete = e.clone();
                                    view! {
                                        <tr>
                                            <td><span class="mono">{e.url.clone()}</span>
                                                <div class="muted">{e.description.clone()}</div></td>
                                            <td><Chips items=e.events.iter().map(Event::to_string).collect() label="Events"/></td>
                                            <td class="nowrap"><When at=e.created_at/></td>
                                            <td class="nowrap">
                                                <button type="button" class="btn btn-small" aria-label=format!("Deliveries to {}", e.url)
                                                    on:click=move |_| shown.set(Some(id.clone()))>"Deliveries"</button>
                                                {writable.then(|| view! {
                                                    " "
                                                    <button type="button" class="btn btn-small btn-danger-quiet" aria-label=format!("Remove {}", e.url)
                                                        on:click=move |_| to_delete.set(Some(for_delete.clone()))>"Remove"</button>
                                                })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            })}
        </Transition>
        {move || shown.get().map(|id| view! { <Deliveries id writable=can_write()/> })}
        {move || can_write().then(|| view! { <RegisterForm register/> })}
        {move || to_delete.get().map(|e| view! {
            <ConfirmDialog title=format!("Remove {}?", e.url) confirm_label="Remove endpoint"
                on_confirm=confirm_delete on_cancel=Callback::new(move |()| to_delete.set(None))>
                <p>"It receives nothing more; deliveries not yet made are dropped."</p>
            </ConfirmDialog>
        })}
    }
}

/// The signing secret of the endpoint just registered, shown this once.
#[component]
fn NewSecret(register: ServerAction<RegisterWebhook>) -> impl IntoView {
    move || {
        register.value().get().and_then(Result::ok).map(|created| view! {
            <section class="card" aria-labelledby="new-secret-title">
                <h2 id="new-secret-title">"Endpoint registered"</h2>
                <div class="alert alert-warn" role="note">
                    <strong>"Copy the signing secret now."</strong>
                    " It will not be shown again. Give it to the receiver's Standard Webhooks library."
                </div>
                <SecretOnce id="webhook-secret" label=format!("Signing secret for {}", created.endpoint.url)
                    secret=created.secret.clone() on_done=Callback::new(move |()| register.value().set(None))/>
            </section>
        })
    }
}

/// A signing secret shown this once: a Copy button (that says "Copied" for a moment), and
/// Done, which asks first if it was never copied.
#[component]
fn SecretOnce(
    id: &'static str,
    label: String,
    secret: String,
    on_done: Callback<()>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let flash = RwSignal::new(None::<()>);
    let copy_failed = RwSignal::new(false);
    let asking = RwSignal::new(false);
    let text = StoredValue::new(secret.clone());
    let copy = move |_| {
        copy_to_clipboard(text.get_value(), move |ok| {
            copied.update(|c| *c |= ok);
            copy_failed.set(!ok);
            if ok {
                say_for_a_moment(flash, ());
            }
        });
    };
    let done = move |_| {
        if copied.get_untracked() {
            on_done.run(());
        } else {
            asking.set(true);
        }
    };
    view! {
        <label for=id>{label}</label>
        <div class="token-field">
            <input id=id class="mono" readonly prop:value=secret spellcheck="false"/>
            <button type="button" class="btn btn-primary" on:click=copy>
                {move || if flash.get().is_some() { "Copied" } else { "Copy" }}
            </button>
        </div>
        <p class="sr-only" role="status">{move || if flash.get().is_some() { "Copied to the clipboard" } else { "" }}</p>
        <Show when=move || copy_failed.get()>
            <p class="field-error" role="alert">"The browser refused the clipboard: select the secret and copy it by hand."</p>
        </Show>
        <div class="wizard-actions">
            <button type="button" class="btn" on:click=done>"Done"</button>
        </div>
        <Show when=move || asking.get()>
            <ConfirmDialog title="Close without copying?".to_owned() confirm_label="Close, I do not need it"
                on_confirm=on_done on_cancel=Callback::new(move |()| asking.set(false))>
                <p>"You have not copied the signing secret. It cannot be shown again: the receiver would need a new one, by rotating it."</p>
            </ConfirmDialog>
        </Show>
    }
}

/// An endpoint's recent deliveries, with a test event and resend.
#[component]
fn Deliveries(id: String, writable: bool) -> impl IntoView {
    let test = ServerAction::<SendTestWebhook>::new();
    let resend = ServerAction::<ResendDelivery>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let refresh = RwSignal::new(0u32);
    let for_fetch = id.clone();
    let deliveries = Resource::new(
        move || {
            (
                test.version().get(),
                resend.version().get(),
                refresh.get(),
                for_fetch.clone(),
            )
        },
        |(_, _, _, id)| webhook_deliveries(id),
    );
    on_success(test, move |_| refresh.update(|n| *n += 1));
    let for_test = id.clone();
    let for_rotate = id.clone();
    view! {
        {move || rotate.value().get().and_then(Result::ok).map(|rotated| view! {
            <section class="card" aria-labelledby="rotated-secret-title">
                <h2 id="rotated-secret-title">"New signing secret"</h2>
                <div class="alert alert-warn" role="note">
                    <strong>"Copy the new signing secret now."</strong>
                    {format!(
                        " It will not be shown again. Until {}, deliveries carry a signature with the previous secret too, so the receiver can switch without missing an event.",
                        crate::time::exact(rotated.previous_valid_until)
                    )}
                </div>
                <SecretOnce id="rotated-secret" label="New signing secret".to_owned()
                    secret=rotated.secret.clone() on_done=Callback::new(move |()| rotate.value().set(None))/>
            </section>
        })}
        <section class="card" aria-labelledby="deliveries-title">
            <div class="page-head">
                <h2 id="deliveries-title">"Recent deliveries"</h2>
                <div class="page-actions">
                    <button type="button" class="btn btn-small" on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                    {writable.then(|| view! {
                        <button type="button" class="btn btn-small"
                            on:click=move |_| { test.dispatch(SendTestWebhook { id: for_test.clone() }); }>"Send test event"</button>
                        <button type="button" class="btn btn-small"
                            on:click=move |_| {
                                rotate.dispatch(RotateWebhookSecret {
                                    id: for_rotate.clone(),
                                    rotate: SecretRotation::default(),
                                });
                            }>"Rotate signing secret"</button>
                    })}
                </div>
            </div>
            <ShowError error=action_error(test)/>
            <ShowError error=action_error(rotate)/>
            <ShowError error=action_error(resend)/>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading deliveries…"</p> }>
                {move || {
                    let id = id.clone();
                    Suspend::new(async move {
                        let list = deliveries.await.unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="muted">"Nothing delivered yet."</p> }.into_any();
                        }
                        view! {
                            <div class="table-card" role="region" aria-label="Deliveries" tabindex="0">
                                <table class="table" aria-label="Deliveries">
                                    <thead><tr>
                                        <th scope="col">"Event"</th><th scope="col">"Status"</th><th scope="col">"Attempts"</th>
                                        <th scope="col">"Last answer"</th><th scope="col">"Sent"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|d| {
                                            let (endpoint, event_id) = (id.clone(), d.event_id.clone());
                                            let answer = match (d.last_status_code, d.last_error.clone()) {
                                                (Some(code), _) => code.to_string(),
                                                (None, Some(error)) => error,
                                                (None, None) => "—".to_owned(),
                                            };
                                            view! {
                                                <tr>
                                                    <td><span class="mono">{d.event.clone()}</span><div class="muted mono">{d.event_id.clone()}</div></td>
                                                    <td><span class=format!("status status-{}", d.status)>{d.status.clone()}</span></td>
                                                    <td>{d.attempts}</td>
                                                    <td>{answer}</td>
                                                    <td class="nowrap"><When at=d.created_at/></td>
                                                    <td>{(writable && d.status != "pending").then(|| view! {
                                                        <button type="button" class="btn btn-small" aria-label=format!("Resend {}", d.event_id)
                                                            on:click=move |_| { resend.dispatch(ResendDelivery { id: endpoint.clone(), event_id: event_id.clone() }); }>"Resend"</button>
                                                    })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    })
                }}
            </Transition>
        </section>
    }
}

/// Register an endpoint: its URL, what it is, and the events it wants.
#[component]
fn RegisterForm(register: ServerAction<RegisterWebhook>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let events = RwSignal::new(vec![Event::TokenExpiring, Event::TokenRevoked]);
    let error = action_error(register);
    on_success(register, move |_| {
        url.set(String::new());
        description.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        register.dispatch(RegisterWebhook {
            new: NewWebhookEndpoint {
                url: url.get_untracked(),
                description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
                events: events
                    .get_untracked()
                    .into_iter()
                    .map(Subscription)
                    .collect(),
            },
        });
    };
    view! {
        <section class="card">
            <h2>"Register an endpoint"</h2>
            <form on:submit=submit>
                <label for="webhook-url">"URL"</label>
                <input id="webhook-url" type="url" required placeholder="https://erp.example.com/hooks/latchkey"
                    aria-invalid=invalid(error, "url") aria-describedby=error_id(error, "url")
                    prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                <FieldError error field="url"/>
                <label for="webhook-description">"Description (optional)"</label>
                <input id="webhook-description" prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))/>
                <fieldset class:invalid=move || invalid(error, "events")().is_some()>
                    <legend>"Events"</legend>
                    {Event::SUBSCRIBABLE.into_iter().map(|kind| view! {
                        <label class="choice-line">
                            <input type="checkbox" value=kind.as_str()
                                prop:checked=move || events.with(|e| e.contains(&kind))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    events.update(|e| {
                                        e.retain(|k| *k != kind);
                                        if on {
                                            e.push(kind);
                                        }
                                    });
                                }/>
                            <span class="mono">{kind.as_str()}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <FieldError error field="events"/>
                <button type="submit" class="btn btn-primary" disabled=move || register.pending().get()>"Register endpoint"</button>
            </form>
        </section>
    }
}

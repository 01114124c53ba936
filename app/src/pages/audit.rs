//! The audit log: newest first, filtered by actor, action and time range, a page at a time.

use crate::{
    components::{ErrorAlert, Pager},
    server_fns::audit::list_audit,
    time::When,
};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use types::{
    audit::{AuditEvent, AuditFilter, TargetKind},
    events::Event,
};

#[component]
pub fn AuditPage() -> impl IntoView {
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let cursor = RwSignal::new(None::<String>);
    let earlier = RwSignal::new(Vec::<Option<String>>::new());
    let applied = RwSignal::new(AuditFilter::default());
    let day = |s: String, end: bool| {
        NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .ok()
            .and_then(|d| {
                let d = if end { d.succ_opt()? } else { d };
                Some(d.and_hms_opt(0, 0, 0)?.and_utc())
            })
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        cursor.set(None);
        earlier.set(Vec::new());
        applied.set(AuditFilter {
            actor: Some(actor.get_untracked()).filter(|s| !s.is_empty()),
            action: Some(action.get_untracked()).filter(|s| !s.is_empty()),
            from: day(from.get_untracked(), false),
            to: day(to.get_untracked(), true),
            ..Default::default()
        });
    };
    let events = Resource::new(
        move || (applied.get(), cursor.get()),
        |(filter, cursor)| {
            list_audit(AuditFilter {
                cursor,
                limit: Some(50),
                ..filter
            })
        },
    );
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <p class="lead">"Every change and every sign-in, newest first. Never a secret."</p>
        <form class="filters" on:submit=apply role="search">
            <label class="sr-only" for="audit-actor">"Actor"</label>
            <input id="audit-actor" placeholder="Actor" prop:value=move || actor.get() on:input=move |ev| actor.set(event_target_value(&ev))/>
            <label class="sr-only" for="audit-action">"Action"</label>
            <select id="audit-action" on:change=move |ev| action.set(event_target_value(&ev))>
                <option value="">"All actions"</option>
                {Event::filter_choices().into_iter().map(|a| view! { <option value=a>{a}</option> }).collect_view()}
            </select>
            <label for="audit-from">"From"</label>
            <input id="audit-from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
            <label for="audit-to">"To"</label>
            <input id="audit-to" type="date" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/>
            <button type="submit" class="btn">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading events…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    Ok(page) => {
                        let next = page.next_cursor.clone();
                        view! {
                            <div class="card table-card" role="region" aria-label="Audit events" tabindex="0">
                                <table class="table" aria-label="Audit events">
                                    <thead><tr><th scope="col">"When"</th><th scope="col">"What happened"</th><th scope="col">"From"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|e| view! {
                                            <tr>
                                                <td class="nowrap"><When at=e.at/></td>
                                                <td>
                                                    <p class="event-sentence">{sentence(&e)}</p>
                                                    <code class="event-name">{e.action.as_str()}</code>
                                                    {details(&e.details)}
                                                </td>
                                                <td class="mono">{e.client_addr.unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager current=cursor.into() next earlier go=Callback::new(move |c| cursor.set(c))/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// An event as a sentence: who did what to what, the "what" a link to its page where it
/// has one.
fn sentence(e: &AuditEvent) -> impl IntoView {
    use Event::*;
    let verb = match e.action {
        TokenCreated => "created the token",
        TokenRevoked => "revoked the token",
        TokenRolled => "rolled the token",
        TokenExpiring => "was told of the coming expiry of the token",
        TokenExpired => "saw the expiry of the token",
        TokenUsedAfterReplacement => "used, after it was replaced, the token",
        TokenLeaked => "reported found in public the token",
        TokenRefusedAddress => "was refused, by its allowlist, the token",
        TokenUsedFromNewAddress => "used from a new address the token",
        CanaryTriggered => "used the canary",
        SignInSucceeded => "signed in",
        SignInFailed => "failed to sign in as",
        SignInThrottled => "was slowed down signing in as",
        SignOut => "signed out",
        SessionEnded => "ended a session of",
        SetupFailed => "failed to set up this instance",
        UserCreated => "created the user",
        UserChanged => "changed the user",
        UserDisabled => "disabled the user",
        UserEnabled => "enabled the user",
        UserDeleted => "deleted the user",
        UserDeprovisioned => "deprovisioned, as their directory asked, the user",
        SsoLinked => "linked single sign-on to the user",
        SecondFactorChanged => "changed the second factors of",
        PasswordChanged => "changed the password of",
        PasswordChangeFailed => "failed to change the password of",
        RoleCreated => "created the role",
        RoleChanged => "changed the role",
        RoleDeleted => "deleted the role",
        ModuleAdded => "added the module",
        SettingsChanged => "changed the sign-in settings",
        WebhookCreated => "registered the webhook endpoint",
        WebhookDeleted => "removed the webhook endpoint",
        WebhookTested => "sent a test event to the webhook endpoint",
        WebhookSecretRotated => "rotated the signing secret of the webhook endpoint",
        WebhookTest => "sent a test event",
    };
    // Signing in and out are about the actor themselves: no object to name.
    let about_themselves = matches!(e.action, SignInSucceeded | SignOut);
    let target = e.target.clone().filter(|_| !about_themselves);
    let object = target.map(|text| {
        let href = match e.target_kind {
            Some(TargetKind::Token) => Some(format!("/tokens/{text}")),
            Some(TargetKind::User) => Some("/users".to_owned()),
            Some(TargetKind::Role) => Some("/roles".to_owned()),
            Some(TargetKind::Webhook) => Some("/webhooks".to_owned()),
            _ => None,
        };
        let shown = match e.target_kind {
            Some(TargetKind::Token) => types::tokens::masked(&text),
            _ => text,
        };
        match href {
            Some(href) => view! { " " <a href=href>{shown}</a> }.into_any(),
            None => view! { " " <strong>{shown}</strong> }.into_any(),
        }
    });
    view! { <strong>{e.actor.clone()}</strong> " " {verb} {object} "." }
}

/// What changed, folded away: each detail on a line of its own.
fn details(details: &serde_json::Value) -> Option<impl IntoView> {
    let fields = details.as_object().filter(|o| !o.is_empty())?;
    let lines: Vec<(String, String)> = fields
        .iter()
        .map(|(key, value)| (key.replace('_', " "), plain(value)))
        .collect();
    Some(view! {
        <details class="event-details">
            <summary>"Details"</summary>
            <dl class="facts">
                {lines.into_iter().map(|(key, text)| view! { <dt>{key}</dt><dd>{text}</dd> }).collect_view()}
            </dl>
        </details>
    })
}

/// A detail's value as words: lists joined by commas, nested fields as "key: value".
fn plain(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| format!("{}: {}", k.replace('_', " "), plain(v)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => "none".to_owned(),
        other => other.to_string(),
    }
}

//! The audit log: newest first, filtered by actor, action and time range, a page at a time.

use crate::{
    components::{ErrorAlert, Pager},
    server_fns::audit::list_audit,
    time::When,
};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use types::{audit::AuditFilter, events::Event};

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
                                    <thead><tr><th scope="col">"When"</th><th scope="col">"Actor"</th><th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"From"</th><th scope="col">"Details"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|e| view! {
                                            <tr>
                                                <td class="nowrap"><When at=e.at/></td>
                                                <td>{e.actor}</td>
                                                <td class="mono">{e.action.as_str()}</td>
                                                <td class="mono">{e.target.unwrap_or_default()}</td>
                                                <td class="mono">{e.client_addr.unwrap_or_default()}</td>
                                                <td class="mono details">{if e.details.as_object().is_some_and(|o| o.is_empty()) { String::new() } else { e.details.to_string() }}</td>
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

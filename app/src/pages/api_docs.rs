use crate::{components::ErrorAlert, server_fns::api_docs::api_reference};
use leptos::prelude::*;
use leptos_meta::Title;
use types::api_docs::{ApiGroup, ApiOperation};

/// The REST API for people: its operations by resource, each with the scope it needs and
/// an example request and answer. The descriptions come as HTML rendered on the server.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let groups = Resource::new(|| (), |_| api_reference());
    view! {
        <Title text="API"/>
        <h1>"API reference"</h1>
        <p class="lead">
            "Integrations call " <code>"/api/v1/…"</code> " with " <code>"Authorization: Bearer <token>"</code>
            ". Errors are " <code>"application/problem+json"</code> "; every answer names the token's scopes in "
            <code>"X-Token-Scopes"</code> " and what the call needed in " <code>"X-Accepted-Scopes"</code> ". "
            <a href="/api/v1/openapi.json" rel="external">"OpenAPI 3.1 document"</a>
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    Ok(groups) => view! {
                        <nav class="api-contents" aria-label="Resources">
                            {groups.iter().map(|g| view! {
                                <a href=format!("#api-{}", g.name)>{title(&g.name)}</a>
                            }).collect_view()}
                        </nav>
                        {groups.into_iter().map(|group| view! { <Group group/> }).collect_view()}
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A tag's name as a heading: `tokens` is "Tokens". (ASCII only, as the document's tags
/// are: Unicode's case tables would cost the page some 10 KB of Wasm.)
fn title(name: &str) -> String {
    let mut heading = name.to_owned();
    if let Some(first) = heading.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    heading
}

#[component]
fn Group(group: ApiGroup) -> impl IntoView {
    let id = format!("api-{}", group.name);
    let heading = title(&group.name);
    let labelled_by = id.clone();
    view! {
        <section class="api-group" aria-labelledby=labelled_by>
            <h2 id=id>{heading}</h2>
            <div class="lead" inner_html=group.description_html/>
            {group.operations.into_iter().map(|op| view! { <Operation op/> }).collect_view()}
        </section>
    }
}

#[component]
fn Operation(op: ApiOperation) -> impl IntoView {
    let method_class = format!("method method-{}", op.method.to_lowercase());
    view! {
        <article class="card api-op">
            <h3 class="mono"><span class=method_class>{op.method}</span>" "{op.path}</h3>
            <p inner_html=op.summary_html/>
            {(!op.description_html.is_empty()).then(|| view! { <div inner_html=op.description_html/> })}
            <p>{match op.scope {
                None => view! { <span class="muted">"Takes no bearer token (see above)."</span> }.into_any(),
                Some(scope) if scope.is_empty() => view! { <span class="muted">"Any valid token."</span> }.into_any(),
                Some(scope) => view! { "Needs " <span class="chip">{scope}</span> }.into_any(),
            }}</p>
            <details class="api-example">
                <summary>"Example request and answer"</summary>
                <p class="hint">"Request"</p>
                <pre><code>{op.example_request}</code></pre>
                <p class="hint">"Answer"</p>
                <pre><code>{op.example_response}</code></pre>
            </details>
        </article>
    }
}

use crate::{components::ErrorAlert, server_fns::api_docs::api_reference};
use leptos::prelude::*;
use leptos_meta::Title;

/// The REST API for people: every operation with the scope it needs.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let operations = Resource::new(|| (), |_| api_reference());
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
                match operations.await {
                    Err(error) => view! { <ErrorAlert error/> }.into_any(),
                    Ok(ops) => view! {
                        <div class="card table-card" role="region" aria-label="API operations" tabindex="0">
                            <table class="table">
                                <thead><tr><th scope="col">"Operation"</th><th scope="col">"Scope needed"</th><th scope="col">"What it does"</th></tr></thead>
                                <tbody>
                                    {ops.into_iter().map(|op| view! {
                                        <tr>
                                            <td class="mono nowrap">
                                                <span class=format!("method method-{}", op.method.to_lowercase())>{op.method.clone()}</span>
                                                " " {op.path}
                                            </td>
                                            <td>{if op.scope.is_empty() {
                                                view! { <span class="muted">"any valid token"</span> }.into_any()
                                            } else {
                                                view! { <span class="chip">{op.scope}</span> }.into_any()
                                            }}</td>
                                            <td>{op.summary}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

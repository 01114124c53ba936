//! Revoking a token as a page of its own: where the list's Revoke leads when the Wasm has
//! not run (a click before it arrives, or no JavaScript at all). It asks the same question
//! as the list's dialog, and revokes with a plain form.

use crate::{
    components::{ErrorAlert, Fields, ServerForm},
    server_fns::tokens::{get_token, RevokeToken},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

#[component]
pub fn RevokePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_token,
    );
    let revoke = ServerAction::<RevokeToken>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if revoke.value().with(|v| matches!(v, Some(Ok(_)))) {
            navigate("/", Default::default());
        }
    });
    let failed = move || {
        query.read().get("failed").is_some() || revoke.value().with(|v| matches!(v, Some(Err(_))))
    };
    view! {
        <Title text="Revoke token"/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading the token…"</p> }>
            {move || Suspend::new(async move {
                match token.await {
                    Err(error) => view! { <ErrorAlert error lead="The token could not be loaded: "/> }.into_any(),
                    Ok(t) => view! {
                        <section class="card auth-card">
                            <h1>{format!("Revoke “{}”?", t.name)}</h1>
                            <p>
                                "Every integration using " <code>{t.masked.clone()}</code>
                                " will be refused (401 Unauthorized) from its next request. This cannot be undone: "
                                "to restore access, generate a new token."
                            </p>
                            {move || failed().then(|| view! {
                                <div class="alert alert-error" role="alert">"The token could not be revoked: it may be revoked already. Try again from the list."</div>
                            })}
                            <ServerForm action=revoke read=token_id>
                                <input type="hidden" name="id" value=t.id.clone()/>
                                <div class="dialog-actions">
                                    <a href="/" class="btn">"Cancel"</a>
                                    <button type="submit" class="btn btn-danger">"Revoke token"</button>
                                </div>
                            </ServerForm>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn token_id(form: &Fields) -> RevokeToken {
    RevokeToken {
        id: form.text("id"),
    }
}

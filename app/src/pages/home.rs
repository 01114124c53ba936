use crate::SignedIn;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    view! {
        <Title text="Overview"/>
        <h1>"Overview"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|u| {
                    let permissions = u.permissions.clone();
                    view! {
                        <p class="lead">"Signed in as " <strong>{u.display_name}</strong> " (" {u.email} ")."</p>
                        <section class="card">
                            <h2>"Your role: " {u.role}</h2>
                            <p>"What your role lets you do:"</p>
                            <ul class="chips" aria-label="Permissions">
                                {permissions
                                    .into_iter()
                                    .map(|p| {
                                        let label = if p == "*" { "every permission".to_owned() } else { p };
                                        view! { <li class="chip">{label}</li> }
                                    })
                                    .collect_view()}
                            </ul>
                        </section>
                    }
                })
            })}
        </Transition>
    }
}

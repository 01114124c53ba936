//! Latchkey's console: the Leptos pages and components, and the server functions they
//! call (`server_fns`, whose bodies call the domain directly on the server).

mod blast_radius;
mod components;
mod pages;
pub mod server_fns;
pub mod time;

use types::{AppError, CurrentUser};

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    hooks::use_location,
    path, Lazy, SsrMode,
};

/// The page's first script: it tells the server the browser's time zone, and marks the
/// page as one whose scripts run (controls only a page without them needs are hidden).
/// (The cookie's name is [`time::ZONE_COOKIE`].)
const HEAD_SCRIPT: &str = concat!(
    "document.cookie='latchkey_tz='+Intl.DateTimeFormat().resolvedOptions().timeZone",
    "+';path=/;max-age=31536000;samesite=lax'+(location.protocol==='https:'?';secure':'');",
    "document.documentElement.classList.add('js')"
);

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // Tells the server the browser's time zone before anything renders.
                <script nonce=leptos::nonce::use_nonce() inner_html=HEAD_SCRIPT></script>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                {pages::preload(&options)}
                {single_sign_on().map(|name| view! { <meta name="latchkey-sso" content=name/> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The single sign-on provider's name, if one is set up: the server knows it; the browser
/// reads it from the page's head, where the server wrote it (the shell is the server's
/// alone), rather than asking again.
pub(crate) fn single_sign_on() -> Option<String> {
    #[cfg(feature = "ssr")]
    return use_context::<latchkey_core::Core>()
        .and_then(|core| core.sso.as_ref().map(|provider| provider.name().to_owned()));
    #[cfg(not(feature = "ssr"))]
    return document()
        .query_selector("meta[name=latchkey-sso]")
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"));
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/latchkey.css"/>
        <Title formatter=|page: String| format!("{page} · Latchkey")/>
        <Router>
            <Console/>
        </Router>
    }
}

/// Who is signed in, re-read on every navigation so that signing in or out, or a
/// session that expired, shows at once.
#[derive(Clone, Copy)]
pub struct SignedIn(pub Resource<Result<Option<CurrentUser>, AppError>>);

#[component]
fn Console() -> impl IntoView {
    let location = use_location();
    let user = Resource::new(
        move || location.pathname.get(),
        |_| server_fns::session::who_am_i(),
    );
    provide_context(SignedIn(user));
    time::provide_zone();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <components::NavBar/>
        <main id="main" class="content">
            <Routes fallback=pages::NotFound>
                // The list and revoking from it are whole pages as the server sends them (its
                // data in place, not streamed in by script): they work without JavaScript.
                <Route path=path!("/") view={Lazy::<pages::TokensRoute>::new()} ssr=SsrMode::Async/>
                // The wizard too: loaded from its address at a later step, that step arrives whole.
                <Route path=path!("/tokens/new") view={Lazy::<pages::NewTokenRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/tokens/:id") view={Lazy::<pages::TokenDetailRoute>::new()}/>
                <Route path=path!("/tokens/:id/revoke") view={Lazy::<pages::TokensRoute>::new()} ssr=SsrMode::Async/>
                <Route path=path!("/login") view={Lazy::<pages::SignInRoute>::new()}/>
                <Route path=path!("/login/code") view={Lazy::<pages::SecondFactorRoute>::new()}/>
                <Route path=path!("/setup") view={Lazy::<pages::SetupRoute>::new()}/>
                <Route path=path!("/account") view={Lazy::<pages::AccountRoute>::new()}/>
                <Route path=path!("/api-docs") view={Lazy::<pages::ApiDocsRoute>::new()}/>
                <Route path=path!("/users") view={Lazy::<pages::UsersRoute>::new()}/>
                <Route path=path!("/roles") view={Lazy::<pages::RolesRoute>::new()}/>
                <Route path=path!("/audit") view={Lazy::<pages::AuditRoute>::new()}/>
                <Route path=path!("/webhooks") view={Lazy::<pages::WebhooksRoute>::new()}/>
                <Route path=path!("/settings") view={Lazy::<pages::SettingsRoute>::new()}/>
            </Routes>
        </main>
    }
}

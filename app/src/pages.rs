//! One module a page.

mod account;
mod api_docs;
mod audit;
mod revoke;
mod roles;
mod second_factor;
mod settings;
mod setup;
mod sign_in;
mod token_detail;
mod token_new;
mod tokens;
mod users;
mod webhooks;

pub use account::AccountPage;
pub use api_docs::ApiDocsPage;
pub use audit::AuditPage;
pub use roles::RolesPage;
pub use second_factor::SecondFactorPage;
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use sign_in::SignInPage;
pub use token_detail::TokenDetailPage;
pub use token_new::NewTokenPage;
pub use tokens::TokensPage;
pub use users::UsersPage;
pub use webhooks::WebhooksPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_location, lazy_route, LazyRoute};

/// Each page is its own route and, in the release build, its own Wasm chunk: the browser
/// downloads a page's code when the page is first shown (`cargo xtask build` splits it).
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                mark_hydrated();
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

/// The page at `path`, by the name `cargo xtask build` gives its pack
/// (`pack_<page>.wasm`: the page's modules in one file), which is its route's name.
#[cfg(feature = "ssr")]
fn page_at(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    Some(match segments.as_slice() {
        [""] | ["tokens", _, "revoke"] => "tokens",
        ["tokens", "new"] => "new_token",
        ["tokens", _] => "token_detail",
        ["login"] => "sign_in",
        ["login", "code"] => "second_factor",
        ["setup"] => "setup",
        ["account"] => "account",
        ["api-docs"] => "api_docs",
        ["users"] => "users",
        ["roles"] => "roles",
        ["audit"] => "audit",
        ["webhooks"] => "webhooks",
        ["settings"] => "settings",
        _ => return None,
    })
}

/// For the document's head (rendered on the server only): preloads of the page's pack and
/// of the split loader that reads it, so that both arrive alongside the main module rather
/// than after it. Leptos adds the same from the split manifest, but now and then not (a
/// third of the token list's renders, whose pack was then fetched only once the main
/// module ran: a quarter of a second later at 4x CPU slowdown); the browser fetches a
/// preloaded address once. Nothing is added for a build without packs.
#[cfg(feature = "ssr")]
pub fn preload(options: &LeptosOptions) -> impl IntoView {
    use std::{collections::HashSet, sync::OnceLock};
    static PACKS: OnceLock<HashSet<String>> = OnceLock::new();
    let packs = PACKS.get_or_init(|| {
        let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
        std::fs::read_dir(pkg)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with("pack_"))
            .collect()
    });
    let path = use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_owned());
    let pack = path
        .as_deref()
        .and_then(page_at)
        .map(|page| format!("pack_{page}.wasm"))
        .filter(|pack| packs.contains(pack));
    let pkg = options.site_pkg_dir.clone();
    pack.map(|pack| {
        view! {
            <link rel="modulepreload" href=format!("/{pkg}/__wasm_split.______________________.js")/>
            <link rel="preload" href=format!("/{pkg}/{pack}") r#as="fetch" r#type="application/wasm" crossorigin=""/>
        }
    })
}

#[cfg(not(feature = "ssr"))]
pub fn preload(_options: &LeptosOptions) -> impl IntoView {}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::page_at;

    #[test]
    fn each_route_is_the_page_its_pack_is_named_by() {
        for (path, page) in [
            ("/", "tokens"),
            ("/tokens/AbCdEfGhIjKl/revoke", "tokens"),
            ("/tokens/new", "new_token"),
            ("/tokens/AbCdEfGhIjKl", "token_detail"),
            ("/login", "sign_in"),
            ("/login/code", "second_factor"),
            ("/api-docs", "api_docs"),
            ("/webhooks", "webhooks"),
        ] {
            assert_eq!(page_at(path), Some(page), "{path}");
        }
        assert_eq!(page_at("/no/such/page"), None);
    }
}

/// Marks the page interactive once its own view (loaded after the main module) has
/// hydrated or rendered: effects run only in the browser, after the view they belong to.
/// The mark is the page's path, so that a test can tell this page's mark from the last.
fn mark_hydrated() {
    let path = use_location().pathname.get_untracked();
    Effect::new(move || {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", &path);
        }
    });
}

lazy_pages! {
    TokensRoute => TokensPage,
    NewTokenRoute => NewTokenPage,
    TokenDetailRoute => TokenDetailPage,
    SignInRoute => SignInPage,
    SecondFactorRoute => SecondFactorPage,
    SetupRoute => SetupPage,
    AccountRoute => AccountPage,
    ApiDocsRoute => ApiDocsPage,
    UsersRoute => UsersPage,
    RolesRoute => RolesPage,
    AuditRoute => AuditPage,
    WebhooksRoute => WebhooksPage,
    SettingsRoute => SettingsPage,
}

#[component]
pub fn NotFound() -> impl IntoView {
    mark_hydrated();
    view! {
        <Title text="Not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"Back to the API tokens"</a></p>
    }
}

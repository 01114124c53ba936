//! One module a page.

mod account;
mod api_docs;
mod audit;
mod revoke;
mod roles;
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
    SetupRoute => SetupPage,
    AccountRoute => AccountPage,
    ApiDocsRoute => ApiDocsPage,
    UsersRoute => UsersPage,
    RolesRoute => RolesPage,
    AuditRoute => AuditPage,
    WebhooksRoute => WebhooksPage,
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

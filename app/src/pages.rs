//! One module a page.

mod account;
mod api_docs;
mod audit;
mod roles;
mod setup;
mod sign_in;
mod token_detail;
mod token_new;
mod tokens;
mod users;

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

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"Back to the API tokens"</a></p>
    }
}

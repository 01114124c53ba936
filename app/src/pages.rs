//! One module a page.

mod account;
mod api_docs;
mod home;
mod setup;
mod sign_in;

pub use account::AccountPage;
pub use api_docs::ApiDocsPage;
pub use home::HomePage;
pub use setup::SetupPage;
pub use sign_in::SignInPage;

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. " <a href="/">"Back to the overview"</a></p>
    }
}

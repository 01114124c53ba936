//! The browser entry point: hydrates the server-rendered page. Each page's code is a lazy
//! chunk (see `app::pages`), so hydration waits, asynchronously, for the page's chunk.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}

//! What every request handler may reach: the domain's handle, the console's options, and
//! the edge's own settings.

use crate::proxies::TrustedProxies;
use app::server_fns::ApiReference;
use axum::extract::FromRef;
use latchkey_core::Core;
use leptos::config::LeptosOptions;
use std::{ops::Deref, sync::Arc};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub core: Core,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// The REST API's reference, for the console's API page.
    pub api_reference: ApiReference,
}

impl AppState {
    pub fn new(core: Core, trusted_proxies: TrustedProxies, leptos_options: LeptosOptions) -> Self {
        let api_reference =
            ApiReference(Arc::new(crate::api::reference(&core.settings.public_url)));
        Self {
            leptos_options,
            core,
            trusted_proxies: Arc::new(trusted_proxies),
            api_reference,
        }
    }
}

/// A handler reaches the domain's pool, settings and services as `state.pool` and so on.
impl Deref for AppState {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

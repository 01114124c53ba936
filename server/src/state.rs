//! What every request handler may reach: the database, the settings, and the few shared
//! services that live as long as the server.

use crate::{
    config::Settings, passwords::Passwords, quiet::Quiet, setup::SetupGate,
    tokens::usage::UsageRecorder, verifier::Verifier,
};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};

/// The window of [`AppState::refusals`]' budgets.
const REFUSALS_WINDOW: Duration = Duration::from_secs(600);

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub setup: Arc<SetupGate>,
    pub passwords: Passwords,
    pub usage: UsageRecorder,
    pub verifier: Verifier,
    /// Budgets of the refusals written to the audit log (see [`crate::quiet`]).
    pub refusals: Quiet,
}

impl AppState {
    pub fn new(
        pool: PgPool,
        settings: Settings,
        setup: SetupGate,
        leptos_options: LeptosOptions,
    ) -> Self {
        Self {
            leptos_options,
            verifier: Verifier::new(pool.clone(), settings.verifier_cache),
            pool,
            settings: Arc::new(settings),
            setup: Arc::new(setup),
            passwords: Passwords::default(),
            usage: UsageRecorder::default(),
            refusals: Quiet::new(REFUSALS_WINDOW, 10_000),
        }
    }
}

//! Latchkey's domain: tokens and their verification, people, roles, the audit log,
//! webhooks and mail, sessions and sign-in. It knows PostgreSQL and the vocabulary in
//! `types`; it knows neither HTTP frameworks nor the console's components. The server
//! (the REST API, the gateway) and the console's server functions both call it.

pub mod accounts;
pub mod audit;
pub mod error;
pub mod factors;
pub mod fields;
pub mod leaks;
pub mod mail;
pub mod maintenance;
pub mod modules;
pub mod networks;
pub mod offboarding;
pub mod outbox;
pub mod paging;
pub mod passwords;
pub mod policy;
pub mod principal;
pub mod quiet;
pub mod roles;
pub mod scim;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod setup;
pub mod sso;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod verifier;
pub mod webhooks;

pub use error::{Error, Result};
pub use settings::Settings;

use passwords::Passwords;
use quiet::Quiet;
use setup::SetupGate;
use sqlx::PgPool;
use std::{sync::Arc, time::Duration};
use tokens::usage::UsageRecorder;
use verifier::Verifier;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The window of [`Core::refusals`]' budgets.
const REFUSALS_WINDOW: Duration = Duration::from_secs(600);

/// The domain's handle: the database and the services that live as long as the process.
/// Cheap to clone; every request handler and server function reaches the domain through it.
#[derive(Clone)]
pub struct Core {
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub setup: Arc<SetupGate>,
    pub passwords: Passwords,
    pub usage: UsageRecorder,
    pub verifier: Verifier,
    /// Budgets of the refusals written to the audit log (see [`quiet`]).
    pub refusals: Quiet,
    /// The identity provider for single sign-on, if one is configured.
    pub sso: Option<Arc<sso::Provider>>,
}

impl Core {
    pub fn new(pool: PgPool, settings: Settings, setup: SetupGate) -> Self {
        let sso = settings.sso.clone().map(|sso| {
            let provider = sso::Provider::new(sso, &settings.public_url);
            Arc::new(provider.expect("the configuration checked the single sign-on settings"))
        });
        Self {
            sso,
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

//! Starting Latchkey: the database (configured or embedded, migrated), then the
//! application, built by one function that `main` and the tests share.

use crate::{
    config::{self, Config, Settings},
    embedded_pg::EmbeddedPostgres,
    listener, web, AppState,
};
use anyhow::Context;
use latchkey_core::{maintenance, setup::SetupGate, Core, MIGRATOR};
use leptos::config::LeptosOptions;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};
use std::{future::Future, net::SocketAddr, str::FromStr, time::Duration};
use tokio::net::TcpListener;

/// How often noted token uses are written to the database.
const USAGE_FLUSH_EVERY: Duration = Duration::from_secs(5);
/// How often expired sessions, old throttle rows and old audit events are deleted.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);

/// How long a request waits for a database connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// The longest one statement may run.
const STATEMENT_TIMEOUT: &str = "5s";

/// The pool every part of Latchkey shares: when PostgreSQL is away, requests are told so
/// within [`ACQUIRE_TIMEOUT`] instead of waiting, and the pool reconnects by itself when
/// it is back (each connection is checked before use).
pub async fn pool(options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true)
        .connect_with(options.options([("statement_timeout", STATEMENT_TIMEOUT)]))
        .await
}

/// Connects to DATABASE_URL, or starts the embedded cluster, and applies the migrations.
pub async fn connect(config: &Config) -> anyhow::Result<(PgPool, Option<EmbeddedPostgres>)> {
    // An empty DATABASE_URL (as `DATABASE_URL=` in an env file leaves it) means unset.
    let database_url = config
        .database_url
        .as_deref()
        .filter(|u| !u.trim().is_empty());
    let (pool, embedded) = match database_url {
        Some(url) => {
            let options =
                PgConnectOptions::from_str(url).context("DATABASE_URL is not a PostgreSQL URL")?;
            let pool = pool(options)
                .await
                .context("cannot connect to DATABASE_URL")?;
            (pool, None)
        }
        None => {
            let share = !matches!(config.command, None | Some(config::Command::Serve));
            let (pg, options) = EmbeddedPostgres::start(&config.data_dir, share)?;
            let maintenance = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(pg.maintenance_options())
                .await
                .context("cannot connect to the embedded PostgreSQL")?;
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(EmbeddedPostgres::DATABASE)
                    .fetch_one(&maintenance)
                    .await?;
            if !exists {
                sqlx::query(&format!("CREATE DATABASE {}", EmbeddedPostgres::DATABASE))
                    .execute(&maintenance)
                    .await?;
            }
            maintenance.close().await;
            let pool = pool(options)
                .await
                .context("cannot connect to the embedded PostgreSQL")?;
            (pool, Some(pg))
        }
    };
    MIGRATOR
        .run(&pool)
        .await
        .context("cannot apply the database migrations")?;
    Ok((pool, embedded))
}

/// Leptos's options (site root, output name) from its environment, with our address.
fn leptos_options(listen: SocketAddr) -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)?.leptos_options;
    options.site_addr = listen;
    if options.output_name.is_empty() {
        options.output_name = "latchkey".into();
    }
    Ok(options)
}

/// Latchkey, bound to its address and ready to serve.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    timeouts: crate::listener::Timeouts,
}

impl Application {
    /// Binds `listen` (port 0 picks a free one), opens the set-up gate (printing the
    /// set-up code while no administrator exists) and builds the shared state.
    pub async fn build(
        pool: PgPool,
        settings: Settings,
        listen: SocketAddr,
    ) -> anyhow::Result<Self> {
        crate::memory::return_large_blocks();
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        for net in settings.trusted_proxies.too_wide() {
            tracing::warn!(
                "LATCHKEY_TRUSTED_PROXIES trusts {net}: every host in it may name any client \
                 address (and so pass IP allowlists); name the proxies themselves, or a /24 \
                 (IPv4) or /64 (IPv6) at most"
            );
        }
        let setup = SetupGate::open(&pool, &settings.core.public_url).await?;
        let core = Core::new(pool, settings.core, setup);
        let state = AppState::new(core, settings.trusted_proxies, leptos_options(addr)?);
        Ok(Self {
            listener,
            state,
            timeouts: settings.timeouts,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then writes the token uses not yet written.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            timeouts,
        } = self;
        let flusher = state
            .usage
            .spawn_flusher(state.pool.clone(), USAGE_FLUSH_EVERY);
        let housekeeping = maintenance::spawn(
            state.pool.clone(),
            state.settings.clone(),
            HOUSEKEEPING_EVERY,
        );
        let verifier = state.verifier.spawn();
        let webhooks = latchkey_core::webhooks::deliver::spawn(
            state.pool.clone(),
            state.settings.webhook_destinations.clone(),
        );
        let mail = state
            .settings
            .mail
            .clone()
            .map(|settings| latchkey_core::mail::spawn(state.pool.clone(), settings));
        tracing::info!("Latchkey is listening on http://{}", listener.local_addr()?);
        listener::serve(listener, web::router(state.clone()), timeouts, shutdown).await?;
        flusher.abort();
        housekeeping.abort();
        webhooks.abort();
        mail.iter().for_each(|task| task.abort());
        verifier.iter().for_each(|task| task.abort());
        state.verifier.leave().await;
        state.usage.flush(&state.pool).await?;
        Ok(())
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down");
}

//! Latchkey's server: the console (Leptos, server-rendered and hydrated), the REST API,
//! and everything that touches the database.

pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod embedded_pg;
pub mod error;
pub mod modules;
pub mod passwords;
pub mod principal;
pub mod roles;
pub mod secrets;
pub mod sessions;
pub mod setup;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod web;

use axum::extract::FromRef;
use config::{Config, Settings};
use embedded_pg::EmbeddedPostgres;
use leptos::config::LeptosOptions;
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::{net::SocketAddr, sync::Arc};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    pub setup: Arc<setup::SetupGate>,
    pub passwords: passwords::Passwords,
    pub usage: tokens::usage::UsageRecorder,
}

impl AppState {
    pub fn new(
        pool: PgPool,
        settings: Settings,
        setup: setup::SetupGate,
        leptos_options: LeptosOptions,
    ) -> Self {
        Self {
            leptos_options,
            pool,
            settings: Arc::new(settings),
            setup: Arc::new(setup),
            passwords: passwords::Passwords::default(),
            usage: tokens::usage::UsageRecorder::default(),
        }
    }
}

/// Connects to DATABASE_URL, or starts the embedded cluster, and applies the migrations.
pub async fn connect(config: &Config) -> anyhow::Result<(PgPool, Option<EmbeddedPostgres>)> {
    use anyhow::Context;
    // An empty DATABASE_URL (as `DATABASE_URL=` in an env file leaves it) means unset.
    let database_url = config
        .database_url
        .as_deref()
        .filter(|u| !u.trim().is_empty());
    let (pool, embedded) = match database_url {
        Some(url) => {
            let pool = PgPoolOptions::new()
                .max_connections(20)
                .connect(url)
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
            let pool = PgPoolOptions::new()
                .max_connections(20)
                .connect_with(options)
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
pub fn leptos_options(listen: SocketAddr) -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)?.leptos_options;
    options.site_addr = listen;
    if options.output_name.is_empty() {
        options.output_name = "latchkey".into();
    }
    Ok(options)
}

/// Serves until SIGINT or SIGTERM.
pub async fn serve(config: &Config, pool: PgPool) -> anyhow::Result<()> {
    let settings = Settings::from_config(config);
    let setup = setup::SetupGate::open(&pool, &settings.public_url).await?;
    let state = AppState::new(pool, settings, setup, leptos_options(config.listen)?);
    let flusher = state
        .usage
        .spawn_flusher(state.pool.clone(), std::time::Duration::from_secs(5));
    let usage = state.usage.clone();
    let pool = state.pool.clone();
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!("Latchkey is listening on http://{}", config.listen);
    axum::serve(
        listener,
        web::router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    flusher.abort();
    usage.flush(&pool).await?;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
    tracing::info!("shutting down");
}

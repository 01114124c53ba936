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
pub mod export;
pub mod fields;
pub mod gateway;
pub mod headers;
pub mod leaks;
pub mod listener;
pub mod mail;
pub mod maintenance;
pub mod memory;
pub mod modules;
pub mod outbox;
pub mod paging;
pub mod passwords;
pub mod principal;
pub mod proxies;
pub mod quiet;
pub mod roles;
pub mod secrets;
pub mod sessions;
pub mod setup;
pub mod sparkline;
pub mod startup;
pub mod state;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod verifier;
pub mod web;
pub mod webhooks;

pub use state::AppState;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

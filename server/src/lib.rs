//! Latchkey's server, the edge around the domain (`latchkey_core`): start-up and
//! configuration, the listener, the console's pages and server functions (from `app`),
//! the REST API, the gateway's forward-auth, and the embedded PostgreSQL.

pub mod api;
pub mod cli;
pub mod config;
pub mod embedded_pg;
pub mod export;
pub mod gateway;
pub mod headers;
pub mod listener;
pub mod memory;
pub mod proxies;
pub mod scim;
pub mod sparkline;
pub mod sso;
pub mod startup;
pub mod state;
pub mod web;

pub use state::AppState;

//! The REST API as an integration meets it: one test binary, a module per resource.

#[path = "../helpers/mod.rs"]
mod helpers;

mod audit;
mod cli;
mod custody;
mod floods;
mod introspect;
mod lifecycle;
mod mail;
mod openapi;
mod outbox;
mod problems;
mod roles;
mod scim;
mod sso;
mod tokens;
mod users;
mod verifier;
mod webhooks;

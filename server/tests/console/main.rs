//! The console as a browser meets it: pages and server functions, one test binary.

#[path = "../helpers/mod.rs"]
mod helpers;

mod foundation;
mod policy;
mod tokens;

//! The console as a browser meets it: pages and server functions, one test binary.

#[path = "../helpers/mod.rs"]
mod helpers;

mod factors;
mod foundation;
mod policy;
mod tokens;

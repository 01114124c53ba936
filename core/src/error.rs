//! The server's error type. Failures a person can act on are `AppError`s and pass through
//! unchanged; anything else is logged in full, once, when the answer is made (see
//! [`Error::into_answer`]), and the person gets a generic message.

use types::AppError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// What the person asking is told. Called once, where the answer is made (inside the
    /// request's span): server-side failures are logged there in full and told generically.
    pub fn into_answer(self) -> AppError {
        match self {
            Error::App(e) => e,
            Error::Sqlx(e) if is_unavailable(&e) => {
                tracing::warn!(error = %e, "the database is unavailable");
                AppError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "internal error");
                AppError::Internal
            }
        }
    }
}

/// Whether the database could not be reached or gave up (rather than refused the query):
/// worth answering 503 and trying again later.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        // Connection exceptions (08…), shutdowns (57P0…), and statement_timeout (57014).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0") || c == "57014"),
        _ => false,
    }
}

/// Turns the violation of a named unique constraint into a user-facing error, instead of
/// a racy "look, then insert".
pub trait ResultExt<T> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> AppError) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn on_constraint(self, name: &str, f: impl FnOnce() -> AppError) -> Result<T> {
        self.map_err(|e| match e.into() {
            Error::Sqlx(sqlx::Error::Database(db)) if db.constraint() == Some(name) => {
                Error::App(f())
            }
            other => other,
        })
    }
}

//! Who is asking: the signed-in person as the console shows them, the caller of a console
//! request, the set-up form and the list of one's sessions.

use crate::AppError;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The signed-in person, as the console shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub permissions: Vec<String>,
}

impl CurrentUser {
    pub fn can(&self, permission: &str) -> bool {
        crate::permissions::grants(&self.permissions, permission)
    }
}

/// The first administrator, as entered on the set-up page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupForm {
    pub code: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

pub const MIN_PASSWORD_LEN: usize = 12;

/// One of the signed-in person's sessions: a browser where they are signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// The session of this very request.
    pub current: bool,
}

/// Who is asking a console request: the signed-in user, if any, and where from. The
/// server resolves it once per request (from the session cookie) and hands it to the
/// server functions.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub user: Option<CurrentUser>,
    /// SHA-256 of the session cookie, to end the session on sign-out.
    pub session_digest: Option<Vec<u8>>,
    pub client_addr: Option<IpAddr>,
    /// The browser's `User-Agent`, shortened, for the list of sessions.
    pub user_agent: Option<String>,
}

impl Caller {
    /// The signed-in user, or `Unauthenticated`.
    pub fn user(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }
}

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

impl SessionInfo {
    /// The browser and system as a person names them ("Firefox on Windows"), read from
    /// the user agent the browser sent.
    pub fn browser(&self) -> String {
        self.user_agent
            .as_deref()
            .map_or_else(|| "An unknown browser".to_owned(), browser_name)
    }
}

/// "Chrome on macOS", "Firefox on Linux", "Safari on iOS" from a user agent string; the
/// string itself when it names no browser Latchkey knows.
pub fn browser_name(user_agent: &str) -> String {
    let has = |s: &str| user_agent.contains(s);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("OPR/") {
        "Opera"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("HeadlessChrome/") {
        "Headless Chrome"
    } else if has("Chromium/") {
        "Chromium"
    } else if has("Chrome/") || has("CriOS/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        return user_agent.chars().take(60).collect();
    };
    let system = if has("iPhone") {
        "iOS"
    } else if has("iPad") {
        "iPadOS"
    } else if has("Android") {
        "Android"
    } else if has("CrOS") {
        "ChromeOS"
    } else if has("Windows") {
        "Windows"
    } else if has("Mac OS X") || has("Macintosh") {
        "macOS"
    } else if has("Linux") {
        "Linux"
    } else {
        return browser.to_owned();
    };
    format!("{browser} on {system}")
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

#[cfg(test)]
mod tests {
    use super::browser_name;

    #[test]
    fn browsers_are_named_as_people_name_them() {
        for (agent, name) in [
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari on iOS"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
            ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"),
            ("curl/8.5.0", "curl/8.5.0"),
        ] {
            assert_eq!(browser_name(agent), name, "{agent}");
        }
    }
}

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
    /// What the person may do. Empty while they must set up a second factor first.
    pub permissions: Vec<String>,
    /// Their role requires a second factor (the sign-in policy) and they have none: they
    /// may do nothing but set one up.
    #[serde(default)]
    pub must_enrol: bool,
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

/// The console's sign-in policy, set on its Settings page (`settings:write`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInPolicy {
    /// Password sign-in is refused, except to the break-glass accounts: people sign in
    /// through single sign-on.
    pub require_sso: bool,
    /// The e-mail addresses that may still sign in with a password when single sign-on is
    /// required (for when the identity provider is down).
    #[serde(default)]
    pub break_glass: Vec<String>,
    /// A console session ends after this many minutes without a request (1 to 43,200).
    pub session_idle_minutes: u32,
    /// A console session ends this many days after sign-in, however busy (1 to 365).
    pub session_max_days: u32,
    /// People whose role holds any of `second_factor_permissions` must have a second
    /// factor, and are led to set one up before anything else.
    #[serde(default)]
    pub require_second_factor: bool,
    #[serde(default)]
    pub second_factor_permissions: Vec<String>,
}

/// The permissions whose holders the policy asks for a second factor unless it is told
/// otherwise: those that make tokens for others, or change who may do what.
pub const SECOND_FACTOR_PERMISSIONS: [&str; 4] = [
    crate::permissions::TOKENS_ADMIN,
    crate::permissions::ROLES_WRITE,
    crate::permissions::USERS_WRITE,
    crate::permissions::SETTINGS_WRITE,
];

/// The most break-glass accounts the policy names.
pub const BREAK_GLASS_MAX: usize = 20;

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

/// Why a sign-in failed, as the sign-in page is told in its address (`/login?failed=…`)
/// after a sign-in without the Wasm or a single sign-on that came back refused: a word
/// from this fixed list, so that no link can make the page say anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFailure {
    Credentials,
    Throttled,
    /// The identity provider's answer came too late, twice, or to another browser.
    SsoExpired,
    /// The identity provider said no (the person cancelled, or it refused them).
    SsoDenied,
    /// The identity provider's answer did not hold up: forged, for another client, or
    /// its ID token failed validation.
    SsoRejected,
    /// An account with the e-mail exists, and the identity provider did not say it
    /// verified the address: Latchkey does not link them.
    SsoUnverified,
    /// The identity provider named no e-mail address.
    SsoNoEmail,
    /// The account is disabled.
    Disabled,
    /// Password sign-in is turned off for this account: single sign-on is required.
    SsoRequired,
    /// The identity provider could not be reached, or single sign-on is not set up.
    SsoUnavailable,
    Other,
}

impl SignInFailure {
    const ALL: [Self; 11] = [
        Self::Credentials,
        Self::Throttled,
        Self::SsoExpired,
        Self::SsoDenied,
        Self::SsoRejected,
        Self::SsoUnverified,
        Self::SsoNoEmail,
        Self::Disabled,
        Self::SsoRequired,
        Self::SsoUnavailable,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Credentials => "credentials",
            Self::Throttled => "throttled",
            Self::SsoExpired => "sso-expired",
            Self::SsoDenied => "sso-denied",
            Self::SsoRejected => "sso-rejected",
            Self::SsoUnverified => "sso-unverified",
            Self::SsoNoEmail => "sso-no-email",
            Self::Disabled => "disabled",
            Self::SsoRequired => "sso-required",
            Self::SsoUnavailable => "sso-unavailable",
            Self::Other => "other",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == word)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Credentials => "Wrong email or password.",
            Self::Throttled => "Too many attempts: wait a minute, then try again.",
            Self::SsoExpired => {
                "That single sign-on answer has expired or was already used. Please sign in again."
            }
            Self::SsoDenied => "Your identity provider did not sign you in.",
            Self::SsoRejected => {
                "Your identity provider's answer could not be verified, so you were not signed in."
            }
            Self::SsoUnverified => {
                "An account with your e-mail exists, but your identity provider has not verified \
                 that address, so it was not linked. Ask an administrator."
            }
            Self::SsoNoEmail => "Your identity provider did not give an e-mail address.",
            Self::Disabled => "Your account is disabled.",
            Self::SsoRequired => "This console requires single sign-on: use the button above.",
            Self::SsoUnavailable => "Single sign-on is unavailable right now. Please try again.",
            Self::Other => "Signing in failed. Please try again.",
        }
    }
}

impl From<&AppError> for SignInFailure {
    fn from(error: &AppError) -> Self {
        match error {
            AppError::WrongCredentials => Self::Credentials,
            AppError::TooManyRequests(_) => Self::Throttled,
            AppError::SsoRequired => Self::SsoRequired,
            _ => Self::Other,
        }
    }
}

//! What the domain needs of the configuration. The server reads its command line and
//! environment and hands these over; the domain never parses either.

use crate::{leaks, mail::MailSettings, webhooks::destinations::Destinations};
use types::tokens::TokenPolicy;

/// How long audit events are kept unless the operator says otherwise: past a year, so
/// that a yearly review finds the whole year.
pub const DEFAULT_AUDIT_RETENTION_DAYS: u32 = 400;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where people and integrations reach Latchkey, without a trailing slash.
    pub public_url: String,
    pub secure_cookies: bool,
    pub session_idle_minutes: i32,
    pub session_max_days: i32,
    pub max_token_lifetime_days: Option<u32>,
    pub audit_retention_days: Option<u32>,
    pub verifier_cache: bool,
    pub leak_report_key: Option<leaks::ReportKeys>,
    pub leak_action: leaks::LeakAction,
    /// E-mail of expiry warnings; `None` sends none.
    pub mail: Option<MailSettings>,
    /// Where webhook deliveries may go.
    pub webhook_destinations: Destinations,
    /// The most webhook endpoints that may be registered.
    pub webhook_max_endpoints: u32,
    /// Single sign-on with OpenID Connect; `None` offers passwords only.
    pub sso: Option<SsoSettings>,
}

impl Settings {
    /// Where webhook deliveries may go, and how many endpoints may be registered.
    pub fn webhook_limits(&self) -> (&Destinations, u32) {
        (&self.webhook_destinations, self.webhook_max_endpoints)
    }

    /// The rules for new tokens that these settings make.
    pub fn token_policy(&self) -> TokenPolicy {
        TokenPolicy {
            max_lifetime_days: self.max_token_lifetime_days,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:3000".into(),
            secure_cookies: false,
            session_idle_minutes: 120,
            session_max_days: 7,
            max_token_lifetime_days: None,
            audit_retention_days: Some(DEFAULT_AUDIT_RETENTION_DAYS),
            verifier_cache: true,
            leak_report_key: None,
            leak_action: Default::default(),
            mail: None,
            webhook_destinations: Default::default(),
            webhook_max_endpoints: 50,
            sso: None,
        }
    }
}

/// What single sign-on is configured with.
#[derive(Clone)]
pub struct SsoSettings {
    /// The issuer, whose `/.well-known/openid-configuration` describes the provider.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The sign-in button says "Sign in with <name>".
    pub name: String,
    /// The ID token's claim listing the person's groups (e.g. `groups`), mapped to roles.
    pub roles_claim: Option<String>,
    /// Scopes asked for beside `openid email profile` (Okta sends groups for `groups`).
    pub extra_scopes: Vec<String>,
    /// The role of a person whose groups map to none (by name; Member if there is none).
    pub default_role: String,
}

/// Everything but the client secret, which no log line may hold.
impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[hidden]")
            .field("name", &self.name)
            .field("roles_claim", &self.roles_claim)
            .field("extra_scopes", &self.extra_scopes)
            .field("default_role", &self.default_role)
            .finish()
    }
}

//! Configuration, from the command line or the environment, parsed once at start-up.

use clap::{Parser, Subcommand};
use latchkey_core::{
    leaks::{LeakAction, ReportKeys},
    mail::{self, MailSettings, SmtpUrl},
    settings::DEFAULT_AUDIT_RETENTION_DAYS,
    sso::SsoSettings,
    webhooks::destinations::Destinations,
};
use std::{net::SocketAddr, path::PathBuf};

#[derive(Parser, Debug, Clone)]
#[command(
    name = "latchkey",
    version,
    about = "Latchkey: API tokens for your integrations, and a console to manage them.",
    after_help = "Leptos also reads LEPTOS_SITE_ROOT (default target/site): the folder of the \
                  built browser files (pkg/latchkey.js, .wasm, .css)."
)]
pub struct Config {
    /// PostgreSQL to use, e.g. postgres://user:pass@host/db. When unset, Latchkey runs a
    /// private PostgreSQL cluster in LATCHKEY_DATA_DIR with the machine's PostgreSQL binaries.
    /// (An empty value counts as unset.)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Address and port to listen on.
    #[arg(long, env = "LATCHKEY_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Folder for the private PostgreSQL cluster (used only without DATABASE_URL).
    #[arg(long, env = "LATCHKEY_DATA_DIR", default_value = "latchkey-data")]
    pub data_dir: PathBuf,

    /// The address people and integrations use to reach Latchkey. Cookies are marked
    /// Secure when it starts with https://. Default: http://<LATCHKEY_LISTEN>.
    #[arg(long, env = "LATCHKEY_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// A console session ends after this many minutes without a request.
    #[arg(long, env = "LATCHKEY_SESSION_IDLE_MINUTES", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(1..=43_200))]
    pub session_idle_minutes: u32,

    /// A console session ends this many days after sign-in, however busy.
    #[arg(long, env = "LATCHKEY_SESSION_MAX_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    pub session_max_days: u32,

    /// The longest an API token may live, in days. When set, tokens that never expire
    /// are refused. Unset: any future expiry, or none.
    #[arg(long, env = "LATCHKEY_MAX_TOKEN_LIFETIME_DAYS",
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub max_token_lifetime_days: Option<u32>,

    /// A client must send a request's line and headers within this many seconds.
    #[arg(long, env = "LATCHKEY_HEADER_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout_seconds: u64,

    /// A request (its body included) is answered within this many seconds, or 408.
    #[arg(long, env = "LATCHKEY_REQUEST_TIMEOUT_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_seconds: u64,

    /// Reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the
    /// client. Unset: the connection's address is the client's.
    #[arg(long, env = "LATCHKEY_TRUSTED_PROXIES", value_parser = crate::proxies::TrustedProxies::parse)]
    pub trusted_proxies: Option<crate::proxies::TrustedProxies>,

    /// Audit events older than this many days are deleted; 0 keeps them for ever.
    #[arg(long, env = "LATCHKEY_AUDIT_RETENTION_DAYS", default_value_t = DEFAULT_AUDIT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub audit_retention_days: u32,

    /// `false` verifies every token against the database (no cache of verified tokens):
    /// for measuring, or for distrust.
    #[arg(long, env = "LATCHKEY_VERIFIER_CACHE", default_value_t = true,
          action = clap::ArgAction::Set)]
    pub verifier_cache: bool,

    /// The ECDSA P-256 public key (PEM, or its base64 body) that signs leak reports sent to
    /// POST /api/v1/leaks, e.g. GitHub's secret scanning key. Unset: leak reports are off.
    #[arg(long, env = "LATCHKEY_LEAK_REPORT_KEY", value_parser = ReportKeys::parse)]
    pub leak_report_key: Option<ReportKeys>,

    /// What a leak report does with a live token of ours: `revoke` it, or only `flag` it.
    #[arg(long, env = "LATCHKEY_LEAK_ACTION", default_value = "revoke",
          value_parser = str::parse::<LeakAction>)]
    pub leak_action: LeakAction,

    /// SMTP server for e-mailing expiry warnings to tokens' owners: smtp://host:25,
    /// smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://user:pass@host (TLS).
    /// Unset: no e-mail. Needs LATCHKEY_MAIL_FROM.
    #[arg(long, env = "LATCHKEY_SMTP_URL", hide_env_values = true, requires = "mail_from",
          value_parser = SmtpUrl::parse)]
    pub smtp_url: Option<SmtpUrl>,

    /// The sender of those e-mails, e.g. "Latchkey <latchkey@example.com>".
    #[arg(long, env = "LATCHKEY_MAIL_FROM", value_parser = mail::parse_sender)]
    pub mail_from: Option<lettre::message::Mailbox>,

    /// Networks webhook deliveries may reach although they are internal (loopback,
    /// private, link-local, …): comma-separated CIDRs or addresses. Unset: none.
    #[arg(long, env = "LATCHKEY_WEBHOOK_ALLOWED_NETWORKS",
          value_parser = Destinations::parse)]
    pub webhook_allowed_networks: Option<Destinations>,

    /// The most webhook endpoints that may be registered.
    #[arg(long, env = "LATCHKEY_WEBHOOK_MAX_ENDPOINTS", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_max_endpoints: u32,

    /// Single sign-on: the OpenID Connect issuer, e.g. https://idp.example.com/realms/acme.
    /// Its discovery document is read at the first sign-in. Needs the client id and secret.
    #[arg(long, env = "LATCHKEY_OIDC_ISSUER", requires_all = ["oidc_client_id", "oidc_client_secret"],
          value_parser = parse_issuer)]
    pub oidc_issuer: Option<String>,

    /// The client id Latchkey is registered under at the identity provider. The redirect
    /// URI to register there is <LATCHKEY_PUBLIC_URL>/auth/oidc/callback.
    #[arg(long, env = "LATCHKEY_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    pub oidc_client_id: Option<String>,

    /// The client's secret.
    #[arg(
        long,
        env = "LATCHKEY_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        requires = "oidc_issuer"
    )]
    pub oidc_client_secret: Option<String>,

    /// The sign-in button reads "Sign in with <name>".
    #[arg(long, env = "LATCHKEY_OIDC_NAME", default_value = "SSO")]
    pub oidc_name: String,

    /// The ID token claim listing a person's groups (e.g. `groups`); each sign-in then
    /// gives them the role their groups are mapped to on the Roles page.
    #[arg(long, env = "LATCHKEY_OIDC_ROLES_CLAIM")]
    pub oidc_roles_claim: Option<String>,

    /// Scopes to ask for besides `openid email profile`, comma-separated (Okta sends
    /// groups for the `groups` scope).
    #[arg(long, env = "LATCHKEY_OIDC_SCOPES", value_delimiter = ',')]
    pub oidc_scopes: Vec<String>,

    /// The role of a person whose groups map to no role (first sign-in, or always when
    /// no roles claim is set).
    #[arg(long, env = "LATCHKEY_OIDC_DEFAULT_ROLE", default_value = "Member")]
    pub oidc_default_role: String,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// An issuer is an http(s) URL without a query or fragment.
fn parse_issuer(value: &str) -> Result<String, String> {
    let uri: http::Uri = value.parse().map_err(|e| format!("not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("https" | "http") if uri.host().is_some() && uri.query().is_none() => {
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err("an issuer is an https:// URL (http:// only for testing), without a query".into()),
    }
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Serve the console and the API (the default).
    Serve,
    /// Create an API token and print it, for provisioning scripts. Same rules and audit
    /// entry as the console.
    CreateToken {
        /// The owner's email (a person or a service account with an email).
        #[arg(long)]
        owner: String,
        /// What the token is for, e.g. "SAP Integration".
        #[arg(long)]
        name: String,
        /// Comma-separated scopes, e.g. users:read,roles:write.
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Lifetime: a number of days, `30d`, or `never`.
        #[arg(long)]
        expires_in: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
}

/// What the running server needs of the configuration: the domain's settings and the
/// edge's own (timeouts, trusted proxies), which the domain never sees.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub core: latchkey_core::Settings,
    pub timeouts: crate::listener::Timeouts,
    pub trusted_proxies: crate::proxies::TrustedProxies,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen))
            .trim_end_matches('/')
            .to_owned();
        let core = latchkey_core::Settings {
            secure_cookies: public_url.starts_with("https://"),
            public_url,
            session_idle_minutes: config.session_idle_minutes as i32,
            session_max_days: config.session_max_days as i32,
            max_token_lifetime_days: config.max_token_lifetime_days,
            audit_retention_days: Some(config.audit_retention_days).filter(|d| *d > 0),
            verifier_cache: config.verifier_cache,
            leak_report_key: config.leak_report_key.clone(),
            leak_action: config.leak_action,
            mail: config
                .smtp_url
                .clone()
                .zip(config.mail_from.clone())
                .map(|(smtp, from)| MailSettings { smtp, from }),
            webhook_destinations: config.webhook_allowed_networks.clone().unwrap_or_default(),
            webhook_max_endpoints: config.webhook_max_endpoints,
            sso: config.oidc_issuer.clone().map(|issuer| SsoSettings {
                issuer,
                client_id: config.oidc_client_id.clone().unwrap_or_default(),
                client_secret: config.oidc_client_secret.clone().unwrap_or_default(),
                name: config.oidc_name.trim().to_owned(),
                roles_claim: config
                    .oidc_roles_claim
                    .clone()
                    .filter(|c| !c.trim().is_empty()),
                extra_scopes: config
                    .oidc_scopes
                    .iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                default_role: config.oidc_default_role.trim().to_owned(),
            }),
        };
        Self {
            core,
            timeouts: crate::listener::Timeouts {
                header_read: std::time::Duration::from_secs(config.header_timeout_seconds),
                request: std::time::Duration::from_secs(config.request_timeout_seconds),
            },
            trusted_proxies: config.trusted_proxies.clone().unwrap_or_default(),
        }
    }
}

//! API tokens as the console and the REST API show them, and the console's server
//! functions for them.

use crate::directory::UserKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How soon before its expiry a token is flagged, in the list and on the home page.
pub const EXPIRES_SOON_DAYS: i64 = 7;

/// Whether a live token expires within [`EXPIRES_SOON_DAYS`] of `now`.
pub fn expires_soon(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|at| at > now && at <= now + chrono::Duration::days(EXPIRES_SOON_DAYS))
}

/// How many live tokens expire within [`EXPIRES_SOON_DAYS`]: what the home page warns of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiringSoon {
    /// The caller's own tokens.
    pub yours: u32,
    /// Every token, for token admins (who look after them all); `None` for others.
    pub all: Option<u32>,
}

impl ExpiringSoon {
    /// The home page's warning, or `None` when nothing expires soon.
    pub fn warning(&self) -> Option<String> {
        let n = self.all.unwrap_or(self.yours);
        let tokens = match (self.all, n, self.yours) {
            (_, 0, _) => return None,
            (None, _, _) => format!("{n} of your tokens"),
            (Some(_), 1, 1) => "1 token (yours)".to_owned(),
            (Some(_), _, 0) => format!("{n} token{}", if n == 1 { "" } else { "s" }),
            (Some(_), _, yours) => format!("{n} tokens ({yours} of them yours)"),
        };
        let (expire, replace, stop) = if n == 1 {
            ("expires", "its replacement", "it stops")
        } else {
            ("expire", "their replacements", "they stop")
        };
        Some(format!(
            "{tokens} {expire} within {EXPIRES_SOON_DAYS} days: generate {replace} before {stop} working."
        ))
    }
}

/// What every Latchkey token starts with.
pub const PREFIX: &str = "lk_";

/// The length of a token's public id (the part lists show).
pub const PUBLIC_ID_LEN: usize = 12;

/// A token with its secret hidden, as lists show it: `lk_Ab12Cd34Ef56_••••••`.
pub fn masked(public_id: &str) -> String {
    format!("{PREFIX}{public_id}_••••••")
}

/// The public id a search names, if it names one: a whole token pasted (`lk_<id>_<secret>`),
/// its masked form (`lk_<id>_••••••`), `lk_<id>`, or a bare 12-character id. The first thing
/// to do with a leaked token is find it, and the id is all a search needs.
pub fn public_id_in(text: &str) -> Option<&str> {
    let text = text.trim();
    let alnum = |s: &str| s.len() == PUBLIC_ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric());
    match text.strip_prefix(PREFIX) {
        Some(rest) => {
            let id = rest.get(..PUBLIC_ID_LEN)?;
            let after = &rest[PUBLIC_ID_LEN..];
            (alnum(id) && (after.is_empty() || after.starts_with('_'))).then_some(id)
        }
        None => alnum(text).then_some(text),
    }
}

/// What a search box keeps of a pasted token: its masked form, so that the secret goes no
/// further than the clipboard (not into the address bar, the history or the server).
pub fn search_text(typed: &str) -> String {
    match (typed.trim().starts_with(PREFIX), public_id_in(typed)) {
        (true, Some(id)) => masked(id),
        _ => typed.to_owned(),
    }
}

/// Where a token is in its life. The database's text is read into it (an unknown word is
/// an error, never a default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, sqlx::Type))]
#[cfg_attr(feature = "server", sqlx(type_name = "text", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum TokenStatus {
    Active,
    /// Rolled: replaced by a new token, and still working until its overlap window ends.
    Rolling,
    /// Rolled, and its overlap window is over.
    Replaced,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub const ALL: [Self; 5] = [
        Self::Active,
        Self::Rolling,
        Self::Replaced,
        Self::Expired,
        Self::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Rolling => "rolling",
            Self::Replaced => "replaced",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

impl std::fmt::Display for TokenStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TokenStatus {
    type Err = String;

    fn from_str(word: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == word)
            .ok_or_else(|| {
                format!(
                    "`{word}` is not a status: use {}",
                    words(Self::ALL.map(Self::as_str))
                )
            })
    }
}

/// "a, b or c".
fn words<const N: usize>(all: [&str; N]) -> String {
    match all.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The longest name a token may have, in characters.
pub const NAME_MAX: usize = 100;
/// The longest description a token may have, in characters.
pub const DESCRIPTION_MAX: usize = 500;

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OwnerRef {
    pub id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub kind: UserKind,
}

/// A token as lists and detail views show it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TokenSummary {
    /// The public id, e.g. `Ab12Cd34Ef56`; the token's id in the API.
    pub id: String,
    /// The token with its secret hidden: `lk_Ab12Cd34Ef56_••••••`.
    pub masked: String,
    pub name: String,
    pub description: String,
    pub owner: OwnerRef,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub status: TokenStatus,
    /// Requests made with the token in the last 30 days (today included, in UTC days;
    /// counted in batches, so the last few seconds may not be in yet).
    pub requests_30d: i64,
    /// The addresses and CIDR ranges the token may be used from; empty for anywhere.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// When the token was rolled (its replacement made); it stops at `expires_at`.
    #[serde(default)]
    pub replaced_at: Option<DateTime<Utc>>,
    /// The public id of the token that replaced this one.
    #[serde(default)]
    pub replaced_by: Option<String>,
    /// The public id of the token this one replaced.
    #[serde(default)]
    pub replaces: Option<String>,
    /// Scopes no request needed in the last 30 days, for a live token at least 30 days
    /// old: candidates for a narrower replacement.
    #[serde(default)]
    pub unused_scopes: Vec<String>,
    /// A canary: never authorizes anything; any use fires `canary.triggered`.
    #[serde(default)]
    pub canary: bool,
    /// When a canary was last used (a sign that where it was planted has leaked).
    #[serde(default)]
    pub canary_triggered_at: Option<DateTime<Utc>>,
    /// When a secret scanner reported the token found in public.
    #[serde(default)]
    pub leaked_at: Option<DateTime<Utc>>,
    /// The scopes a live token holds that its owner may no longer use, and why: the token
    /// keeps them on paper, but they authorize nothing (a `write` scope whose owner may
    /// now only read still reads). None when every scope is in reach.
    #[serde(default)]
    pub ineffective: Option<Ineffective>,
}

/// Scopes a token holds in vain, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Ineffective {
    pub scopes: Vec<String>,
    pub because: IneffectiveBecause,
}

/// Why a token's scopes reach less than they say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IneffectiveBecause {
    /// The owner's account is disabled: nothing of the token works.
    OwnerDisabled,
    /// The owner's role (named) does not grant these scopes.
    OwnerRole(String),
}

impl Ineffective {
    /// What the struck-through scopes mean, as a person reads it.
    pub fn describe(&self) -> String {
        match (&self.because, self.scopes.len()) {
            (IneffectiveBecause::OwnerDisabled, _) => {
                "Struck through: its owner's account is disabled, so the token authorizes nothing."
                    .to_owned()
            }
            (IneffectiveBecause::OwnerRole(role), 1) => format!(
                "Struck through: its owner's role, {role}, no longer allows this scope, so it authorizes nothing."
            ),
            (IneffectiveBecause::OwnerRole(role), _) => format!(
                "Struck through: its owner's role, {role}, no longer allows these scopes, so they authorize nothing."
            ),
        }
    }
}

/// What creating a token asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// 1 to 100 characters, unique among the owner's live tokens.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 500))]
    pub description: Option<String>,
    /// The owner's user id; the caller when absent. Others need `tokens:admin`.
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// `<module>:read` or `<module>:write`, each held by the owner.
    #[cfg_attr(feature = "server", schema(min_items = 1))]
    pub scopes: Vec<String>,
    /// When the token stops working; `null` for never, where the server allows it.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Addresses (`10.0.4.7`, `2001:db8::1`) and CIDR ranges (`10.0.4.0/24`,
    /// `2001:db8::/32`) the token may be used from; empty or absent for anywhere.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_items = 50))]
    pub allowed_ips: Vec<String>,
}

/// "Is this ours?": a pasted token, its masked form, or its public id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentifyToken {
    /// `lk_<id>_<secret>`, `lk_<id>_••••••`, `lk_<id>` or the bare 12-character id. Only
    /// the public id is looked up; a secret is checked for shape and checksum, never kept.
    #[cfg_attr(
        feature = "server",
        schema(
            max_length = 200,
            pattern = r"^[ \t\r\n]*(lk_[0-9A-Za-z]{12}(_[\s\S]*)?|[0-9A-Za-z]{12})[ \t\r\n]*$"
        )
    )]
    pub token: String,
}

/// What Latchkey knows of a pasted token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Identified {
    /// The public id the text names.
    pub id: String,
    /// For a whole token: whether its checksum holds (a token that was really issued in
    /// Latchkey's format, copied whole). `null` when only an id was given.
    pub checksum_valid: Option<bool>,
    /// Whether a token with that id exists (and is one the caller may see).
    pub known: bool,
    /// The token, when known: its owner, status and last use.
    pub token: Option<TokenSummary>,
    /// The answer as a person reads it.
    pub summary: String,
}

/// What creating a canary token asks for: a token with no scopes that never authorizes
/// anything; any use is answered like an invalid token and fires `canary.triggered`.
/// Plant it in config files, CI variables and wikis, where a leak would show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCanary {
    /// 1 to 100 characters, unique among the owner's live tokens; say where it is planted.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(max_length = 500))]
    pub description: Option<String>,
    /// The owner's user id; the caller when absent. Others need `tokens:admin`.
    #[serde(default)]
    pub owner_id: Option<i64>,
}

/// How long a rolled token keeps working beside its replacement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub enum Overlap {
    /// The old token stops at once.
    #[serde(rename = "now")]
    Now,
    #[serde(rename = "1h")]
    OneHour,
    /// The default.
    #[default]
    #[serde(rename = "24h")]
    OneDay,
    #[serde(rename = "7d")]
    SevenDays,
}

impl Overlap {
    pub const ALL: [Self; 4] = [Self::Now, Self::OneHour, Self::OneDay, Self::SevenDays];

    pub fn seconds(self) -> i64 {
        match self {
            Self::Now => 0,
            Self::OneHour => 3600,
            Self::OneDay => 86_400,
            Self::SevenDays => 7 * 86_400,
        }
    }

    /// The form value and API word: `now`, `1h`, `24h`, `7d`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Now => "now",
            Self::OneHour => "1h",
            Self::OneDay => "24h",
            Self::SevenDays => "7d",
        }
    }

    /// How a person reads the choice.
    pub fn label(self) -> &'static str {
        match self {
            Self::Now => "Stop the old token now",
            Self::OneHour => "Keep the old token working for 1 hour",
            Self::OneDay => "Keep the old token working for 24 hours",
            Self::SevenDays => "Keep the old token working for 7 days",
        }
    }
}

/// What rolling a token asks for. Everything is optional: by default the new token has
/// the old one's scopes, addresses and lifetime, and the old one works 24 hours more.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RollToken {
    /// How long the old token keeps working: `now`, `1h`, `24h` (default) or `7d`.
    #[serde(default)]
    pub overlap: Overlap,
    /// The new token's expiry; absent for the old token's lifetime counted from now (or
    /// never, when it never expired and the server allows it). A roll never lengthens a
    /// token's life: at most the old token's lifetime (`expires_at - created_at`) from
    /// now, and never beyond the expiry of the token that made the old one or of the
    /// token rolling it (422 otherwise).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether the new token never expires: only when the old one never expired and the
    /// server allows it; not together with `expires_at`.
    #[serde(default)]
    pub never_expires: bool,
    /// Fewer scopes than the old token's; absent for the same.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// A narrower allowlist than the old token's; absent for the same.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
}

/// A rolled token: the new one (its plaintext shown this once) and the old one, now
/// rolling over until its `expires_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RolledToken {
    /// The new token's plaintext. Store it now: Latchkey keeps only a digest of its secret.
    pub token: String,
    #[serde(flatten)]
    pub summary: TokenSummary,
    /// The old token: status `rolling` until its overlap window ends (`expires_at`).
    pub replaced: TokenSummary,
}

/// A new token: the only time its plaintext is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// The full token. Store it now: Latchkey keeps only a digest of its secret.
    pub token: String,
    #[serde(flatten)]
    pub summary: TokenSummary,
}

/// How far a revocation has reached: how many running Latchkey instances there are, how
/// many confirmed they dropped the token, and how long the slowest took after the change
/// committed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Propagation {
    pub instances: u32,
    pub confirmed: u32,
    pub slowest_ms: f64,
}

impl Propagation {
    /// Several revocations' receipt in plain words.
    pub fn describe_many(revoked: &[Revoked]) -> String {
        match revoked {
            [one] => one.describe(Utc::now()),
            many => Self::combined(many.iter().map(|r| r.propagation))
                .sentence(&format!("{} tokens were revoked", many.len())),
        }
    }

    /// The receipt of several revocations at once: the slowest instance, and the fewest
    /// confirmations any of them had.
    pub fn combined(all: impl Iterator<Item = Self> + Clone) -> Self {
        Self {
            instances: all.clone().map(|p| p.instances).max().unwrap_or(0),
            confirmed: all.clone().map(|p| p.confirmed).min().unwrap_or(0),
            slowest_ms: all.map(|p| p.slowest_ms).fold(0.0, f64::max),
        }
    }

    fn sentence(&self, done: &str) -> String {
        match self.stopped() {
            Some(stopped) => format!("{done}: {stopped}."),
            None => format!("{done}."),
        }
    }

    /// Where and how fast it stopped, in plain words: "stopped everywhere (2 of 2
    /// servers) in 1.2 ms". None when no server was running to tell.
    fn stopped(&self) -> Option<String> {
        let ms = if self.slowest_ms < 10.0 {
            format!("{:.1}", self.slowest_ms)
        } else {
            format!("{:.0}", self.slowest_ms)
        };
        let servers = |n| if n == 1 { "server" } else { "servers" };
        match (self.instances, self.confirmed) {
            (0, _) => None,
            (n, c) if c >= n => Some(format!(
                "stopped everywhere ({n} of {n} {}) in {ms} ms",
                servers(n)
            )),
            (n, c) => Some(format!(
                "stopped on {c} of {n} servers in {ms} ms; the others check every token \
                 against the database until they hear of it"
            )),
        }
    }
}

/// How much a token was used: its requests per day (UTC), oldest first, over the days
/// kept (90), days without requests left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TokenUsage {
    /// The token's public id.
    pub id: String,
    pub days: Vec<DayUsage>,
    /// Requests in the last 30 days, today included.
    pub requests_30d: i64,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The last distinct clients (address and user agent), most recent first (10 kept).
    #[serde(default)]
    pub clients: Vec<ClientUse>,
    /// The token's scopes and the scopes its requests needed, each with when a request
    /// last needed it (`null`: never). A write scope only read with shows as never used,
    /// beside its read scope.
    #[serde(default)]
    pub scopes: Vec<ScopeUse>,
}

/// One client of a token: an address and a user agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct ClientUse {
    /// The client's address as the server trusts it (`unknown` when it has none).
    pub addr: String,
    /// Its User-Agent header, as sent (up to 200 characters; empty when absent).
    pub user_agent: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub requests: i64,
}

/// When a request last needed a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ScopeUse {
    pub scope: String,
    /// Whether the token carries this scope (or only a request's need was recorded).
    pub granted: bool,
    pub last_used: Option<DateTime<Utc>>,
}

impl TokenUsage {
    /// The scopes a narrower replacement would carry: each of the token's scopes a
    /// request needed in the 30 days before `now`, or its read scope where only reads
    /// were needed. Empty when nothing was needed.
    pub fn narrower_scopes(&self, now: DateTime<Utc>) -> Vec<String> {
        let since = now - chrono::Duration::days(30);
        let used = |scope: &str| {
            self.scopes
                .iter()
                .any(|s| s.scope == scope && s.last_used.is_some_and(|at| at > since))
        };
        let mut keep: Vec<String> = Vec::new();
        for granted in self.scopes.iter().filter(|s| s.granted) {
            let read = granted
                .scope
                .strip_suffix(":write")
                .map(|module| format!("{module}:read"));
            let kept = if used(&granted.scope) {
                Some(granted.scope.clone())
            } else {
                read.filter(|r| used(r))
            };
            if let Some(scope) = kept.filter(|k| !keep.contains(k)) {
                keep.push(scope);
            }
        }
        keep
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DayUsage {
    pub day: chrono::NaiveDate,
    pub requests: i64,
}

/// A revoked token and the receipt of its revocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Revoked {
    pub token: TokenSummary,
    pub propagation: Propagation,
}

impl Revoked {
    /// The receipt in plain words: "“SAP” was revoked: stopped everywhere (2 of 2
    /// servers) in 1.2 ms; no use of it was recorded in the last 7 days." (Uses are
    /// recorded every few seconds: the last moments' may not be in yet.)
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let done = format!("“{}” was revoked", self.token.name);
        let used = match self.token.last_used_at {
            None => "no use of it was ever recorded",
            Some(at) if now - at > chrono::Duration::days(7) => {
                "no use of it was recorded in the last 7 days"
            }
            Some(_) => "a client used it in the last 7 days and is refused from now on",
        };
        match self.propagation.stopped() {
            Some(stopped) => format!("{done}: {stopped}; {used}."),
            None => format!("{done}; {used}."),
        }
    }
}

/// The orders the token list offers. Each pages by its key and then the token's id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenSort {
    /// Newest first (the default).
    #[default]
    Newest,
    Oldest,
    /// Most recently used first; never used last.
    LastUsed,
    /// Soonest to expire first; never expiring last.
    Expires,
}

impl TokenSort {
    pub const ALL: [Self; 4] = [Self::Newest, Self::Oldest, Self::LastUsed, Self::Expires];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::LastUsed => "last_used",
            Self::Expires => "expires",
        }
    }

    /// Which way the order runs through its column, as `aria-sort` says it.
    pub fn direction(self) -> &'static str {
        match self {
            Self::Newest | Self::LastUsed => "descending",
            Self::Oldest | Self::Expires => "ascending",
        }
    }
}

impl std::fmt::Display for TokenSort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TokenSort {
    type Err = String;

    fn from_str(word: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|sort| sort.as_str() == word)
            .ok_or_else(|| {
                format!(
                    "`{word}` is not an order: use {}",
                    words(Self::ALL.map(Self::as_str))
                )
            })
    }
}

/// Which tokens to list, newest first unless `sort` says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TokenFilter {
    /// Part of the name, any case.
    #[serde(default)]
    pub name: Option<String>,
    /// `active`, `rolling` (replaced, in its overlap window), `replaced`, `expired` or
    /// `revoked`.
    #[serde(default, deserialize_with = "crate::empty_as_none")]
    pub status: Option<TokenStatus>,
    /// Only this owner's tokens (token admins).
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Only the tokens this user created (token admins): what disabling or deleting them
    /// may revoke.
    #[serde(default)]
    pub created_by: Option<i64>,
    /// `newest` (the default), `oldest`, `last_used` (most recent first, never used last)
    /// or `expires` (soonest first, never expiring last).
    #[serde(default, deserialize_with = "crate::empty_as_none")]
    pub sort: Option<TokenSort>,
    /// `true`: only live tokens, at least 30 days old, with a scope no request needed in
    /// the last 30 days (for least-privilege audits).
    #[serde(default)]
    pub unused_scopes: Option<bool>,
    /// `true`: only active tokens that stop within 7 days (those the console warns of;
    /// tokens rolling over have their own status).
    #[serde(default)]
    pub expiring_soon: Option<bool>,
    /// The `next_cursor` of the previous page (in the same order).
    #[cfg_attr(feature = "server", param(pattern = r"^[0-9]{0,18}$"))]
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default)]
    #[cfg_attr(feature = "server", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

/// What the token wizard needs to know: the caller, who may own tokens, which modules
/// exist, and the server's expiry policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPolicy {
    /// The longest lifetime allowed, in days; `None` allows tokens that never expire.
    pub max_lifetime_days: Option<u32>,
}

/// Someone who may own a token the caller creates, with what their role allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerChoice {
    pub id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub kind: UserKind,
    pub permissions: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_warning_counts_everyone_s_tokens_for_token_admins() {
        let soon = |yours, all| ExpiringSoon { yours, all }.warning();
        assert_eq!(soon(0, None), None);
        assert_eq!(soon(0, Some(0)), None);
        assert_eq!(
            soon(1, None).unwrap(),
            "1 of your tokens expires within 7 days: generate its replacement before it stops working."
        );
        assert!(soon(3, None)
            .unwrap()
            .starts_with("3 of your tokens expire within 7 days"));
        assert!(soon(0, Some(1))
            .unwrap()
            .starts_with("1 token expires within 7 days:"));
        assert!(soon(1, Some(1))
            .unwrap()
            .starts_with("1 token (yours) expires"));
        assert!(soon(0, Some(4))
            .unwrap()
            .starts_with("4 tokens expire within 7 days:"));
        assert!(soon(2, Some(5))
            .unwrap()
            .starts_with("5 tokens (2 of them yours) expire"));
    }

    #[test]
    fn a_receipt_reads_as_a_sentence() {
        let receipt = |instances, confirmed, slowest_ms| Propagation {
            instances,
            confirmed,
            slowest_ms,
        };
        assert_eq!(
            receipt(1, 1, 0.42).sentence("“SAP” was revoked"),
            "“SAP” was revoked: stopped everywhere (1 of 1 server) in 0.4 ms."
        );
        assert_eq!(
            receipt(3, 3, 12.6).sentence("“SAP” was revoked"),
            "“SAP” was revoked: stopped everywhere (3 of 3 servers) in 13 ms."
        );
        assert!(receipt(3, 2, 1.0)
            .sentence("“SAP” was revoked")
            .starts_with("“SAP” was revoked: stopped on 2 of 3 servers in 1.0 ms; the others"));
    }

    #[test]
    fn several_receipts_read_as_one_sentence() {
        let revoked = |name: &str, confirmed, slowest_ms| Revoked {
            token: TokenSummary {
                id: "Ab12Cd34Ef56".into(),
                masked: masked("Ab12Cd34Ef56"),
                name: name.into(),
                description: String::new(),
                owner: OwnerRef {
                    id: 1,
                    display_name: "Ada".into(),
                    email: None,
                    kind: UserKind::Human,
                },
                scopes: vec![],
                created_at: Utc::now(),
                expires_at: None,
                last_used_at: None,
                revoked_at: Some(Utc::now()),
                status: TokenStatus::Revoked,
                requests_30d: 0,
                allowed_ips: vec![],
                replaced_at: None,
                replaced_by: None,
                replaces: None,
                unused_scopes: vec![],
                canary: false,
                canary_triggered_at: None,
                leaked_at: None,
                ineffective: None,
            },
            propagation: Propagation {
                instances: 2,
                confirmed,
                slowest_ms,
            },
        };
        assert_eq!(
            Propagation::describe_many(&[revoked("SAP", 2, 0.5), revoked("BI", 2, 3.25)]),
            "2 tokens were revoked: stopped everywhere (2 of 2 servers) in 3.2 ms."
        );
        assert!(
            Propagation::describe_many(&[revoked("SAP", 2, 0.5), revoked("BI", 1, 30.0)])
                .starts_with("2 tokens were revoked: stopped on 1 of 2 servers in 30 ms")
        );
        assert!(
            Propagation::describe_many(&[revoked("SAP", 2, 0.5)]).starts_with("“SAP” was revoked")
        );
        // One token's receipt says who it cuts off.
        let now = Utc::now();
        let mut one = revoked("SAP", 2, 1.04);
        assert_eq!(
            one.describe(now),
            "“SAP” was revoked: stopped everywhere (2 of 2 servers) in 1.0 ms; no use of it was ever recorded."
        );
        one.token.last_used_at = Some(now - chrono::Duration::days(9));
        assert!(one
            .describe(now)
            .ends_with("; no use of it was recorded in the last 7 days."));
        one.token.last_used_at = Some(now - chrono::Duration::minutes(5));
        assert!(one
            .describe(now)
            .ends_with("; a client used it in the last 7 days and is refused from now on."));
    }

    #[test]
    fn a_pasted_token_is_searched_for_by_its_public_id_only() {
        let token = "lk_Ab12Cd34Ef56_0123456789abcdefghijABCDEFGHIJ012345";
        assert_eq!(public_id_in(token), Some("Ab12Cd34Ef56"));
        assert_eq!(search_text(token), "lk_Ab12Cd34Ef56_••••••");
        assert_eq!(public_id_in("lk_Ab12Cd34Ef56_••••••"), Some("Ab12Cd34Ef56"));
        assert_eq!(public_id_in(" Ab12Cd34Ef56 "), Some("Ab12Cd34Ef56"));
        assert_eq!(public_id_in("lk_Ab12"), None);
        assert_eq!(public_id_in("SAP export"), None);
        assert_eq!(search_text("SAP export"), "SAP export");
    }
}

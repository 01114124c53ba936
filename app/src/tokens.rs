//! API tokens as the console and the REST API show them, and the console's server
//! functions for them.

use crate::{directory::UserKind, AppError, Page};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How soon before its expiry a token is flagged, in the list and on the home page.
pub const EXPIRES_SOON_DAYS: i64 = 7;

/// Whether a live token expires within [`EXPIRES_SOON_DAYS`] of `now`.
pub fn expires_soon(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|at| at > now && at <= now + chrono::Duration::days(EXPIRES_SOON_DAYS))
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "expired" => Some(Self::Expired),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OwnerRef {
    pub id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub kind: UserKind,
}

/// A token as lists and detail views show it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
}

/// What creating a token asks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// 1 to 100 characters, unique among the owner's live tokens.
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub description: Option<String>,
    /// The owner's user id; the caller when absent. Others need `tokens:admin`.
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// `<module>:read` or `<module>:write`, each held by the owner.
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub scopes: Vec<String>,
    /// When the token stops working; `null` for never, where the server allows it.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new token: the only time its plaintext is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Propagation {
    pub instances: u32,
    pub confirmed: u32,
    pub slowest_ms: f64,
}

impl Propagation {
    /// The receipt as a person reads it.
    pub fn describe(&self, name: &str) -> String {
        self.sentence(&format!("“{name}” was revoked"))
    }

    /// The receipt of several revocations at once: the slowest instance, and the fewest
    /// confirmations any of them had.
    pub fn describe_many(revoked: &[Revoked]) -> String {
        match revoked {
            [one] => one.propagation.describe(&one.token.name),
            many => {
                let all = many.iter().map(|r| r.propagation);
                let combined = Self {
                    instances: all.clone().map(|p| p.instances).max().unwrap_or(0),
                    confirmed: all.clone().map(|p| p.confirmed).min().unwrap_or(0),
                    slowest_ms: all.map(|p| p.slowest_ms).fold(0.0, f64::max),
                };
                combined.sentence(&format!("{} tokens were revoked", many.len()))
            }
        }
    }

    fn sentence(&self, done: &str) -> String {
        let ms = if self.slowest_ms < 10.0 {
            format!("{:.1}", self.slowest_ms)
        } else {
            format!("{:.0}", self.slowest_ms)
        };
        match (self.instances, self.confirmed) {
            (0, _) => format!("{done}."),
            (1, 1) => format!("{done}: the running instance confirmed within {ms} ms."),
            (n, c) if c >= n => {
                format!("{done}: all {n} running instances confirmed within {ms} ms.")
            }
            (n, c) => format!(
                "{done}: {c} of {n} running instances confirmed within {ms} ms; \
                 the others verify every token against the database until they hear of it."
            ),
        }
    }
}

/// How much a token was used: its requests per day (UTC), oldest first, over the days
/// kept (90), days without requests left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenUsage {
    /// The token's public id.
    pub id: String,
    pub days: Vec<DayUsage>,
    /// Requests in the last 30 days, today included.
    pub requests_30d: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayUsage {
    pub day: chrono::NaiveDate,
    pub requests: i64,
}

/// A revoked token and the receipt of its revocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Revoked {
    pub token: TokenSummary,
    pub propagation: Propagation,
}

/// The orders the token list offers. Each pages by its key and then the token's id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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

    /// `None` for a word that names no order; an empty or absent one is [`Self::Newest`].
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s.unwrap_or("") {
            "" => Some(Self::default()),
            word => Self::ALL.into_iter().find(|sort| sort.as_str() == word),
        }
    }
}

/// Which tokens to list, newest first unless `sort` says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TokenFilter {
    /// Part of the name, any case.
    #[serde(default)]
    pub name: Option<String>,
    /// `active`, `expired` or `revoked`.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(pattern = r"^(|active|expired|revoked)$"))]
    pub status: Option<String>,
    /// Only this owner's tokens (token admins).
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// Only the tokens this user created (token admins): what disabling or deleting them
    /// may revoke.
    #[serde(default)]
    pub created_by: Option<i64>,
    /// `newest` (the default), `oldest`, `last_used` (most recent first, never used last)
    /// or `expires` (soonest first, never expiring last).
    #[serde(default)]
    #[cfg_attr(
        feature = "ssr",
        param(pattern = r"^(|newest|oldest|last_used|expires)$")
    )]
    pub sort: Option<String>,
    /// The `next_cursor` of the previous page (in the same order).
    #[cfg_attr(feature = "ssr", param(pattern = r"^[0-9]{0,18}$"))]
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100))]
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

use crate::{audit::AuditEvent, directory::delegate};

delegate!(#[server(endpoint = "tokens/list")] list_tokens => list_tokens(filter: TokenFilter) -> Page<TokenSummary>);
delegate!(#[server(endpoint = "tokens/get")] get_token => get_token(id: String) -> TokenSummary);
delegate!(#[server(endpoint = "tokens/create")] create_token => create_token(new: NewToken) -> CreatedToken);
delegate!(#[server(endpoint = "tokens/revoke")] revoke_token => revoke_token(id: String) -> Revoked);
delegate!(#[server(endpoint = "tokens/revoke_many")] revoke_tokens => revoke_tokens(ids: Vec<String>) -> Vec<Revoked>);
delegate!(#[server(endpoint = "tokens/policy")] get_token_policy => token_policy() -> TokenPolicy);
delegate!(#[server(endpoint = "tokens/expiring")] count_expiring_soon => expiring_soon() -> u32);
delegate!(#[server(endpoint = "tokens/owners")] token_owners => token_owners() -> Vec<OwnerChoice>);
delegate!(#[server(endpoint = "tokens/check_name")] check_token_name => check_token_name(owner_id: Option<i64>, name: String) -> ());
delegate!(#[server(endpoint = "tokens/events")] token_events => token_events(id: String) -> Vec<AuditEvent>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_reads_as_a_sentence() {
        let receipt = |instances, confirmed, slowest_ms| Propagation {
            instances,
            confirmed,
            slowest_ms,
        };
        assert_eq!(
            receipt(1, 1, 0.42).describe("SAP"),
            "“SAP” was revoked: the running instance confirmed within 0.4 ms."
        );
        assert_eq!(
            receipt(3, 3, 12.6).describe("SAP"),
            "“SAP” was revoked: all 3 running instances confirmed within 13 ms."
        );
        assert!(receipt(3, 2, 1.0)
            .describe("SAP")
            .starts_with("“SAP” was revoked: 2 of 3 running instances confirmed"));
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
            },
            propagation: Propagation {
                instances: 2,
                confirmed,
                slowest_ms,
            },
        };
        assert_eq!(
            Propagation::describe_many(&[revoked("SAP", 2, 0.5), revoked("BI", 2, 3.25)]),
            "2 tokens were revoked: all 2 running instances confirmed within 3.2 ms."
        );
        assert!(
            Propagation::describe_many(&[revoked("SAP", 2, 0.5), revoked("BI", 1, 30.0)])
                .starts_with(
                    "2 tokens were revoked: 1 of 2 running instances confirmed within 30 ms"
                )
        );
        assert!(
            Propagation::describe_many(&[revoked("SAP", 2, 0.5)]).starts_with("“SAP” was revoked")
        );
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

//! Leak reports from secret scanners (GitHub's secret scanning partner program): what a
//! scanner reports, and what Latchkey answers for each match.

use serde::{Deserialize, Serialize};

/// One reported match.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Reported {
    /// The text the scanner matched.
    pub token: String,
    /// The scanner's name for the pattern, e.g. `latchkey_api_token`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Where it was found.
    #[serde(default)]
    pub url: String,
    /// What kind of place (`content`, `commit`, `pull_request`, …).
    #[serde(default)]
    pub source: String,
}

/// The answer for one reported match, as the partner program expects it: the token by its
/// SHA-256 (hex; the secret is not echoed), and whether it was really ours.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Labelled {
    pub token_hash: String,
    pub token_type: String,
    pub label: Label,
}

/// Whether a reported match is one of this server's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// One of this server's tokens, whatever became of it since.
    TruePositive,
    FalsePositive,
}

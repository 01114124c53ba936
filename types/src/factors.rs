//! Second factors as the Account page shows them: an authenticator app (TOTP) and
//! recovery codes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The signed-in person's second factors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorStatus {
    /// When their authenticator app was set up, if it is.
    pub totp_since: Option<DateTime<Utc>>,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
    /// Their role requires a second factor (the sign-in policy).
    pub required: bool,
}

/// An authenticator app being set up: the secret as text and as a QR code, until the
/// person confirms it with a first code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    /// The secret in base32, in groups of four for typing.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub uri: String,
    /// The QR code, an SVG drawn on the server.
    pub qr_svg: String,
}

/// How many recovery codes a person holds at a time.
pub const RECOVERY_CODES: usize = 10;

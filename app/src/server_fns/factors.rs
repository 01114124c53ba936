//! The signed-in person's second factors: an authenticator app and recovery codes.

use leptos::prelude::*;
use server_fn::codec::GetUrl;
use types::{
    factors::{FactorStatus, TotpEnrolment},
    AppError,
};

#[server(endpoint = "factors/status", input = GetUrl)]
pub async fn second_factors() -> Result<FactorStatus, AppError> {
    use super::context::{answer, caller, core};
    answer(latchkey_core::factors::status(&core()?.pool, &caller()).await)
}

/// Starts setting up an authenticator app: its secret, as text and as a QR code.
#[server(endpoint = "factors/totp/begin")]
pub async fn begin_totp() -> Result<TotpEnrolment, AppError> {
    use super::context::{answer, caller, core};
    answer(latchkey_core::factors::begin_totp(&core()?.pool, &caller()).await)
}

/// Finishes setting up the authenticator app with a first code; the recovery codes,
/// shown this once.
#[server(endpoint = "factors/totp/confirm")]
pub async fn confirm_totp(code: String) -> Result<Vec<String>, AppError> {
    use super::context::{answer, caller, core};
    answer(latchkey_core::factors::confirm_totp(&core()?.pool, &caller(), &code).await)
}

#[server(endpoint = "factors/totp/remove")]
pub async fn remove_totp() -> Result<(), AppError> {
    use super::context::{answer, caller, core};
    answer(latchkey_core::factors::remove_totp(&core()?.pool, &caller()).await)
}

/// Ten new recovery codes in place of the old ones, shown this once.
#[server(endpoint = "factors/recovery_codes/renew")]
pub async fn renew_recovery_codes() -> Result<Vec<String>, AppError> {
    use super::context::{answer, caller, core};
    answer(latchkey_core::factors::renew_recovery_codes(&core()?.pool, &caller()).await)
}

//! `/leaks`: leak reports from secret scanners (see [`latchkey_core::leaks`]).

use super::{ApiError, ApiResult};
use crate::AppState;
use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    Json,
};
use latchkey_core::leaks;
use types::leaks::{Labelled, Reported};
use types::AppError;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The most matches one report may carry.
const MAX_REPORTED: usize = 1000;
const SIGNATURE_HEADER: &str = "github-public-key-signature";
const IDENTIFIER_HEADER: &str = "github-public-key-identifier";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report_leaks))
}

/// Report tokens found in public, in the format of GitHub's secret scanning partner
/// program (`[{token, type, url, source}]`), signed with the key the administrator
/// configured (`LATCHKEY_LEAK_REPORT_KEY`; ECDSA P-256 over the body, base64, in
/// `Github-Public-Key-Signature`). Each live token of this server is flagged, fires
/// `token.leaked`, is audited with its URL, and is revoked unless `LATCHKEY_LEAK_ACTION=flag`.
/// The answer labels each match `true_positive` or `false_positive`, by the SHA-256 of the
/// text reported.
#[utoipa::path(post, path = "/leaks", tag = "tokens", request_body = Vec<Reported>,
    params(("Github-Public-Key-Signature" = String, Header, description = "base64 ECDSA P-256 signature of the body"),
           ("Github-Public-Key-Identifier" = Option<String>, Header, description = "which of the configured keys signed (LATCHKEY_LEAK_REPORT_KEY may hold GitHub's list of keys)")),
    responses((status = 200, body = Vec<Labelled>),
              (status = 400, description = "The body is not a list of reported matches"),
              (status = 401, description = "The signature is missing or does not verify"),
              (status = 404, description = "Leak reports are not enabled on this server")))]
async fn report_leaks(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Vec<Labelled>>> {
    let Some(keys) = &state.settings.leak_report_key else {
        return Err(AppError::NotFound(
            "Leak reports (set LATCHKEY_LEAK_REPORT_KEY to enable them)".into(),
        )
        .into());
    };
    let identifier = headers
        .get(IDENTIFIER_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    let signed = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|signature| keys.verifies(identifier, &body, signature));
    if !signed {
        return Err(ApiError::Request {
            status: StatusCode::UNAUTHORIZED,
            detail: "The report's Github-Public-Key-Signature is missing or does not verify \
                     with the configured key named by Github-Public-Key-Identifier."
                .into(),
        });
    }
    let reported: Vec<Reported> = serde_json::from_slice(&body).map_err(|_| ApiError::Request {
        status: StatusCode::BAD_REQUEST,
        detail: "The body must be a JSON list of {token, type, url, source}.".into(),
    })?;
    if reported.len() > MAX_REPORTED {
        return Err(ApiError::Request {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            detail: format!("At most {MAX_REPORTED} matches a report."),
        });
    }
    Ok(Json(
        leaks::report(
            &state.pool,
            &state.verifier,
            state.settings.leak_action,
            reported,
        )
        .await?,
    ))
}

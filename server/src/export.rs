//! `GET /tokens/export.csv`: the token list as the console shows it, with the same filters,
//! as CSV for a spreadsheet. No secrets (a token appears masked, as in the list), and no
//! formulas: a cell that a spreadsheet would read as one is written as text.

use crate::AppState;
use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use latchkey_core::{principal::Principal, tokens};
use types::{tokens::TokenFilter, AppError, Caller};

/// The most rows one export holds.
const MAX_ROWS: usize = 10_000;

pub async fn tokens_csv(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(mut filter): Query<TokenFilter>,
) -> Response {
    let principal = match Principal::from_caller(&caller) {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let mut csv = String::from(
        "name,token,owner,owner_email,scopes,created_at,last_used_at,expires_at,status\r\n",
    );
    let mut rows = 0;
    filter.limit = Some(100);
    filter.cursor = None;
    loop {
        let page = match tokens::list(&state.pool, &principal, filter.clone()).await {
            Ok(page) => page,
            Err(e) => return refused(e.into_answer()),
        };
        for t in page.items {
            let time = |at: Option<chrono::DateTime<chrono::Utc>>| {
                at.map(|at| at.to_rfc3339()).unwrap_or_default()
            };
            let cells = [
                t.name,
                t.masked,
                t.owner.display_name,
                t.owner.email.unwrap_or_default(),
                t.scopes.join(" "),
                t.created_at.to_rfc3339(),
                time(t.last_used_at),
                time(t.expires_at),
                t.status.as_str().to_owned(),
            ];
            let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
            csv.push_str(&line.join(","));
            csv.push_str("\r\n");
            rows += 1;
        }
        match page.next_cursor {
            Some(cursor) if rows < MAX_ROWS => filter.cursor = Some(cursor),
            _ => break,
        }
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"latchkey-tokens.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        csv,
    )
        .into_response()
}

/// One CSV cell (RFC 4180): quoted when it must be, and never a formula.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A refusal for a plain (non-API) download: its status and message as text.
pub(crate) fn refused(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, error.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed_and_never_formulas() {
        assert_eq!(cell("SAP export"), "SAP export");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-1"), "'-1");
    }
}

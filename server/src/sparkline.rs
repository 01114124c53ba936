//! `GET /tokens/{id}/usage.svg`: a token's requests per day over the last 30 days, as a
//! small bar chart drawn here, for the token list (an `<img>`: no chart code in the Wasm).
//! The token must be one the signed-in user may see; 404 otherwise.

use crate::{export::refused, AppState};
use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
    Extension,
};
use chrono::{Duration, NaiveDate, Utc};
use latchkey_core::{principal::Principal, tokens};
use std::fmt::Write;
use types::{tokens::DayUsage, Caller};

/// The days drawn, today the rightmost.
const DAYS: i64 = 30;
const BAR: u32 = 3;
const GAP: u32 = 1;
const HEIGHT: u32 = 24;

pub async fn usage_svg(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(public_id): Path<String>,
) -> Response {
    let principal = match Principal::from_caller(&caller) {
        Ok(p) => p,
        Err(e) => return refused(e),
    };
    let usage = match tokens::usage(&state.pool, &principal, &public_id).await {
        Ok(usage) => usage,
        Err(e) => return refused(e.into_answer()),
    };
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        chart(&usage.days, Utc::now().date_naive()),
    )
        .into_response()
}

/// The chart: one bar a day from `today - 29` to `today`, scaled to the busiest day; a
/// day without requests is a 1-pixel tick, so the days stay countable.
pub fn chart(days: &[DayUsage], today: NaiveDate) -> String {
    let per_day: Vec<i64> = (0..DAYS)
        .map(|back| {
            let day = today - Duration::days(DAYS - 1 - back);
            days.iter()
                .filter(|d| d.day == day)
                .map(|d| d.requests)
                .sum()
        })
        .collect();
    let total: i64 = per_day.iter().sum();
    let busiest = per_day.iter().copied().max().unwrap_or(0).max(1);
    let width = DAYS as u32 * (BAR + GAP) - GAP;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {width} {HEIGHT}\" role=\"img\">\
         <title>{total} requests in the last {DAYS} days</title>"
    );
    for (i, n) in per_day.iter().enumerate() {
        let h = if *n == 0 {
            1
        } else {
            ((*n as f64 / busiest as f64) * f64::from(HEIGHT - 2)).ceil() as u32 + 1
        };
        let fill = if *n == 0 { "#98a2b3" } else { "#4f6fd6" };
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{BAR}\" height=\"{h}\" fill=\"{fill}\"/>",
            i as u32 * (BAR + GAP),
            HEIGHT - h
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_a_bar_a_day_scaled_to_the_busiest() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let on = |days_ago, requests| DayUsage {
            day: today - Duration::days(days_ago),
            requests,
        };
        // Forty days ago is older than the chart: left out.
        let days = [on(40, 99), on(1, 5), on(0, 10)];
        let svg = chart(&days, today);
        assert!(svg.contains("<title>15 requests in the last 30 days</title>"));
        assert_eq!(svg.matches("<rect").count(), 30);
        // Today, the busiest, is full height; yesterday half; the others a tick.
        assert!(svg.ends_with(
            "<rect x=\"116\" y=\"1\" width=\"3\" height=\"23\" fill=\"#4f6fd6\"/></svg>"
        ));
        assert!(
            svg.contains("<rect x=\"112\" y=\"12\" width=\"3\" height=\"12\" fill=\"#4f6fd6\"/>")
        );
        assert_eq!(svg.matches("height=\"1\"").count(), 28);
    }
}

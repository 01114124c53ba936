//! `GET /tokens/{id}/usage.svg`: a token's requests per day over the last 30 days (UTC
//! days, as they are counted), as a bar chart drawn here (an `<img>`: no chart code in the
//! Wasm): a sparkline for the token list, or with `?size=chart` a chart with its axes, its
//! scale and its dates for the token's page. The token must be one the signed-in user may
//! see; 404 otherwise.

use crate::{export::refused, AppState};
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
    Extension,
};
use chrono::{Duration, NaiveDate, Utc};
use latchkey_core::{principal::Principal, tokens};
use serde::Deserialize;
use std::fmt::Write;
use types::{tokens::DayUsage, Caller};

/// The days drawn, today the rightmost.
const DAYS: i64 = 30;
const BAR: u32 = 3;
const GAP: u32 = 1;
const HEIGHT: u32 = 24;

/// Which drawing: `?size=sparkline` (the default) or `?size=chart`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    #[default]
    Sparkline,
    Chart,
}

#[derive(Debug, Deserialize)]
pub struct Drawing {
    #[serde(default)]
    size: Size,
}

pub async fn usage_svg(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(public_id): Path<String>,
    Query(drawing): Query<Drawing>,
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
        match drawing.size {
            Size::Sparkline => chart(&usage.days, Utc::now().date_naive()),
            Size::Chart => chart_with_axes(&usage.days, Utc::now().date_naive()),
        },
    )
        .into_response()
}

/// What both drawings draw: the requests on each of the 30 days from `today - 29` to
/// `today`, their total, and the busiest day's count (at least 1, the scale's top).
struct Counts {
    per_day: Vec<i64>,
    total: i64,
    busiest: i64,
}

impl Counts {
    fn of(days: &[DayUsage], today: NaiveDate) -> Self {
        let per_day: Vec<i64> = (0..DAYS)
            .map(|back| {
                let day = today - Duration::days(DAYS - 1 - back);
                days.iter()
                    .filter(|d| d.day == day)
                    .map(|d| d.requests)
                    .sum()
            })
            .collect();
        Counts {
            total: per_day.iter().sum(),
            busiest: per_day.iter().copied().max().unwrap_or(0).max(1),
            per_day,
        }
    }
}

/// A day's bar colour: grey for a day without requests (drawn as a tick), else blue.
fn fill(requests: i64) -> &'static str {
    if requests == 0 {
        "#98a2b3"
    } else {
        "#4f6fd6"
    }
}

/// The sparkline: one bar a day from `today - 29` to `today`, scaled to the busiest day; a
/// day without requests is a 1-pixel tick, so the days stay countable.
pub fn chart(days: &[DayUsage], today: NaiveDate) -> String {
    let Counts {
        per_day,
        total,
        busiest,
    } = Counts::of(days, today);
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
        let _ = write!(
            svg,
            "<rect x=\"{}\" y=\"{}\" width=\"{BAR}\" height=\"{h}\" fill=\"{}\"/>",
            i as u32 * (BAR + GAP),
            HEIGHT - h,
            fill(*n)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The chart of the token's page: the same bars, with a scale (0, half and the busiest
/// day's count, and a line at each), and the first, middle and last day's dates beneath,
/// the last marked UTC. Its text follows the reader's light or dark scheme.
pub fn chart_with_axes(days: &[DayUsage], today: NaiveDate) -> String {
    const WIDTH: f64 = 360.0;
    const HEIGHT: f64 = 132.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = WIDTH - 4.0;
    const TOP: f64 = 8.0;
    const BOTTOM: f64 = HEIGHT - 22.0;
    let Counts {
        per_day,
        total,
        busiest,
    } = Counts::of(days, today);
    let first = today - Duration::days(DAYS - 1);
    let date = |day: NaiveDate| day.format("%-d %b").to_string();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\">\
         <title>{total} requests in the last {DAYS} days, {} to {} (UTC)</title>\
         <style>text{{font:11px system-ui,sans-serif;fill:#5b6475}}line{{stroke:#d0d5dd}}\
         @media (prefers-color-scheme:dark){{text{{fill:#a3acba}}line{{stroke:#3a4150}}}}</style>",
        date(first),
        date(today)
    );
    // The scale: a line and a label at 0, half the busiest day and the busiest day.
    let mut marks = vec![0, busiest];
    if busiest >= 2 {
        marks.insert(1, busiest / 2);
    }
    for mark in marks {
        let y = BOTTOM - (mark as f64 / busiest as f64) * (BOTTOM - TOP);
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{mark}</text>",
            LEFT - 4.0,
            y + 4.0
        );
    }
    let slot = (RIGHT - LEFT) / DAYS as f64;
    for (i, n) in per_day.iter().enumerate() {
        let h = if *n == 0 {
            1.0
        } else {
            (*n as f64 / busiest as f64) * (BOTTOM - TOP)
        };
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
            LEFT + i as f64 * slot + 1.0,
            BOTTOM - h,
            slot - 2.0,
            fill(*n)
        );
    }
    // The dates: the first day's, the middle day's and today's, beneath their bars.
    for (i, anchor) in [(0, "start"), (DAYS / 2, "middle"), (DAYS - 1, "end")] {
        let day = first + Duration::days(i);
        let x = match anchor {
            "start" => LEFT + 1.0,
            "end" => RIGHT - 1.0,
            _ => LEFT + (i as f64 + 0.5) * slot,
        };
        let label = if i == DAYS - 1 {
            format!("{} UTC", date(day))
        } else {
            date(day)
        };
        let _ = write!(
            svg,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{label}</text>",
            HEIGHT - 6.0
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

    #[test]
    fn the_pages_chart_has_a_scale_and_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let days = [
            DayUsage {
                day: today,
                requests: 40,
            },
            DayUsage {
                day: today - Duration::days(3),
                requests: 10,
            },
        ];
        let svg = chart_with_axes(&days, today);
        assert!(
            svg.contains("<title>50 requests in the last 30 days, 5 Nov to 4 Dec (UTC)</title>")
        );
        assert_eq!(svg.matches("<rect").count(), 30);
        // The scale: 0, 20 and 40, each a line and a label.
        for label in [">0</text>", ">20</text>", ">40</text>"] {
            assert!(svg.contains(label), "{label} in {svg}");
        }
        assert_eq!(svg.matches("<line").count(), 3);
        // The dates beneath: the first, the middle and today's, marked UTC.
        for label in [">5 Nov</text>", ">20 Nov</text>", ">4 Dec UTC</text>"] {
            assert!(svg.contains(label), "{label} in {svg}");
        }
        // Today's bar is full height: from the top line (y 8) to the bottom one (y 110).
        assert!(
            svg.contains("y=\"8.0\" width=\"8.5\" height=\"102.0\" fill=\"#4f6fd6\""),
            "{svg}"
        );
    }
}

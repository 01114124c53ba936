//! Times as people read them: "5 days ago", "in 29 days", and the exact time in the
//! reader's time zone, always named ("31 Mar 2027, 23:59 PST") with UTC on hover.
//!
//! One policy, on the server and in the browser alike: the page's head tells the server
//! the browser's time zone in a cookie ([`ZONE_COOKIE`], written by a script that runs
//! before anything renders), the server renders in that zone and the browser in its own,
//! so a page loaded directly and the same page reached by a link read the same. Only a
//! browser's very first page, sent before the cookie existed, is rendered in UTC (said so).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use leptos::prelude::*;
use std::sync::Arc;

/// The cookie that carries the browser's IANA time zone ("America/Los_Angeles").
pub const ZONE_COOKIE: &str = "latchkey_tz";

/// The reader's time zone: its IANA name, or "UTC".
#[derive(Clone)]
pub struct Zone(Arc<str>);

/// Names the zone times are shown in: on the server the one the browser's cookie names
/// (UTC without it), in the browser its own.
pub fn provide_zone() {
    #[cfg(feature = "ssr")]
    let name = use_context::<http::request::Parts>()
        .and_then(|parts| zone_in_cookies(&parts.headers))
        .filter(|name| name.parse::<chrono_tz::Tz>().is_ok());
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let name = browser_zone();
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let name: Option<String> = None;
    provide_context(Zone(name.unwrap_or_else(|| "UTC".into()).into()));
}

#[cfg(feature = "ssr")]
fn zone_in_cookies(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == ZONE_COOKIE).then(|| value.to_owned())
        })
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn browser_zone() -> Option<String> {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()?
        .as_string()
}

fn zone() -> Arc<str> {
    use_context::<Zone>().map_or_else(|| "UTC".into(), |Zone(name)| name)
}

/// The offset from UTC of `zone` at `t`.
fn offset(zone: &str, t: DateTime<Utc>) -> FixedOffset {
    let utc = FixedOffset::east_opt(0).expect("zero is an offset");
    if zone == "UTC" {
        return utc;
    }
    #[cfg(feature = "ssr")]
    {
        zone.parse::<chrono_tz::Tz>().map_or(utc, |tz| {
            chrono::Offset::fix(&tz.offset_from_utc_datetime(&t.naive_utc()))
        })
    }
    // In the browser the zone is the browser's own, whose offsets chrono asks it for.
    #[cfg(not(feature = "ssr"))]
    {
        chrono::Local.offset_from_utc_datetime(&t.naive_utc())
    }
}

/// The short name people read for `zone` at `offset`: the abbreviation where one is in
/// common use ("PST", "CEST"), else the offset itself ("UTC+5:45"). The server and the
/// browser both name a zone with this, so their texts are the same.
pub fn zone_label(zone: &str, offset: FixedOffset) -> String {
    let hours = offset.local_minus_utc() as f32 / 3600.0;
    let pair = |standard: f32, names: [&'static str; 2]| {
        if hours == standard {
            Some(names[0])
        } else if hours == standard + 1.0 {
            Some(names[1])
        } else {
            None
        }
    };
    let (region, city) = zone.split_once('/').unwrap_or((zone, ""));
    let named = match (region, city) {
        ("UTC" | "Etc", _) | (_, "UTC") if hours == 0.0 => Some("UTC"),
        ("America", "Los_Angeles" | "Vancouver" | "Tijuana") => pair(-8.0, ["PST", "PDT"]),
        ("America", "Denver" | "Edmonton" | "Boise" | "Phoenix") => pair(-7.0, ["MST", "MDT"]),
        ("America", "Chicago" | "Winnipeg") => pair(-6.0, ["CST", "CDT"]),
        ("America", "New_York" | "Toronto" | "Detroit") => pair(-5.0, ["EST", "EDT"]),
        ("America", "Anchorage") => pair(-9.0, ["AKST", "AKDT"]),
        ("Pacific", "Honolulu") => pair(-10.0, ["HST", "HDT"]),
        ("Europe", "London") => pair(0.0, ["GMT", "BST"]),
        (
            "Europe",
            "Berlin" | "Paris" | "Madrid" | "Rome" | "Amsterdam" | "Brussels" | "Vienna" | "Zurich"
            | "Stockholm" | "Oslo" | "Copenhagen" | "Warsaw" | "Prague" | "Budapest",
        ) => pair(1.0, ["CET", "CEST"]),
        ("Europe", "Athens" | "Helsinki" | "Kyiv" | "Kiev" | "Bucharest" | "Sofia") => {
            pair(2.0, ["EET", "EEST"])
        }
        ("Asia", "Tokyo") => pair(9.0, ["JST", "JDT"]),
        ("Australia", "Sydney" | "Melbourne" | "Canberra") => pair(10.0, ["AEST", "AEDT"]),
        _ => None,
    };
    match named {
        Some(name) => name.to_owned(),
        None => {
            let minutes = offset.local_minus_utc() / 60;
            let sign = if minutes < 0 { '−' } else { '+' };
            let (h, m) = (minutes.abs() / 60, minutes.abs() % 60);
            match m {
                0 => format!("UTC{sign}{h}"),
                m => format!("UTC{sign}{h}:{m:02}"),
            }
        }
    }
}

/// The exact time in the reader's zone, named: "31 Mar 2027, 23:59 PST".
pub fn exact(t: DateTime<Utc>) -> String {
    let zone = zone();
    let offset = offset(&zone, t);
    format!(
        "{} {}",
        t.with_timezone(&offset).format("%-d %b %Y, %H:%M"),
        zone_label(&zone, offset)
    )
}

/// The same time in UTC, for a tooltip: "1 Apr 2027, 07:59 UTC".
pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// The reader's zone as named for times near `t` ("PST"): for a field that takes a time
/// in it, such as a calendar date.
pub fn zone_name_at(t: DateTime<Utc>) -> String {
    let zone = zone();
    zone_label(&zone, offset(&zone, t))
}

/// "5 days ago", "in 29 days", "just now".
pub fn relative(t: DateTime<Utc>) -> String {
    let seconds = (Utc::now() - t).num_seconds();
    let past = seconds >= 0;
    let s = seconds.unsigned_abs() as f64;
    let (n, unit) = match s {
        s if s < 45.0 => {
            return if past {
                "just now".into()
            } else {
                "in a moment".into()
            }
        }
        s if s < 45.0 * 60.0 => ((s / 60.0).round().max(1.0), "minute"),
        s if s < 22.0 * 3600.0 => ((s / 3600.0).round().max(1.0), "hour"),
        // Days are calendar days, as people count them: a token that expires on the
        // 10th is "in 10 days" on the 1st, whatever the hour.
        s if s < 45.0 * 86400.0 => (calendar_days(t).max(1) as f64, "day"),
        s if s < 320.0 * 86400.0 => ((s / (30.44 * 86400.0)).round().max(1.0), "month"),
        s => ((s / (365.25 * 86400.0)).round().max(1.0), "year"),
    };
    let plural = if n == 1.0 { "" } else { "s" };
    if past {
        format!("{n} {unit}{plural} ago")
    } else {
        format!("in {n} {unit}{plural}")
    }
}

/// How long until `t`, briefly: "23 h", "45 min", "6 d" (minutes rounded up, never less
/// than one).
pub fn remaining(t: DateTime<Utc>) -> String {
    let minutes = ((t - Utc::now()).num_seconds() + 59).div_euclid(60).max(1);
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", (m + 30) / 60),
        m => format!("{} d", (m + 720) / 1440),
    }
}

/// Calendar days between today and `t`, both in the reader's zone.
fn calendar_days(t: DateTime<Utc>) -> i64 {
    let zone = zone();
    let now = Utc::now();
    let then = t.with_timezone(&offset(&zone, t)).date_naive();
    let today = now.with_timezone(&offset(&zone, now)).date_naive();
    (then - today).num_days().abs()
}

/// A relative time, with the exact one and UTC on hover.
#[component]
pub fn When(at: DateTime<Utc>) -> impl IntoView {
    let title = format!("{} ({})", exact(at), utc(at));
    view! { <time datetime=at.to_rfc3339() title=title>{relative(at)}</time> }
}

/// The exact time in the reader's zone, with UTC on hover.
#[component]
pub fn Exact(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339() title=utc(at)>{exact(at)}</time> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i32) -> FixedOffset {
        FixedOffset::east_opt(hours * 3600).unwrap()
    }

    #[test]
    fn zones_are_named_as_people_read_them() {
        assert_eq!(zone_label("America/Los_Angeles", at(-8)), "PST");
        assert_eq!(zone_label("America/Los_Angeles", at(-7)), "PDT");
        assert_eq!(zone_label("Europe/Berlin", at(2)), "CEST");
        assert_eq!(zone_label("UTC", at(0)), "UTC");
        assert_eq!(zone_label("Etc/UTC", at(0)), "UTC");
        assert_eq!(
            zone_label("Asia/Kathmandu", FixedOffset::east_opt(20700).unwrap()),
            "UTC+5:45"
        );
        assert_eq!(zone_label("America/Sao_Paulo", at(-3)), "UTC−3");
        // A zone whose offset is not one its names belong to is told by its offset.
        assert_eq!(zone_label("America/Los_Angeles", at(3)), "UTC+3");
    }
}

//! Times as people read them: "5 days ago", "in 29 days", and the exact time in the
//! browser's time zone. The server renders UTC; once the page is live in the browser,
//! [`Live`] flips and every time re-renders in local time.

use chrono::{DateTime, Local, Utc};
use leptos::prelude::*;

/// True once the page runs in the browser (after hydration).
#[derive(Clone, Copy)]
pub struct Live(pub RwSignal<bool>);

pub fn provide_live() {
    let live = RwSignal::new(false);
    Effect::new(move || live.set(true));
    provide_context(Live(live));
}

fn is_live() -> bool {
    use_context::<Live>().is_some_and(|Live(l)| l.get())
}

/// The exact time: local in the browser, UTC while rendered on the server.
pub fn exact(t: DateTime<Utc>) -> String {
    if is_live() {
        t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// A date alone, as exact() would show it.
pub fn date(t: DateTime<Utc>) -> String {
    if is_live() {
        t.with_timezone(&Local).format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%d").to_string()
    }
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

fn calendar_days(t: DateTime<Utc>) -> i64 {
    let (then, today) = if is_live() {
        (
            t.with_timezone(&Local).date_naive(),
            Local::now().date_naive(),
        )
    } else {
        (t.date_naive(), Utc::now().date_naive())
    };
    (then - today).num_days().abs()
}

/// A relative time with the exact one on hover.
#[component]
pub fn When(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339() title=move || exact(at)>{move || relative(at)}</time> }
}

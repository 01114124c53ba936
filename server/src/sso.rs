//! Single sign-on's two addresses: `/auth/oidc/start` sends the browser to the identity
//! provider, and `/auth/oidc/callback` takes its answer (see `latchkey_core::sso`).

use crate::AppState;
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    Extension,
};
use latchkey_core::{
    factors::challenge::{self, Admission},
    sessions,
    sso::{self, Answer, SsoError},
};
use types::{session::SignInFailure, Caller};

pub async fn start(State(state): State<AppState>) -> Response {
    let Some(provider) = state.sso.as_deref() else {
        return back_to_sign_in(&state, SignInFailure::SsoUnavailable);
    };
    match sso::start(&state.pool, provider).await {
        Ok(started) => (
            [
                (
                    header::SET_COOKIE,
                    sso::set_browser_cookie(&state.settings, &started.browser_cookie),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            Redirect::to(&started.location),
        )
            .into_response(),
        Err(e) => refused(&state, e),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(answer): Query<Answer>,
) -> Response {
    let Some(provider) = state.sso.as_deref() else {
        return back_to_sign_in(&state, SignInFailure::SsoUnavailable);
    };
    let browser = sso::browser_cookie(&state.settings, &headers);
    match sso::finish(&state.core, provider, &caller, browser, answer).await {
        Ok(admission) => signed_in(&state, admission),
        Err(e) => refused(&state, e),
    }
}

/// The session starts (or, for a person with a second factor, the challenge for it), and
/// the browser moves on to the console from a page of Latchkey's own: a redirect would
/// continue the identity provider's cross-site navigation, on which the browser
/// withholds SameSite=Strict cookies.
fn signed_in(state: &AppState, admission: Admission) -> Response {
    let (cookie, to) = match admission {
        Admission::Session(value) => (sessions::set_cookie(&state.settings, &value), "/"),
        Admission::SecondFactor(value) => (
            challenge::set_cookie(&state.settings, &value),
            app::server_fns::session::SECOND_FACTOR_PAGE,
        ),
    };
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <meta http-equiv=\"refresh\" content=\"0;url={to}\"><title>Signing in · Latchkey</title></head>\
        <body><p>Signed in. <a href=\"{to}\">Continue to Latchkey</a></p></body></html>"
    );
    let mut response = (StatusCode::OK, Html(page)).into_response();
    let headers = response.headers_mut();
    for cookie in [cookie, sso::set_browser_cookie(&state.settings, "")] {
        if let Ok(value) = cookie.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

fn refused(state: &AppState, error: SsoError) -> Response {
    let failure = error.failure();
    if let SsoError::Internal(e) = error {
        // Logged in full there; the person is told only that it failed.
        let _ = e.into_answer();
    }
    back_to_sign_in(state, failure)
}

/// Back to the sign-in page, which says why (from its fixed list).
fn back_to_sign_in(state: &AppState, failure: SignInFailure) -> Response {
    (
        [
            (
                header::SET_COOKIE,
                sso::set_browser_cookie(&state.settings, ""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Redirect::to(&format!("/login?failed={}", failure.as_str())),
    )
        .into_response()
}

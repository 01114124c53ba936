//! The HTTP surface: the console's pages and server functions, health checks, and the
//! middleware that resolves who is asking and keeps people out of pages they may not see.

use crate::{
    headers::{self, CspNonce},
    AppState,
};
use app::server_fns::session::SECOND_FACTOR_PAGE;
use axum::{
    body::Body,
    extract::{MatchedPath, Request, State},
    http::{header, HeaderName, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::{any, get},
    Router,
};
use latchkey_core::sessions;
use leptos::{
    nonce::Nonce,
    prelude::{provide_context, use_context},
};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::{Level, Span};
use types::{AppError, Caller};

/// The console's routes, listed once per process. Leptos lists them by rendering the app
/// with a process-wide flag set under which any page whose data starts loading meanwhile
/// never finishes (leptos-rs/leptos#4773); listed once, before any instance serves, no
/// page can fall into that window, however many instances a process starts.
fn console_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

pub fn router(state: AppState) -> Router {
    let (core, reference) = (state.core.clone(), state.api_reference.clone());
    let context = move || {
        // What the server functions reach: the domain and the API's reference.
        provide_context(core.clone());
        provide_context(reference.clone());
        // The inline scripts Leptos writes carry the nonce the CSP header names.
        let nonce = use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
        if let Some(CspNonce(nonce)) = nonce {
            provide_context(Nonce::from_value(nonce));
        }
    };
    let routes = console_routes();
    let options = state.leptos_options.clone();
    // The console: pages and server functions, behind the session middleware.
    let console = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        // The token list has one address, the console's home: /tokens leads there.
        .route("/tokens", get(tokens_list))
        .route("/tokens/export.csv", get(crate::export::tokens_csv))
        .route("/tokens/{id}/usage.svg", get(crate::sparkline::usage_svg))
        .route("/auth/oidc/start", get(crate::sso::start))
        .route("/auth/oidc/callback", get(crate::sso::callback))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            resolve_caller,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_origin_only,
        ))
        .layer(middleware::from_fn(server_fn_status))
        .layer(RequestBodyLimitLayer::new(64 * 1024));
    Router::new()
        .route("/forward-auth", any(crate::gateway::forward_auth))
        .merge(crate::api::router(&state))
        .nest(
            latchkey_core::scim::PREFIX,
            crate::scim::router(&state).layer(RequestBodyLimitLayer::new(crate::api::BODY_LIMIT)),
        )
        .merge(console)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The span every request's logs are written in: method, route (the pattern, not the
/// path: ids stay out of it) and the request id, which the answer carries too as
/// `x-request-id` so that a user's report can be matched with the log.
fn request_span(req: &Request) -> Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", MatchedPath::as_str);
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), route = %route, request_id = %request_id)
}

/// Process up.
async fn healthz() -> &'static str {
    "ok"
}

/// Database reachable, and whether the verifier hears every change (when it does not, it
/// verifies every token against the database until it does).
async fn readyz(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => format!("ready\n{}\n", state.verifier.status()).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, crate::api::RETRY_AFTER_SECONDS)],
                "database unreachable",
            )
                .into_response()
        }
    }
}

/// Gives a server function's error the status it calls for when the error arose before
/// the function ran (its arguments did not decode, say): server functions answer 500 for
/// those, which would blame the server for a bad request.
async fn server_fn_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// An encoded server-function error is a short JSON value.
const ERROR_BODY_MAX: usize = 64 * 1024;

/// Refuses changes that a page of another site (or of another port or subdomain, which
/// `SameSite` counts as the same site) makes the browser send with the session cookie:
/// a state-changing request whose `Origin` is not Latchkey's own, or, without `Origin`
/// (or with the `null` one of a page that sends no referrer), whose `Sec-Fetch-Site`
/// does not say it came from here. Clients that are not browsers
/// send neither and pass.
async fn same_origin_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || is_public_asset(req.uri().path()) || from_this_origin(&state, req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(
        origin = ?req.headers().get(header::ORIGIN),
        "refused a change sent from another site's page"
    );
    let error = AppError::Forbidden("make changes from another site's page".into());
    let body = serde_json::to_string(&error).unwrap_or_default();
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn from_this_origin(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let fetch_site = header(HeaderName::from_static("sec-fetch-site"));
    match header(header::ORIGIN) {
        // A plain form posted by one of Latchkey's own pages says `Origin: null` (its
        // pages send no referrer); the browser's own `Sec-Fetch-Site`, which no page can
        // set, tells whether it came from here.
        Some("null") => fetch_site == Some("same-origin"),
        Some(origin) => {
            let host = header(header::HOST).unwrap_or_default();
            origin == state.settings.public_url
                || origin.strip_prefix("http://") == Some(host)
                || origin.strip_prefix("https://") == Some(host)
        }
        None => !matches!(fetch_site, Some("cross-site" | "same-site")),
    }
}

/// Paths the console's session handling leaves alone: assets, health checks, and the
/// token-authenticated API.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/api/v1/")
        || path == "/healthz"
        || path == "/readyz"
}

/// Resolves the session once per request into a [`Caller`] for the server functions, and
/// sends people to set-up, sign-in or the overview as their state requires.
async fn resolve_caller(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_public_asset(&path) {
        return next.run(req).await;
    }
    let client_addr = crate::proxies::client_addr(&req, &state.trusted_proxies);
    let digest = sessions::cookie_value(&state.settings, req.headers()).map(sessions::digest);
    let user = match &digest {
        Some(d) => match sessions::resolve(&state.pool, &state.settings, d).await {
            Ok(user) => user,
            Err(e) => return unavailable(e),
        },
        None => None,
    };
    let is_page = req.method() == Method::GET && !path.starts_with("/api/");
    if is_page {
        let setup_required = match state.setup.required(&state.pool).await {
            Ok(required) => required,
            Err(e) => return unavailable(e),
        };
        let awaiting_code =
            latchkey_core::factors::challenge::cookie_value(&state.settings, req.headers())
                .is_some();
        let must_enrol = user.as_ref().is_some_and(|u| u.must_enrol);
        let target = match (setup_required, path.as_str(), user.is_some()) {
            (true, "/setup", _) => None,
            (true, _, _) => Some("/setup"),
            (false, "/setup", _) => Some("/"),
            (false, "/login" | SECOND_FACTOR_PAGE, true) => Some("/"),
            (false, "/login", false) => None,
            // A sign-in waiting for its second factor; without one, back to its start.
            (false, SECOND_FACTOR_PAGE, false) => (!awaiting_code).then_some("/login"),
            // Someone whose role requires a second factor sets one up before anything.
            (false, p, true) if must_enrol && p != ENROL_PAGE => Some(ENROL_PAGE),
            // Single sign-on's way in and back.
            (false, p, _) if p.starts_with("/auth/oidc/") => None,
            (false, _, false) => Some("/login"),
            (false, _, true) => None,
        };
        if let Some(target) = target {
            return Redirect::to(target).into_response();
        }
    }
    let session_digest = user.as_ref().and(digest);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().filter(|c| !c.is_control()).take(200).collect());
    req.extensions_mut().insert(Caller {
        user,
        session_digest,
        client_addr,
        user_agent,
    });
    next.run(req).await
}

/// The session could not be resolved: the page or call is answered after the database's
/// state (503 and when to try again while it is away).
fn unavailable(error: latchkey_core::error::Error) -> Response {
    let answer = error.into_answer();
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    (
        status,
        [(header::RETRY_AFTER, crate::api::RETRY_AFTER_SECONDS)],
        answer.to_string(),
    )
        .into_response()
}

/// Where someone the sign-in policy asks for a second factor is sent until they have one.
const ENROL_PAGE: &str = "/account";

/// `/tokens` (with its filters, if any) is the token list at `/`.
async fn tokens_list(axum::extract::RawQuery(query): axum::extract::RawQuery) -> Redirect {
    let to = query.map_or_else(|| "/".to_owned(), |query| format!("/?{query}"));
    // `Redirect` panics on what a header may not hold: such a query is dropped instead.
    match axum::http::HeaderValue::from_str(&to) {
        Ok(_) => Redirect::permanent(&to),
        Err(_) => Redirect::permanent("/"),
    }
}

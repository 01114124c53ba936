//! `/scim/v2`: SCIM 2.0 over HTTP (RFC 7644) for the directory that provisions the
//! console's people. Authenticated by a Latchkey token (`scim:read` / `scim:write`, see
//! [`latchkey_core::scim`]); answers `application/scim+json`, errors in SCIM's shape,
//! versions as `ETag`s with `If-Match` and `If-None-Match` honoured.

use crate::{api, AppState};
use axum::{
    body::Bytes,
    extract::{Path, Query, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Router,
};
use latchkey_core::{
    principal::Principal,
    scim::{
        self, discovery, groups::Group, users::Person, Change, ListQuery, Paging, Problem, Resource,
    },
    tokens::{
        present::{self, Presented, Refusal},
        usage,
    },
};
use serde_json::Value;
use std::collections::HashMap;
use types::permissions::SCIM_READ;

const CONTENT_TYPE: &str = "application/scim+json";

/// The routes, behind token authentication.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .route("/Users", get(list::<Person>).post(create::<Person>))
        .route(
            "/Users/{id}",
            get(get_one::<Person>)
                .put(change::<Person>)
                .patch(change::<Person>)
                .delete(delete::<Person>),
        )
        .route("/Groups", get(list::<Group>).post(create::<Group>))
        .route(
            "/Groups/{id}",
            get(get_one::<Group>)
                .put(change::<Group>)
                .patch(change::<Group>)
                .delete(delete::<Group>),
        )
        .fallback(|| async { ScimError(Problem::not_found("That SCIM endpoint")) })
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
}

/// A SCIM error answer.
pub struct ScimError(Problem);

impl From<scim::Error> for ScimError {
    fn from(e: scim::Error) -> Self {
        Self(e.into_problem())
    }
}

impl From<Problem> for ScimError {
    fn from(p: Problem) -> Self {
        Self(p)
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = scim_json(status, &self.0.body());
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"latchkey\""),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(api::RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

type Answer = Result<Response, ScimError>;

fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// A resource with its version as the `ETag` (and where it lives, when just made), or 304
/// when `If-None-Match` already has that version.
fn resource<R: Resource>(
    status: StatusCode,
    headers: &HeaderMap,
    found: &R,
    base: &str,
) -> Response {
    let version = found.version();
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == version || tag.trim() == "*")
        });
    let body = found.resource(base);
    let mut response = if unchanged && status == StatusCode::OK {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        scim_json(status, &body)
    };
    if let Ok(tag) = HeaderValue::from_str(&version) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Some(Ok(location)) = body["meta"]["location"].as_str().map(HeaderValue::from_str) {
            response.headers_mut().insert(header::LOCATION, location);
        }
    }
    response
}

/// The directory's token, verified as every presented token is, its owner acting.
/// Uses are counted in the token's usage like the REST API's.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client_addr = crate::proxies::client_addr(&req, &state.trusted_proxies);
    let path = req.uri().path().to_owned();
    let token = match api::bearer_token(req.headers()) {
        Ok(token) => token.to_owned(),
        Err(rejection) => return unauthorized(rejection.detail().into_owned()),
    };
    let user_agent = api::user_agent(req.headers()).map(str::to_owned);
    let presented = Presented {
        token: &token,
        client_addr,
        user_agent: user_agent.as_deref(),
        path: &path,
    };
    let verified = match present::authenticate(&state, presented).await {
        Ok(Ok(verified)) => verified,
        Ok(Err(Refusal::Token(rejection))) => return unauthorized(rejection.detail().into_owned()),
        Ok(Err(Refusal::Address(client))) => {
            return ScimError(Problem {
                status: 403,
                scim_type: None,
                detail: api::address_refused(client),
            })
            .into_response()
        }
        Err(e) => return ScimError(scim::Error::Domain(e).into_problem()).into_response(),
    };
    let principal = present::acting_for_owner(&verified, client_addr);
    let needed = principal.token.as_ref().map(|t| t.needed.clone());
    // Every endpoint reads the directory at least; changing it needs `scim:write` (asked
    // by the domain).
    let response = match principal.require(SCIM_READ, "read the directory through SCIM") {
        Err(missing) => ScimError(missing.into()).into_response(),
        Ok(()) => {
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
    };
    let needed = needed.map_or_else(Vec::new, |ledger| ledger.read());
    let needed: Vec<&str> = needed.iter().map(String::as_str).collect();
    state.usage.record(
        verified.token_row,
        usage::Request {
            client_addr,
            user_agent: user_agent.as_deref(),
            scopes: &needed,
        },
    );
    response
}

fn unauthorized(detail: String) -> Response {
    ScimError(Problem {
        status: 401,
        scim_type: None,
        detail,
    })
    .into_response()
}

/// A request's JSON body, whatever its content type says (directories send
/// `application/scim+json` or `application/json`).
fn body(bytes: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ScimError(Problem::bad_request(
            "invalidSyntax",
            format!("The body is not JSON: {e}."),
        ))
    })
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

/// `startIndex` and `count`, read as numbers.
fn paging(query: &HashMap<String, String>) -> Result<Paging, ScimError> {
    let number = |name: &str| -> Result<Option<i64>, ScimError> {
        query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| {
                v.trim().parse().map_err(|_| {
                    ScimError(Problem::bad_request(
                        "invalidValue",
                        format!("{name} must be a whole number."),
                    ))
                })
            })
            .transpose()
    };
    Ok(Paging::new(number("startIndex")?, number("count")?))
}

fn base(state: &AppState) -> &str {
    &state.settings.public_url
}

async fn service_provider_config(State(state): State<AppState>) -> Response {
    scim_json(
        StatusCode::OK,
        &discovery::service_provider_config(base(&state)),
    )
}

async fn resource_types(State(state): State<AppState>) -> Response {
    scim_json(StatusCode::OK, &discovery::resource_types(base(&state)))
}

async fn resource_type(State(state): State<AppState>, Path(id): Path<String>) -> Answer {
    Ok(scim_json(
        StatusCode::OK,
        &discovery::one_resource_type(base(&state), &id)?,
    ))
}

async fn schemas(State(state): State<AppState>) -> Response {
    scim_json(StatusCode::OK, &discovery::schemas(base(&state)))
}

async fn schema(State(state): State<AppState>, Path(id): Path<String>) -> Answer {
    Ok(scim_json(
        StatusCode::OK,
        &discovery::one_schema(base(&state), &id)?,
    ))
}

/// What a list request asks: `filter`, `startIndex`, `count`, and whether a group's
/// members are wanted (`excludedAttributes=members` says not).
fn list_query(query: &HashMap<String, String>) -> Result<ListQuery, ScimError> {
    let whole = !query.get("excludedAttributes").is_some_and(|ex| {
        ex.split(',')
            .any(|a| a.trim().eq_ignore_ascii_case("members"))
    });
    Ok(ListQuery {
        filter: query.get("filter").cloned(),
        paging: Some(paging(query)?),
        whole,
    })
}

async fn list<R: Resource>(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let page = scim::list::<R>(&state, &p, &list_query(&query)?).await?;
    Ok(scim_json(StatusCode::OK, &page))
}

async fn get_one<R: Resource>(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let found: R = scim::get(&state, &p, &id).await?;
    Ok(resource(StatusCode::OK, &headers, &found, base(&state)))
}

async fn create<R: Resource>(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let made: R = scim::create(&state, &p, &body(&bytes)?).await?;
    Ok(resource(StatusCode::CREATED, &headers, &made, base(&state)))
}

/// PUT replaces, PATCH applies operations.
async fn change<R: Resource>(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    let body = body(&bytes)?;
    let how = if method == Method::PATCH {
        Change::Patch(&body)
    } else {
        Change::Replace(&body)
    };
    let after: R = scim::change(&state, &p, &id, if_match(&headers), how).await?;
    Ok(resource(StatusCode::OK, &headers, &after, base(&state)))
}

async fn delete<R: Resource>(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    scim::delete::<R>(&state, &p, &id, if_match(&headers)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! The problem answers each operation can give, in the OpenAPI document. An operation
//! declares the problems of its own (a missing thing, a clash, a rate limit) with its
//! `#[utoipa::path(responses(...))]`; the ones that follow from what it declares
//! otherwise are added here: every bearer operation may meet 401, 403, 408 and 503,
//! one that reads a body or a query may meet the reading's problems. Every problem
//! answer is given the `Problem` body, and its headers.

use super::{openapi::operations_mut, problem::Problem};
use utoipa::{
    openapi::{
        path::{Operation, ParameterIn},
        schema::{Object, Type},
        Content, Header, OpenApi, Ref, RefOr, Response,
    },
    Modify, ToSchema,
};

const PROBLEM_JSON: &str = "application/problem+json";

pub struct Problems;

impl Modify for Problems {
    fn modify(&self, openapi: &mut OpenApi) {
        for (_, operation) in openapi.paths.paths.values_mut().flat_map(operations_mut) {
            for (status, description) in implied(operation) {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::T(Response::new(description)));
            }
            let bearer = super::openapi::bearer_scope(operation).is_some();
            for (status, response) in &mut operation.responses.responses {
                if let RefOr::T(response) = response {
                    if status.starts_with(['4', '5']) {
                        give_problem_body(status, response, bearer);
                    }
                }
            }
        }
    }
}

/// The problems that follow from what `operation` declares: its bearer security, its
/// body, its query.
fn implied(operation: &Operation) -> Vec<(&'static str, &'static str)> {
    if super::openapi::bearer_scope(operation).is_none() {
        return Vec::new();
    }
    let mut statuses = vec![
        ("401", "The token is missing, malformed, unknown, expired, replaced (rolled) or revoked, or its owner is disabled."),
        ("403", "The token lacks the scope (insufficient-scope), the owner may not do this, or the \
                 token may not be used from the client's address (address-not-allowed)."),
        ("408", "The request did not arrive in time."),
        ("503", "The database cannot be reached for now: try again after Retry-After seconds."),
    ];
    let has_body = operation.request_body.is_some();
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query);
    if has_body {
        statuses.extend([
            ("400", "The body is not JSON."),
            ("413", "The body is larger than 64 KiB."),
            ("415", "The body is not sent as application/json."),
        ]);
    }
    if has_body || has_query {
        statuses.extend([
            ("400", "A parameter or field could not be read."),
            ("422", "A field breaks a rule (see errors)."),
        ]);
    }
    statuses
}

/// Gives a problem answer the `Problem` body, and the headers that come with its status
/// (the bearer challenge only where a bearer token is asked for).
fn give_problem_body(status: &str, response: &mut Response, bearer: bool) {
    if response.content.is_empty() {
        response.content.insert(
            PROBLEM_JSON.to_owned(),
            Content::new(Some(Ref::from_schema_name(Problem::name()))),
        );
    }
    let header = |kind: Type, description: &str| {
        let mut header = Header::new(Object::with_type(kind));
        header.description = Some(description.to_owned());
        header
    };
    match status {
        "401" if bearer => {
            response
                .headers
                .entry("WWW-Authenticate".into())
                .or_insert_with(|| {
                    header(
                        Type::String,
                        "Bearer realm=\"latchkey\", error=\"invalid_token\"",
                    )
                });
        }
        "503" => {
            response
                .headers
                .entry("Retry-After".into())
                .or_insert_with(|| header(Type::Integer, "Seconds to wait."));
        }
        _ => {}
    }
}

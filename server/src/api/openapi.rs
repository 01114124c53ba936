//! The OpenAPI 3.1 document's frame (title, tags, the bearer scheme); the operations
//! come from the handlers' declarations (see [`super::operations`]). Each operation
//! names the scope it needs as a bearer security requirement: the document is the
//! authorization contract.

use super::problem::{FieldProblem, Problem};
use axum::http::Method;
use utoipa::{
    openapi::{
        path::{Operation, PathItem},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
    Modify, OpenApi,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey API",
        description = "API tokens for integrations. Send `Authorization: Bearer <token>`. \
                       Errors are application/problem+json (RFC 9457). Every authenticated \
                       response carries X-Token-Scopes (the token's effective scopes) and \
                       X-Accepted-Scopes (what the operation needed)."
    ),
    modifiers(&BearerScheme),
    // TokenSort is named by the token list's `sort` parameter only, which utoipa does not
    // collect by itself.
    components(schemas(Problem, FieldProblem, types::tokens::TokenSort)),
    tags(
        (name = "tokens", description = "API tokens: create, list, read, roll, revoke, introspect"),
        (name = "users", description = "People and service accounts"),
        (name = "roles", description = "Roles, permissions and modules"),
        (name = "audit", description = "The audit log"),
        (name = "webhooks", description = "Webhook endpoints (Standard Webhooks signatures) and their deliveries"),
    )
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("lk_…")
                    .build(),
            ),
        );
    }
}

/// The operations of a path, with their methods.
pub fn operations(item: &PathItem) -> impl Iterator<Item = (Method, &Operation)> {
    [
        (Method::GET, &item.get),
        (Method::PUT, &item.put),
        (Method::POST, &item.post),
        (Method::DELETE, &item.delete),
        (Method::PATCH, &item.patch),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_ref().map(|op| (method, op)))
}

/// The operations of a path, to change.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::GET, &mut item.get),
        (Method::PUT, &mut item.put),
        (Method::POST, &mut item.post),
        (Method::DELETE, &mut item.delete),
        (Method::PATCH, &mut item.patch),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|op| (method, op)))
}

/// The scope an operation's bearer security requirement names (`""` for any valid
/// token), or `None` for an operation that takes no bearer token.
pub fn bearer_scope(operation: &Operation) -> Option<String> {
    // utoipa keeps a requirement's schemes private; its serialized form is the map.
    let requirement = operation.security.as_ref()?.first()?;
    let requirement = serde_json::to_value(requirement).ok()?;
    let scopes = requirement.get("bearer")?.as_array()?;
    Some(
        scopes
            .first()
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_owned(),
    )
}

//! The OpenAPI 3.1 document's frame (title, tags, the bearer scheme); the operations
//! come from the handlers' declarations (see [`super::operations`]). Each operation
//! names the scope it needs as a bearer security requirement: the document is the
//! authorization contract.

use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
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

/// The document's operations in reading order (by the document's tags, then by path), for
/// the console's API page.
pub fn reference() -> Vec<types::api_docs::ApiOperation> {
    let doc = super::document();
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let scope = op["security"][0]["bearer"][0].as_str().unwrap_or_default();
            operations.push(types::api_docs::ApiOperation {
                tag: op["tags"][0].as_str().unwrap_or_default().to_owned(),
                method: method.to_uppercase(),
                path: path.to_owned(),
                summary: op["summary"].as_str().unwrap_or_default().to_owned(),
                scope: scope.to_owned(),
            });
        }
    }
    // An operation under a tag the document does not list comes last.
    let order = |tag: &str| tags.iter().position(|t| *t == tag).unwrap_or(tags.len());
    operations.sort_by(|a, b| (order(&a.tag), &a.path).cmp(&(order(&b.tag), &b.path)));
    operations
}

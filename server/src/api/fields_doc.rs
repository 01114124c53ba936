//! The input rules of [`latchkey_core::fields`] and [`latchkey_core::modules::check_vocabulary`], written
//! into the OpenAPI document as patterns on the request bodies' fields, so that a request
//! the document calls valid is never refused for a rule it does not state.

use latchkey_core::fields;
use serde_json::{json, Value};

/// The shape of a permission or scope; which modules exist is the server's state
/// (`GET /api/v1/modules`).
const PERMISSION_PATTERN: &str =
    "^([a-z][a-z0-9-]{1,31}:(read|write)|tokens:admin|tokens:introspect|users:credentials)$";

/// Sets the pattern of every name, free text, email and permission field of the request
/// bodies (`New…` and `…Patch` schemas).
pub fn document_fields(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    let (name, text, email) = (
        fields::name_pattern(),
        fields::text_pattern(),
        fields::email_pattern(),
    );
    for (schema_name, schema) in schemas.iter_mut() {
        if !(schema_name.starts_with("New") || schema_name.ends_with("Patch")) {
            continue;
        }
        let Some(properties) = schema["properties"].as_object_mut() else {
            continue;
        };
        for (field, property) in properties.iter_mut() {
            match field.as_str() {
                "name" | "display_name" => property["pattern"] = json!(name),
                "description" => property["pattern"] = json!(text),
                "email" => property["pattern"] = json!(email),
                "permissions" | "scopes" => {
                    property["items"]["pattern"] = json!(PERMISSION_PATTERN);
                }
                _ => {}
            }
        }
    }
}

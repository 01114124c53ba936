//! The input rules of [`latchkey_core::fields`] and [`latchkey_core::modules::check_vocabulary`], written
//! into the OpenAPI document as patterns on the request bodies' fields, so that a request
//! the document calls valid is never refused for a rule it does not state.

use latchkey_core::fields;
use utoipa::{
    openapi::{
        schema::{ArrayItems, Schema},
        OpenApi, RefOr,
    },
    Modify,
};

/// The shape of a permission or scope; which modules exist is the server's state
/// (`GET /api/v1/modules`).
const PERMISSION_PATTERN: &str =
    "^([a-z][a-z0-9-]{1,31}:(read|write)|tokens:admin|tokens:introspect|users:credentials)$";

/// Sets the pattern of every name, free text, email and permission field of the request
/// bodies (`New…` and `…Patch` schemas).
pub struct FieldRules;

impl Modify for FieldRules {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let (name, text, email) = (
            fields::name_pattern(),
            fields::text_pattern(),
            fields::email_pattern(),
        );
        for (schema_name, schema) in &mut components.schemas {
            if !(schema_name.starts_with("New") || schema_name.ends_with("Patch")) {
                continue;
            }
            let RefOr::T(Schema::Object(object)) = schema else {
                continue;
            };
            for (field, property) in &mut object.properties {
                let (property, pattern) = match field.as_str() {
                    "name" | "display_name" => (property, name.clone()),
                    "description" => (property, text.clone()),
                    "email" => (property, email.clone()),
                    "permissions" | "scopes" => match property {
                        RefOr::T(Schema::Array(array)) => match &mut array.items {
                            ArrayItems::RefOrSchema(items) => {
                                (&mut **items, PERMISSION_PATTERN.to_owned())
                            }
                            ArrayItems::False => continue,
                        },
                        _ => continue,
                    },
                    _ => continue,
                };
                if let RefOr::T(Schema::Object(field)) = property {
                    field.pattern = Some(pattern);
                }
            }
        }
    }
}

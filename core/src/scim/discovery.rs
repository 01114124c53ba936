//! What a directory reads to learn this service (RFC 7643 §5 to §7): its configuration,
//! its resource types, and the schemas of the attributes it keeps.

use super::{
    list_response, Paging, Problem, ScimResult, GROUP_SCHEMA, MAX_RESULTS, PREFIX, USER_SCHEMA,
};
use serde_json::{json, Value};

const CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

fn discovery_meta(kind: &str, location: String) -> Value {
    json!({ "resourceType": kind, "location": location })
}

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [CONFIG_SCHEMA],
        "documentationUri": format!("{base}/api"),
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Latchkey API token",
            "description": "A Latchkey token with the scim:write scope (scim:read to read only), as Authorization: Bearer <token>.",
            "primary": true,
        }],
        "meta": discovery_meta("ServiceProviderConfig", format!("{base}{PREFIX}/ServiceProviderConfig")),
    })
}

fn resource_type(base: &str, id: &str) -> Option<Value> {
    let (endpoint, schema, description) = match id {
        "User" => (
            "/Users",
            USER_SCHEMA,
            "A person who signs in to the console",
        ),
        "Group" => (
            "/Groups",
            GROUP_SCHEMA,
            "A role, and the people who hold it",
        ),
        _ => return None,
    };
    Some(json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": id,
        "name": id,
        "endpoint": endpoint,
        "description": description,
        "schema": schema,
        "meta": discovery_meta("ResourceType", format!("{base}{PREFIX}/ResourceTypes/{id}")),
    }))
}

pub fn resource_types(base: &str) -> Value {
    let all: Vec<Value> = ["User", "Group"]
        .into_iter()
        .filter_map(|id| resource_type(base, id))
        .collect();
    list_response(all.len() as i64, Paging::new(None, None), all)
}

pub fn one_resource_type(base: &str, id: &str) -> ScimResult<Value> {
    resource_type(base, id)
        .ok_or_else(|| Problem::not_found(&format!("The resource type {id}")).into())
}

/// An attribute's description; `extra` adds to or overrides its defaults.
fn attribute(name: &str, kind: &str, description: &str, extra: Value) -> Value {
    let mut a = json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": description,
        "required": false,
        "mutability": "readWrite",
        "returned": "default",
    });
    if kind == "string" || kind == "reference" {
        a["caseExact"] = json!(false);
        a["uniqueness"] = json!("none");
    }
    if let (Some(a), Some(extra)) = (a.as_object_mut(), extra.as_object()) {
        a.extend(extra.clone());
    }
    a
}

/// The sub-attributes of a multi-valued reference (`groups`, `members`).
fn reference_parts(to: &str, mutability: &str) -> Value {
    json!([
        attribute(
            "value",
            "string",
            &format!("The {to}'s id."),
            json!({ "mutability": mutability })
        ),
        attribute(
            "$ref",
            "reference",
            &format!("The {to}'s URI."),
            json!({ "mutability": mutability, "referenceTypes": [to] })
        ),
        attribute(
            "display",
            "string",
            &format!("The {to}'s name."),
            json!({ "mutability": "readOnly" })
        ),
        attribute(
            "type",
            "string",
            "How the membership holds.",
            json!({ "mutability": mutability })
        ),
    ])
}

fn schema(base: &str, id: &str) -> Option<Value> {
    let (name, description, attributes) = match id {
        USER_SCHEMA => (
            "User",
            "A person who signs in to the console.",
            json!([
                attribute(
                    "userName",
                    "string",
                    "The person's e-mail address, which they sign in with.",
                    json!({ "required": true, "uniqueness": "server" })
                ),
                attribute(
                    "name",
                    "complex",
                    "The person's name in parts.",
                    json!({ "subAttributes": [
                    attribute("formatted", "string", "The whole name.", json!({})),
                    attribute("familyName", "string", "The family name.", json!({})),
                    attribute("givenName", "string", "The given name.", json!({})),
                ] })
                ),
                attribute(
                    "displayName",
                    "string",
                    "The name the console shows.",
                    json!({})
                ),
                attribute(
                    "active",
                    "boolean",
                    "Whether the person may sign in; false stops every token they own or made.",
                    json!({})
                ),
                attribute(
                    "emails",
                    "complex",
                    "The person's address, the same as userName.",
                    json!({
                        "multiValued": true,
                        "subAttributes": [
                            attribute("value", "string", "The address.", json!({})),
                            attribute("type", "string", "work", json!({})),
                            attribute("primary", "boolean", "Always true.", json!({})),
                        ],
                    })
                ),
                attribute(
                    "groups",
                    "complex",
                    "The role the person holds.",
                    json!({
                        "multiValued": true, "mutability": "readOnly", "subAttributes": reference_parts("Group", "readOnly"),
                    })
                ),
            ]),
        ),
        GROUP_SCHEMA => (
            "Group",
            "A role, and the people who hold it.",
            json!([
                attribute(
                    "displayName",
                    "string",
                    "The role's name.",
                    json!({ "required": true, "uniqueness": "server" })
                ),
                attribute(
                    "members",
                    "complex",
                    "The people who hold the role.",
                    json!({
                        "multiValued": true, "subAttributes": reference_parts("User", "immutable"),
                    })
                ),
            ]),
        ),
        _ => return None,
    };
    Some(json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": discovery_meta("Schema", format!("{base}{PREFIX}/Schemas/{id}")),
    }))
}

pub fn schemas(base: &str) -> Value {
    let all: Vec<Value> = [USER_SCHEMA, GROUP_SCHEMA]
        .into_iter()
        .filter_map(|id| schema(base, id))
        .collect();
    list_response(all.len() as i64, Paging::new(None, None), all)
}

pub fn one_schema(base: &str, id: &str) -> ScimResult<Value> {
    schema(base, id).ok_or_else(|| Problem::not_found(&format!("The schema {id}")).into())
}

//! The problem answers each operation can give, written into the OpenAPI document from
//! what the operation declares (its scope, body, parameters, path and method), so that
//! the document names every status a client may meet.

use serde_json::{json, Value};

/// Adds the `Problem` schema and each operation's problem responses to `doc`.
pub fn document_problems(doc: &mut Value) {
    doc["components"]["schemas"]["Problem"] = json!({
        "type": "object",
        "description": "An error, as RFC 9457 application/problem+json.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": { "type": "string", "description": "/api/v1/problems/<kind>" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string", "description": "What went wrong, for a person to act on." },
            "scope": { "type": "string", "description": "With 403 insufficient-scope: the scope needed." },
            "errors": {
                "type": "array",
                "description": "With 409 and 422: the field at fault and the rule.",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": { "field": { "type": "string" }, "message": { "type": "string" } }
                }
            }
        }
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let statuses = problem_statuses(path, method, operation);
            let responses = &mut operation["responses"];
            for (status, description) in statuses {
                if responses.get(status).is_none() {
                    responses[status] = problem_response(status, description);
                }
            }
        }
    }
}

fn problem_statuses(
    path: &str,
    method: &str,
    operation: &Value,
) -> Vec<(&'static str, &'static str)> {
    if operation["security"][0]["bearer"].as_array().is_none() {
        return Vec::new();
    }
    let mut statuses = vec![
        ("401", "The token is missing, malformed, unknown, expired, replaced (rolled) or revoked, or its owner is disabled."),
        ("408", "The request did not arrive in time."),
        ("503", "The database cannot be reached for now: try again after Retry-After seconds."),
    ];
    statuses.push((
        "403",
        "The token lacks the scope (insufficient-scope), the owner may not do this, or the \
         token may not be used from the client's address (address-not-allowed).",
    ));
    let has_body = operation.get("requestBody").is_some();
    let has_query = operation["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
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
    if path.contains("{id}") {
        statuses.push(("404", "There is no such thing, or it is not yours to see."));
    } else if method == "post" && matches!(path, "/api/v1/users" | "/api/v1/tokens") {
        statuses.push(("404", "The role or owner the body names does not exist."));
    }
    if path == "/api/v1/webhooks/{id}/test" {
        statuses.push((
            "429",
            "At most 5 test events a minute per endpoint: try again in a minute.",
        ));
    }
    let changes = matches!(method, "post" | "patch" | "delete");
    if changes && (!path.starts_with("/api/v1/tokens/") || path.ends_with("/roll")) {
        statuses.push((
            "409",
            "It clashes with what exists (a name taken, a role in use, the last administrator).",
        ));
    }
    statuses
}

fn problem_response(status: &str, description: &str) -> Value {
    let mut response = json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    });
    match status {
        "401" => {
            response["headers"] = json!({
                "WWW-Authenticate": { "schema": { "type": "string" },
                    "description": "Bearer realm=\"latchkey\", error=\"invalid_token\"" }
            })
        }
        "503" => {
            response["headers"] = json!({
                "Retry-After": { "schema": { "type": "integer" }, "description": "Seconds to wait." }
            })
        }
        _ => {}
    }
    response
}

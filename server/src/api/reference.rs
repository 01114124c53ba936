//! The console's API reference, read once from the OpenAPI document: its operations grouped
//! by resource (the document's tags, in the document's order), each with its description
//! rendered from Markdown and an example request and answer built from its schemas.

use axum::http::StatusCode;
use pulldown_cmark::{html, Event, Parser};
use serde_json::{json, Map, Value};
use types::api_docs::{ApiGroup, ApiOperation};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// The reference, with examples addressed to `base_url` (the public address).
pub fn reference(base_url: &str) -> Vec<ApiGroup> {
    let doc = serde_json::to_value(super::document()).expect("the OpenAPI document serializes");
    let mut groups: Vec<ApiGroup> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tag| ApiGroup {
            name: text(&tag["name"]).to_owned(),
            description_html: markdown(text(&tag["description"])),
            operations: Vec::new(),
        })
        .collect();
    let empty = Map::new();
    for (path, item) in doc["paths"].as_object().unwrap_or(&empty) {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = text(&op["tags"][0]);
            let group = match groups.iter().position(|g| g.name == tag) {
                Some(i) => i,
                // An operation under a tag the document does not list comes last.
                None => {
                    groups.push(ApiGroup {
                        name: tag.to_owned(),
                        description_html: String::new(),
                        operations: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            groups[group]
                .operations
                .push(operation(&doc, base_url, method, path, op));
        }
    }
    for group in &mut groups {
        group.operations.sort_by(|a, b| a.path.cmp(&b.path));
    }
    groups.retain(|g| !g.operations.is_empty());
    groups
}

fn operation(doc: &Value, base_url: &str, method: &str, path: &str, op: &Value) -> ApiOperation {
    let scope = op["security"][0]["bearer"]
        .as_array()
        .map(|scopes| scopes.first().map(text).unwrap_or_default().to_owned());
    ApiOperation {
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary_html: inline_markdown(text(&op["summary"])),
        description_html: markdown(text(&op["description"])),
        scope: scope.clone(),
        example_request: request(doc, base_url, method, path, op, scope.is_some()),
        example_response: response(doc, op),
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// Markdown to HTML. Raw HTML in the source is shown as text, never passed through.
fn markdown(source: &str) -> String {
    let events = Parser::new(source).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// A one-line summary's Markdown, without the paragraph around it.
fn inline_markdown(source: &str) -> String {
    let rendered = markdown(source);
    let trimmed = rendered.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|r| r.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => rendered,
    }
}

/// A `curl` command for the operation: its path parameters filled in, its required query
/// parameters added, its JSON body an example of its schema.
fn request(
    doc: &Value,
    base_url: &str,
    method: &str,
    path: &str,
    op: &Value,
    bearer: bool,
) -> String {
    let mut url = path.to_owned();
    let mut query = Vec::new();
    for parameter in op["parameters"].as_array().into_iter().flatten() {
        let name = text(&parameter["name"]);
        let value = example(doc, &parameter["schema"], name, 0);
        let value = match &value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match text(&parameter["in"]) {
            "path" => url = url.replace(&format!("{{{name}}}"), &value),
            "query" if parameter["required"] == json!(true) => {
                query.push(format!("{name}={value}"))
            }
            _ => {}
        }
    }
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let mut lines = vec![format!(
        "curl -X {} '{}{url}'",
        method.to_uppercase(),
        base_url.trim_end_matches('/')
    )];
    if bearer {
        lines.push("-H \"Authorization: Bearer $LATCHKEY_TOKEN\"".to_owned());
    }
    let body = &op["requestBody"]["content"]["application/json"]["schema"];
    if !body.is_null() {
        let body = serde_json::to_string_pretty(&example(doc, body, "", 0)).unwrap_or_default();
        lines.push("-H 'Content-Type: application/json'".to_owned());
        lines.push(format!("-d '{}'", body.replace('\'', "'\\''")));
    }
    lines.join(" \\\n  ")
}

/// The first successful answer: its status line, and an example of its body.
fn response(doc: &Value, op: &Value) -> String {
    let empty = Map::new();
    let responses = op["responses"].as_object().unwrap_or(&empty);
    let Some((status, answer)) = responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .min_by_key(|(status, _)| status.as_str())
    else {
        return String::new();
    };
    let reason = status
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .and_then(|code| code.canonical_reason())
        .unwrap_or_default();
    let mut out = format!("HTTP/1.1 {status} {reason}");
    let content = answer["content"].as_object();
    if let Some((media, body)) = content.and_then(|c| c.iter().next()) {
        out.push_str(&format!("\nContent-Type: {media}\n\n"));
        let body = example(doc, &body["schema"], "", 0);
        out.push_str(&match body {
            Value::String(text) => text,
            other => serde_json::to_string_pretty(&other).unwrap_or_default(),
        });
    }
    out
}

/// An example of a value of `schema`: the schema's own example where it gives one, else
/// one made from its type, its format and the property's `name`.
fn example(doc: &Value, schema: &Value, name: &str, depth: u8) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let target = reference
            .strip_prefix("#/")
            .map(|path| path.split('/').fold(doc, |at, key| &at[key]))
            .unwrap_or(&Value::Null);
        return example(doc, target, name, depth + 1);
    }
    if let Some(given) = schema.get("example").filter(|v| !v.is_null()) {
        return given.clone();
    }
    if let Some(given) = schema["examples"].as_array().and_then(|e| e.first()) {
        return given.clone();
    }
    if let Some(first) = schema["enum"]
        .as_array()
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema[key].as_array() {
            let chosen = alternatives
                .iter()
                .find(|s| s["type"] != json!("null"))
                .unwrap_or(&Value::Null);
            return example(doc, chosen, name, depth + 1);
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in parts {
            match example(doc, part, name, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other if parts.len() == 1 => return other,
                _ => {}
            }
        }
        return Value::Object(merged);
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.as_str(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        _ if schema["properties"].is_object() => "object",
        _ => "null",
    };
    match kind {
        "object" => {
            let mut fields = Map::new();
            for (property, inner) in schema["properties"].as_object().into_iter().flatten() {
                fields.insert(property.clone(), example(doc, inner, property, depth + 1));
            }
            Value::Object(fields)
        }
        "array" => {
            let singular = name.strip_suffix('s').unwrap_or(name);
            json!([example(doc, &schema["items"], singular, depth + 1)])
        }
        "string" => json!(string_example(name, text(&schema["format"]))),
        "integer" => json!(match name {
            "limit" => 20,
            "requests" | "count" | "total" => 128,
            _ => 42,
        }),
        "number" => json!(1.5),
        "boolean" => json!(name != "revoked"),
        _ => Value::Null,
    }
}

fn string_example(name: &str, format: &str) -> String {
    match format {
        "date-time" => return "2027-03-31T23:59:00Z".into(),
        "date" => return "2027-03-31".into(),
        "uri" | "url" => return "https://erp.example.com/hooks/latchkey".into(),
        "email" => return "ada@example.com".into(),
        _ => {}
    }
    match name {
        "id" | "token_id" | "public_id" | "replaced_by" | "replaces" => "k3Jd8Qm2Zx7A",
        "name" => "ERP nightly sync",
        "display_name" | "owner_name" | "actor_name" => "Ada Lovelace",
        "email" => "ada@example.com",
        "scope" => "tokens:read",
        "permission" => "users:read",
        "url" => "https://erp.example.com/hooks/latchkey",
        "description" => "Posts the night's orders to the ERP",
        "token" => "lk_k3Jd8Qm2Zx7A_…",
        "allowed_ip" | "addr" => "203.0.113.7",
        "slug" | "module" => "shipping",
        _ => "…",
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_raw_html_is_shown_as_text() {
        assert_eq!(
            inline_markdown("Send `Authorization: Bearer <token>`."),
            "Send <code>Authorization: Bearer &lt;token&gt;</code>."
        );
        assert_eq!(
            inline_markdown("a <script>x</script> b"),
            "a &lt;script&gt;x&lt;/script&gt; b"
        );
    }

    #[test]
    fn every_operation_is_grouped_by_its_resource_in_the_documents_order_with_an_example() {
        let groups = reference("https://latchkey.example.com/");
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(
            names[..5],
            ["tokens", "users", "roles", "audit", "webhooks"]
        );
        let operations: usize = groups.iter().map(|g| g.operations.len()).sum();
        let declared: usize = super::super::document()
            .paths
            .paths
            .values()
            .map(|item| super::super::openapi::operations(item).count())
            .sum();
        assert_eq!(
            operations, declared,
            "an operation is missing from the reference"
        );
        for op in groups.iter().flat_map(|g| &g.operations) {
            assert!(
                op.example_request.starts_with(&format!(
                    "curl -X {} 'https://latchkey.example.com/api/v1/",
                    op.method
                )),
                "{}",
                op.example_request
            );
            let command = op.example_request.lines().next().unwrap_or_default();
            assert!(
                !command.contains('{'),
                "a path parameter is left unfilled: {command}"
            );
            assert!(
                op.example_response.starts_with("HTTP/1.1 2"),
                "{} {}: {}",
                op.method,
                op.path,
                op.example_response
            );
            assert!(
                !op.summary_html.contains('`'),
                "raw Markdown: {}",
                op.summary_html
            );
        }
        let create = groups[0]
            .operations
            .iter()
            .find(|op| op.method == "POST" && op.path == "/api/v1/tokens")
            .expect("POST /api/v1/tokens");
        assert_eq!(create.scope.as_deref(), Some("tokens:write"));
        assert!(create
            .example_request
            .contains("-H 'Content-Type: application/json'"));
        assert!(
            create
                .example_request
                .contains("\"name\": \"ERP nightly sync\""),
            "{}",
            create.example_request
        );
        assert!(create
            .example_response
            .starts_with("HTTP/1.1 201 Created\nContent-Type: application/json\n\n{"));
    }
}

//! The OpenAPI document.

use crate::helpers::{api::problem, *};
use serde_json::{json, Value};
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_openapi_document_states_each_operations_scope(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        doc["paths"]["/api/v1/tokens"]["post"]["security"],
        json!([{ "bearer": ["tokens:write"] }])
    );
    assert_eq!(
        doc["paths"]["/api/v1/tokens/introspect"]["post"]["security"],
        json!([{ "bearer": ["tokens:introspect"] }])
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// Every scope with which a token may be made for the administrator.
const EVERY_SCOPE: &[&str] = &[
    "tokens:admin",
    "tokens:write",
    "tokens:introspect",
    "users:write",
    "roles:write",
    "audit:read",
];

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn every_operation_enforces_the_scope_its_document_states(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let scope = operation["security"][0]["bearer"][0]
                .as_str()
                .unwrap_or_default();
            if scope.is_empty() {
                continue;
            }
            // A token with every scope but the one stated (and what would imply it).
            let implied_by = scope.replace(":read", ":write");
            let others: Vec<&str> = EVERY_SCOPE
                .iter()
                .copied()
                .filter(|s| *s != scope && *s != implied_by)
                .collect();
            let name = format!("Without {scope} {checked}");
            let without = app.token_for(admin, &name, &others).await;
            let url = app.url(&path.replace("{id}", "1"));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let refused = app
                .another_browser()
                .request(method.clone(), &url)
                .bearer_auth(&without)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let refused = problem(refused).await;
            assert_eq!(
                (
                    refused.status.as_u16(),
                    refused.kind.as_str(),
                    &refused.body["scope"]
                ),
                (403, "insufficient-scope", &json!(scope)),
                "{method} {path} states {scope}: {}",
                refused.detail
            );
            // With the scope, the same request gets past the scope check.
            let with = app
                .token_for(admin, &format!("With {scope} {checked}"), &[scope])
                .await;
            let answered = app
                .another_browser()
                .request(method.clone(), &url)
                .bearer_auth(&with)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_eq!(answered.headers()["x-accepted-scopes"], scope);
            // Whatever it answered, refused or not, the document names.
            let documented =
                |status: reqwest::StatusCode| operation["responses"][status.as_str()].is_object();
            assert!(
                documented(answered.status()),
                "{method} {path}: {} undocumented",
                answered.status()
            );
            assert!(
                documented(refused.status),
                "{method} {path}: 403 undocumented"
            );
            let problem = &operation["responses"]["401"]["content"]["application/problem+json"];
            assert!(problem.is_object(), "{method} {path}: 401 undocumented");
            let body: Value = answered.json().await.unwrap_or_default();
            assert_ne!(
                body["type"], "/api/v1/problems/insufficient-scope",
                "{method} {path} with {scope}: {body}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 28, "operations that state a scope");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn every_problem_the_document_names_has_the_problem_body(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let required = &doc["components"]["schemas"]["Problem"]["required"];
    assert_eq!(required, &json!(["type", "title", "status", "detail"]));
    let mut problems = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if !status.starts_with(['4', '5']) {
                    continue;
                }
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path} {status}"
                );
                problems += 1;
            }
        }
    }
    assert!(problems > 100, "{problems}");
    // What an operation can meet of its own is declared with it...
    let responses = |path: &str, method: &str| doc["paths"][path][method]["responses"].clone();
    let test_event = responses("/api/v1/webhooks/{id}/test", "post");
    assert!(test_event["429"].is_object() && test_event["404"].is_object());
    assert!(
        test_event["409"].is_null(),
        "sending a test event clashes with nothing"
    );
    assert!(responses("/api/v1/roles/{id}", "delete")["409"].is_object());
    // ...and what follows from its body or query is there because it has one.
    assert!(responses("/api/v1/roles", "get")["422"].is_null());
    assert!(responses("/api/v1/tokens", "get")["422"].is_object());
    assert!(responses("/api/v1/roles", "post")["415"].is_object());
    // The bearer challenge is documented where a bearer token is asked for.
    assert!(responses("/api/v1/me", "get")["401"]["headers"]["WWW-Authenticate"].is_object());
    assert!(responses("/api/v1/leaks", "post")["401"]["headers"].is_null());
}

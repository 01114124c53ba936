//! The OpenAPI document.

use crate::helpers::*;
use serde_json::{json, Value};
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
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

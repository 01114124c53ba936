//! Introspection: other services asking whether a token is active.

use crate::helpers::{
    api::{json, problem},
    *,
};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn introspection_tells_other_services_whether_a_token_is_active(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let gateway = app
        .token_for(admin, "API gateway", &["tokens:introspect"])
        .await;
    let client_token = app.token_for(admin, "Client", &["users:read"]).await;
    let active = json(
        app.api_post(
            "/tokens/introspect",
            &gateway,
            json!({ "token": client_token }),
        )
        .await,
    )
    .await;
    assert_eq!(active["active"], true);
    assert_eq!(active["scopes"], json!(["users:read"]));
    assert_eq!(active["owner"]["id"], admin);
    let garbage = json(
        app.api_post(
            "/tokens/introspect",
            &gateway,
            json!({ "token": "nonsense" }),
        )
        .await,
    )
    .await;
    assert_eq!(garbage, json!({ "active": false }));
    let not_allowed = problem(
        app.api_post(
            "/tokens/introspect",
            &client_token,
            json!({ "token": gateway }),
        )
        .await,
    )
    .await;
    assert_eq!(not_allowed.body["scope"], "tokens:introspect");
}

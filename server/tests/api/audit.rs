//! The audit log through the REST API.

use crate::helpers::{
    api::{json, ALL_ADMIN},
    *,
};
use reqwest::Method;
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn every_change_is_in_the_audit_log(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let role = app.role(&admin_token, "Readers", &["users:read"]).await;
    let erp = app.service_account(&admin_token, "ERP", role).await;
    let created = json(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "ERP", "owner_id": erp, "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    let id = created["id"].as_str().unwrap();
    app.api(Method::DELETE, &format!("/tokens/{id}"), &admin_token, None)
        .await;
    app.api(
        Method::PATCH,
        &format!("/users/{erp}"),
        &admin_token,
        Some(json!({ "active": false })),
    )
    .await;
    app.api_post(
        "/modules",
        &admin_token,
        json!({ "slug": "shipping", "description": "Shipping and receiving" }),
    )
    .await;

    let log = json(app.api_get("/audit?limit=100", &admin_token).await).await;
    let events = log["items"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "module.added",
        "user.disabled",
        "token.revoked",
        "token.created",
        "user.created",
        "role.created",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let created_event = events
        .iter()
        .find(|e| e["action"] == "token.created" && e["target"] == id)
        .unwrap();
    assert!(
        created_event["actor"]
            .as_str()
            .unwrap()
            .contains("via token lk_"),
        "{created_event}"
    );
    assert_eq!(created_event["details"]["scopes"], json!(["users:read"]));
    // What the target is, so that a reader can link to it.
    assert_eq!(created_event["target_kind"], "token");
    let filtered = json(app.api_get("/audit?action=token.", &admin_token).await).await;
    assert!(filtered["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"].as_str().unwrap().starts_with("token.")));
}

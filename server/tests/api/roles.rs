//! Roles through the REST API: a token reaches what its owner's role allows, now.

use crate::helpers::{
    api::{json, problem, ALL_ADMIN},
    *,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn changing_the_owners_role_changes_what_the_token_reaches(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let role = app.role(&admin_token, "HR Sync", &["users:write"]).await;
    let hr = app.service_account(&admin_token, "HR system", role).await;
    let token = app.token_for(hr, "HR sync", &["users:write"]).await;

    let me = app.api_get("/me", &token).await;
    assert_eq!(me.headers()["x-token-scopes"], "users:write");
    let summary = format!("/tokens/{}", &token[3..15]);
    let read = json(app.api_get(&summary, &admin_token).await).await;
    assert_eq!(read["ineffective"], json!(null));
    let created = app
        .api_post(
            "/users",
            &token,
            json!({ "kind": "service", "display_name": "Badge reader", "role_id": role }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    // The role now only reads: so does the token, from the next request on.
    let patched = app
        .api(
            Method::PATCH,
            &format!("/roles/{role}"),
            &admin_token,
            Some(json!({ "permissions": ["users:read"] })),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let me = json(app.api_get("/me", &token).await).await;
    assert_eq!(me["token"]["scopes"], json!(["users:write"]));
    assert_eq!(me["token"]["effective_scopes"], json!(["users:read"]));
    // The token's summary says which of its scopes the role no longer allows, and why.
    let read = json(app.api_get(&summary, &admin_token).await).await;
    assert_eq!(
        read["ineffective"],
        json!({ "scopes": ["users:write"], "because": { "owner_role": "HR Sync" } })
    );
    let refused = app
        .api_post(
            "/users",
            &token,
            json!({ "kind": "service", "display_name": "Door", "role_id": role }),
        )
        .await;
    let refused = problem(refused).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.kind, "insufficient-scope");
    assert_eq!(refused.body["scope"], "users:write");
    assert!(refused
        .www_authenticate
        .contains("error=\"insufficient_scope\""));
    assert!(refused.www_authenticate.contains("scope=\"users:write\""));
    assert_eq!(app.api_get("/users", &token).await.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn changing_or_deleting_a_role_needs_all_of_its_permissions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    // An HR sync that manages users and roles, and a role it does not outrank.
    let hr_role = app
        .role(&admin_token, "HR Sync", &["users:write", "roles:write"])
        .await;
    let hr = app
        .service_account(&admin_token, "HR system", hr_role)
        .await;
    let token = app
        .token_for(hr, "HR sync", &["users:write", "roles:write"])
        .await;
    let auditors = app
        .role(&admin_token, "Auditors", &["users:read", "audit:read"])
        .await;
    let auditor = app
        .service_account(&admin_token, "Audit export", auditors)
        .await;

    // Rewriting the role down to what it holds would let it then disable the role's users.
    let rewrite = problem(
        app.api(
            Method::PATCH,
            &format!("/roles/{auditors}"),
            &token,
            Some(json!({ "permissions": ["users:read"] })),
        )
        .await,
    )
    .await;
    assert_eq!(rewrite.status, StatusCode::FORBIDDEN);
    assert!(
        rewrite.detail.contains("Auditors includes audit:read"),
        "{}",
        rewrite.detail
    );
    let removed = app
        .api(Method::DELETE, &format!("/roles/{auditors}"), &token, None)
        .await;
    assert_eq!(removed.status(), StatusCode::FORBIDDEN);
    let disabled = app
        .api(
            Method::PATCH,
            &format!("/users/{auditor}"),
            &token,
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::FORBIDDEN);
    let permissions: Vec<String> =
        sqlx::query_scalar("SELECT permissions FROM roles WHERE id = $1")
            .bind(auditors)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(permissions, ["audit:read", "users:read"]);

    // A role within its reach it may change and delete.
    let readers = app.role(&admin_token, "Readers", &["users:read"]).await;
    let renamed = app
        .api(
            Method::PATCH,
            &format!("/roles/{readers}"),
            &token,
            Some(json!({ "name": "User readers" })),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let deleted = app
        .api(Method::DELETE, &format!("/roles/{readers}"), &token, None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

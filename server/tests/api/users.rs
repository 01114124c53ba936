//! Users and service accounts through the REST API, and what changing them does to their tokens.

use crate::helpers::{
    api::{problem, ALL_ADMIN},
    *,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn writing_users_reaches_only_users_whose_role_one_holds(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let role = app.role(&admin_token, "HR Sync", &["users:write"]).await;
    let hr = app.service_account(&admin_token, "HR system", role).await;
    let token = app.token_for(hr, "HR sync", &["users:write"]).await;
    let badge = app
        .service_account(&admin_token, "Badge reader", role)
        .await;
    // A second administrator, so that losing the first would not leave none.
    sqlx::query(
        "INSERT INTO users (email, display_name, kind, password_hash, role_id)
         SELECT 'grace@example.com', 'Grace', 'human', 'not a usable hash', id
         FROM roles WHERE name = 'Administrator'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // Its own kind of user, it may change and delete.
    let renamed = app
        .api(
            Method::PATCH,
            &format!("/users/{badge}"),
            &token,
            Some(json!({ "display_name": "Badge reader, hall B" })),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);

    // The administrator it may neither disable, demote nor delete.
    for (method, body) in [
        (Method::PATCH, Some(json!({ "active": false }))),
        (Method::PATCH, Some(json!({ "role_id": role }))),
        (Method::DELETE, None),
    ] {
        let refused = problem(
            app.api(method.clone(), &format!("/users/{admin}"), &token, body)
                .await,
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method}");
        assert!(
            refused.detail.contains("their role Administrator includes"),
            "{}",
            refused.detail
        );
    }
    let still: (bool, String) = sqlx::query_as(
        "SELECT u.active, r.name FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = $1",
    )
    .bind(admin)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(still, (true, "Administrator".to_owned()));

    let deleted = app
        .api(Method::DELETE, &format!("/users/{badge}"), &token, None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_disabled_owner_disables_the_token_and_deleting_revokes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let role = app.role(&admin_token, "Readers", &["users:read"]).await;
    let erp = app.service_account(&admin_token, "ERP", role).await;
    let token = app.token_for(erp, "ERP sync", &["users:read"]).await;

    let disable = app
        .api(
            Method::PATCH,
            &format!("/users/{erp}"),
            &admin_token,
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(disable.status(), StatusCode::OK);
    let refused = problem(app.api_get("/me", &token).await).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.detail, "The token's owner is disabled.");

    app.api(
        Method::PATCH,
        &format!("/users/{erp}"),
        &admin_token,
        Some(json!({ "active": true })),
    )
    .await;
    assert_eq!(app.api_get("/me", &token).await.status(), StatusCode::OK);

    let deleted = app
        .api(Method::DELETE, &format!("/users/{erp}"), &admin_token, None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.api_get("/me", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

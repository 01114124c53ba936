//! Users and service accounts through the REST API, and what changing them does to their tokens.

use crate::helpers::{
    api::{json, problem, ALL_ADMIN},
    *,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
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

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
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

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn disabling_or_deleting_a_token_admin_offers_revoking_what_they_made(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let readers = app.role(&admin_token, "Readers", &["users:read"]).await;
    let erp = app.service_account(&admin_token, "ERP", readers).await;
    let wms = app.service_account(&admin_token, "WMS", readers).await;
    // Lin, a token admin, makes tokens for both.
    const LIN: &[&str] = &["tokens:admin", "tokens:write", "users:read"];
    let token_admins = app.role(&admin_token, "Token admins", LIN).await;
    let lin = app
        .service_account(&admin_token, "Lin's provisioning", token_admins)
        .await;
    let lins = app.token_for(lin, "Lin's provisioning", LIN).await;
    let mut made = Vec::new();
    for owner in [erp, wms] {
        let created = json(
            app.api_post(
                "/tokens",
                &lins,
                json!({ "name": "Integration", "owner_id": owner, "scopes": ["users:read"] }),
            )
            .await,
        )
        .await;
        made.push(created["token"].as_str().unwrap().to_owned());
    }

    // The user and the list say what disabling Lin may revoke.
    let user = json(app.api_get(&format!("/users/{lin}"), &admin_token).await).await;
    assert_eq!(user["created_tokens"], 2);
    let listed = json(
        app.api_get(&format!("/tokens?created_by={lin}"), &admin_token)
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // Disabled without revoking, what Lin made keeps working...
    let disabled = app
        .api(
            Method::PATCH,
            &format!("/users/{lin}"),
            &admin_token,
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(app.api_get("/me", &made[0]).await.status(), StatusCode::OK);
    // ...and with it, stops.
    let enabled = app
        .api(
            Method::PATCH,
            &format!("/users/{lin}"),
            &admin_token,
            Some(json!({ "active": true })),
        )
        .await;
    assert_eq!(enabled.status(), StatusCode::OK);
    let disabled = app
        .api(
            Method::PATCH,
            &format!("/users/{lin}"),
            &admin_token,
            Some(json!({ "active": false, "revoke_created_tokens": true })),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    for token in &made {
        assert_eq!(
            app.api_get("/me", token).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let user = json(app.api_get(&format!("/users/{lin}"), &admin_token).await).await;
    assert_eq!(user["created_tokens"], 0);

    // Deleting offers the same.
    sqlx::query("UPDATE users SET active = true WHERE id = $1")
        .bind(lin)
        .execute(&app.pool)
        .await
        .unwrap();
    let another = app.token_for(lin, "Another", LIN).await;
    let late = json(
        app.api_post(
            "/tokens",
            &another,
            json!({ "name": "Late integration", "owner_id": erp, "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    let late = late["token"].as_str().unwrap().to_owned();
    let deleted = app
        .api(
            Method::DELETE,
            &format!("/users/{lin}?revoke_created_tokens=true"),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.api_get("/me", &late).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_creates_people_with_passwords_only_with_users_credentials(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let members = app.role(&admin_token, "Readers", &["users:read"]).await;
    let person = json!({ "email": "eve@example.com", "display_name": "Eve",
                         "password": "a password of her choosing", "role_id": members });
    let hr_sync = app.token_for(admin, "HR sync", &["users:write"]).await;
    let refused = problem(app.api_post("/users", &hr_sync, person.clone()).await).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body["scope"], "users:credentials");
    // Service accounts, which cannot sign in, it may create.
    let service = app
        .api_post(
            "/users",
            &hr_sync,
            json!({ "kind": "service", "display_name": "Badge reader", "role_id": members }),
        )
        .await;
    assert_eq!(service.status(), StatusCode::CREATED);
    let provisioning = app
        .token_for(
            admin,
            "People provisioning",
            &["users:write", "users:credentials"],
        )
        .await;
    let created = app.api_post("/users", &provisioning, person).await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

/// The list's kind is `human` or `service`: another word is refused, naming both.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_kind_of_user_the_list_does_not_know_is_refused_naming_both(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.admin_with_token(ALL_ADMIN).await;
    let services = json(app.api_get("/users?kind=service", &token).await).await;
    assert_eq!(services["items"], serde_json::json!([]));
    assert_eq!(
        app.api_get("/users?kind=", &token).await.status(),
        StatusCode::OK
    );
    let refused = problem(app.api_get("/users?kind=robot", &token).await).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"][0]["field"], "kind");
    let message = refused.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("human") && message.contains("service"),
        "{message}"
    );
}

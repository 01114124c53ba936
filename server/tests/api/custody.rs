//! Custody of power: a rolled token's successor stays inside the reach of whoever could
//! end the token it replaced (issue 22, item 1).

use crate::helpers::{
    api::{json, problem, text, ALL_ADMIN},
    *,
};
use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

fn at(v: &Value) -> Option<DateTime<Utc>> {
    serde_json::from_value(v.clone()).unwrap()
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.api_get("/me", token).await.status()
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_self_roll_never_lengthens_a_token_and_its_successor_dies_with_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    // The review's case: a one-hour token that may only read the audit log.
    let hour = app
        .token_made(
            &admin_token,
            json!({ "name": "BI export", "scopes": ["audit:read"],
                "expires_at": Utc::now() + Duration::hours(1) }),
        )
        .await;
    let (old_token, old_id) = (text(&hour["token"]), text(&hour["id"]));

    for (body, field) in [
        (
            json!({ "never_expires": true, "overlap": "7d" }),
            "never_expires",
        ),
        (
            json!({ "expires_at": Utc::now() + Duration::days(30) }),
            "expires_at",
        ),
    ] {
        let refused = problem(
            app.api_post("/tokens/self/roll", &old_token, body.clone())
                .await,
        )
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.body["errors"][0]["field"], field, "{body}");
        assert!(
            refused.detail.contains("cannot lengthen"),
            "{}",
            refused.detail
        );
    }

    // Rolling on schedule stays possible: an hour from now, no more.
    let rolled = app
        .api_post("/tokens/self/roll", &old_token, json!({ "overlap": "7d" }))
        .await;
    assert_eq!(rolled.status(), StatusCode::CREATED);
    let rolled = json(rolled).await;
    let new_token = text(&rolled["token"]);
    let lives = at(&rolled["expires_at"]).expect("an expiry") - Utc::now();
    assert!(
        lives <= Duration::hours(1) && lives > Duration::minutes(59),
        "{lives}"
    );
    // The old token's window ends with its own expiry, not seven days on.
    assert!(at(&rolled["replaced"]["expires_at"]).unwrap() <= Utc::now() + Duration::hours(1));
    assert_eq!(me(&app, &new_token).await, StatusCode::OK);

    // Revoking the old token revokes its successor: the review saw /me answer 200 here.
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/tokens/{old_id}"),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(me(&app, &old_token).await, StatusCode::UNAUTHORIZED);
    let refused = problem(app.api_get("/me", &new_token).await).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.detail, "The token has been revoked.");
    let why: String = sqlx::query_scalar(
        "SELECT details->>'because' FROM audit_events
         WHERE action = 'token.revoked' AND target_id = $1",
    )
    .bind(text(&rolled["id"]))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(why.contains("lineage"), "{why}");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn revoking_the_newest_generation_revokes_the_rolling_ones_before_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let first = app
        .token_made(
            &admin_token,
            json!({ "name": "ERP", "scopes": ["audit:read"] }),
        )
        .await;
    let first_token = text(&first["token"]);
    let second = json(
        app.api_post(
            "/tokens/self/roll",
            &first_token,
            json!({ "overlap": "7d" }),
        )
        .await,
    )
    .await;
    // A token that never expired may roll into one that never expires.
    assert_eq!(second["expires_at"], Value::Null);
    let second_token = text(&second["token"]);
    let third = json(
        app.api_post(
            "/tokens/self/roll",
            &second_token,
            json!({ "overlap": "7d" }),
        )
        .await,
    )
    .await;
    let third_token = text(&third["token"]);
    for token in [&first_token, &second_token, &third_token] {
        assert_eq!(me(&app, token).await, StatusCode::OK);
    }
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/tokens/{}", text(&third["id"])),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    for token in [&first_token, &second_token, &third_token] {
        assert_eq!(me(&app, token).await, StatusCode::UNAUTHORIZED);
    }
    let family: Vec<(i64, Option<i64>)> =
        sqlx::query_as("SELECT family_id, replaces FROM api_tokens WHERE name = 'ERP' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(family.len(), 3);
    assert!(family.iter().all(|(f, _)| *f == family[0].0));
    assert_eq!(family[0].1, None);
    assert_eq!(family[1].1, Some(family[0].0));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_that_rolls_a_sibling_cannot_mint_what_outlives_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    // A sibling that never expires, and a two-hour token that may write tokens.
    let sibling = app.token_for(admin, "Scanner", &["audit:read"]).await;
    let sibling_id = sibling[3..15].to_owned();
    let roller = app
        .token_made(
            &admin_token,
            json!({ "name": "Rotation job", "scopes": ALL_ADMIN,
                "expires_at": Utc::now() + Duration::hours(2) }),
        )
        .await;
    let roller_token = text(&roller["token"]);
    let rolled = app
        .api_post(
            &format!("/tokens/{sibling_id}/roll"),
            &roller_token,
            json!({ "never_expires": true, "overlap": "now" }),
        )
        .await;
    assert_eq!(rolled.status(), StatusCode::CREATED);
    let rolled = json(rolled).await;
    let successor = text(&rolled["token"]);
    assert_eq!(
        at(&rolled["expires_at"]),
        at(&roller["expires_at"]),
        "capped by the roller's own expiry"
    );
    assert_eq!(me(&app, &successor).await, StatusCode::OK);

    // The roller's revocation takes what it minted with it.
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/tokens/{}", text(&roller["id"])),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(me(&app, &successor).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn offboarding_a_creator_finds_every_generation_of_what_they_made(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    // Grace, a token admin, makes a token for a service account.
    let admins = app
        .role(
            &admin_token,
            "Token admins",
            &["tokens:read", "tokens:write", "tokens:admin", "audit:read"],
        )
        .await;
    let grace: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, kind, password_hash, role_id)
         VALUES ('grace@example.com', 'Grace', 'human', 'not a usable hash', $1) RETURNING id",
    )
    .bind(admins)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let grace_token = app
        .token_for(
            grace,
            "Grace's provisioning",
            &["tokens:read", "tokens:write", "tokens:admin", "audit:read"],
        )
        .await;
    let role = app.role(&admin_token, "Reporting", &["audit:read"]).await;
    let bi = app.service_account(&admin_token, "BI system", role).await;
    let made = app
        .token_made(
            &grace_token,
            json!({ "name": "BI", "owner_id": bi, "scopes": ["audit:read"] }),
        )
        .await;
    // The service account's token rolls itself: the successor is still Grace's making.
    let rolled = json(
        app.api_post(
            "/tokens/self/roll",
            &text(&made["token"]),
            json!({ "overlap": "now" }),
        )
        .await,
    )
    .await;
    let successor = text(&rolled["token"]);
    let created_by: Option<i64> =
        sqlx::query_scalar("SELECT created_by FROM api_tokens WHERE public_id = $1")
            .bind(text(&rolled["id"]))
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(created_by, Some(grace));
    assert_eq!(me(&app, &successor).await, StatusCode::OK);

    let disabled = app
        .api(
            Method::PATCH,
            &format!("/users/{grace}"),
            &admin_token,
            Some(json!({ "active": false, "revoke_created_tokens": true })),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(me(&app, &successor).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_use_after_replacement_revokes_the_whole_family_and_says_so(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let old = app
        .token_made(
            &admin_token,
            json!({ "name": "WMS", "scopes": ["audit:read"] }),
        )
        .await;
    let old_token = text(&old["token"]);
    let rolled = json(
        app.api_post("/tokens/self/roll", &old_token, json!({ "overlap": "now" }))
            .await,
    )
    .await;
    let new_token = text(&rolled["token"]);
    // A token the successor made dies with the family too.
    let child = app
        .token_made(
            &admin_token,
            json!({ "name": "WMS helper", "scopes": ["audit:read"] }),
        )
        .await;
    sqlx::query(
        "UPDATE api_tokens SET parent_id = (SELECT id FROM api_tokens WHERE public_id = $1)
         WHERE public_id = $2",
    )
    .bind(text(&rolled["id"]))
    .bind(text(&child["id"]))
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(me(&app, &new_token).await, StatusCode::OK);

    // The old token turns up again: someone has it who should not.
    let refused = problem(app.api_get("/me", &old_token).await).await;
    assert!(
        refused.detail.contains("was replaced on"),
        "{}",
        refused.detail
    );
    // By the time that answer went out, the family was revoked.
    assert_eq!(me(&app, &new_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&app, &text(&child["token"])).await,
        StatusCode::UNAUTHORIZED
    );
    let event: Value = sqlx::query_scalar(
        "SELECT payload FROM webhook_events WHERE kind = 'token.used_after_replacement'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(event["data"]["token"]["id"], old["id"]);
    assert_eq!(event["data"]["revoked"], json!([rolled["id"]]));
}

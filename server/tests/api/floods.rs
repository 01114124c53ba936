//! Floods cost the attacker, not the audit log, and never lock out the rightful holder
//! (issue 22, items 4 and 5): throttled sign-ins, allowlist refusals and canary trips are
//! written a bounded number of times, with their repeats counted.

use crate::helpers::{
    api::{json, ALL_ADMIN},
    *,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;

/// Behind a trusted proxy (this machine), each request names its client.
fn behind_a_proxy() -> server::config::Settings {
    server::config::Settings {
        trusted_proxies: server::proxies::TrustedProxies::parse("127.0.0.1").unwrap(),
        ..settings()
    }
}

async fn sign_in_from(app: &TestApp, addr: &str, email: &str, password: &str) -> StatusCode {
    app.another_browser()
        .post(app.url("/api/sign_in"))
        .header("accept", "application/json")
        .header("x-forwarded-for", addr)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

async fn count(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_sign_in_flood_with_a_new_email_each_time_is_one_row_that_counts(pool: PgPool) {
    let app = TestApp::spawn_with(pool, behind_a_proxy()).await;
    app.set_up_admin().await;
    let mut statuses = Vec::new();
    for n in 0..65 {
        let email = format!("guess{n}@example.com");
        statuses.push(
            sign_in_from(&app, "198.51.100.7", &email, "guessing")
                .await
                .as_u16(),
        );
    }
    assert_eq!(statuses[..5], [401; 5]);
    assert_eq!(statuses[5..], [429; 60]);
    // Five checked guesses, and one row for the 60 refused, keyed by the address that is
    // over its budget (the review saw 61 rows, one per e-mail).
    assert_eq!(count(&app.pool, "sign_in.failed").await, 5);
    assert_eq!(count(&app.pool, "sign_in.throttled").await, 1);
    let repeated: Option<i64> = sqlx::query_scalar(
        "SELECT (details->>'repeated')::bigint FROM audit_events WHERE action = 'sign_in.throttled'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(repeated, Some(59), "the other 59 are counted on it");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn others_failing_against_an_account_never_lock_its_owner_out(pool: PgPool) {
    let app = TestApp::spawn_with(pool, behind_a_proxy()).await;
    app.set_up_admin().await;
    // Someone guesses at the administrator's password from two addresses.
    for addr in ["198.51.100.7", "198.51.100.8"] {
        for _ in 0..5 {
            sign_in_from(&app, addr, ADMIN_EMAIL, "guessing").await;
        }
    }
    assert_eq!(
        sign_in_from(&app, "198.51.100.9", ADMIN_EMAIL, "guessing").await,
        StatusCode::UNAUTHORIZED,
        "a fresh address's guess is checked, and counts"
    );
    assert_eq!(
        sign_in_from(&app, "198.51.100.9", ADMIN_EMAIL, "guessing again").await,
        StatusCode::TOO_MANY_REQUESTS,
        "from then on the account's wait binds that address"
    );
    // The owner, from an address that has not failed, signs in with the right password:
    // the review saw 429 here.
    assert_eq!(
        sign_in_from(&app, "203.0.113.5", ADMIN_EMAIL, ADMIN_PASSWORD).await,
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn allowlist_refusals_are_audited_and_told_within_bounds(pool: PgPool) {
    let app = TestApp::spawn_with(pool, behind_a_proxy()).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let made = json(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Office only", "scopes": ["audit:read"], "allowed_ips": ["10.0.0.0/8"] }),
        )
        .await,
    )
    .await;
    let token = made["token"].as_str().unwrap().to_owned();
    let from = |addr: String| {
        let request = app
            .another_browser()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .header("x-forwarded-for", addr);
        async move { request.send().await.unwrap() }
    };
    // The same address, fifty times: one row, one event.
    for _ in 0..50 {
        let refused = from("203.0.113.9".into()).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let body: Value = refused.json().await.unwrap();
        // The rule is named; nothing about the token is told.
        assert_eq!(
            body["detail"],
            "This token may not be used from 203.0.113.9: the address is not on its allowlist."
        );
        assert!(!body.to_string().contains("Office only"));
    }
    // Forty addresses: at most twenty rows for the token in ten minutes.
    for n in 0..40 {
        assert_eq!(
            from(format!("198.51.100.{n}")).await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let mut written = (0, 0);
    for _ in 0..100 {
        written = (
            count(&app.pool, "token.refused_address").await,
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM webhook_events WHERE kind = 'token.refused_address'",
            )
            .fetch_one(&app.pool)
            .await
            .unwrap(),
        );
        if written.0 >= 20 && written.1 >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(written, (20, 20), "rows and events, of 90 refusals");
    let first: Value = sqlx::query_scalar(
        "SELECT payload FROM webhook_events WHERE kind = 'token.refused_address' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(first["data"]["address"], "203.0.113.9");
    assert_eq!(first["data"]["token"]["id"], made["id"]);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_canary_tripped_from_many_addresses_fires_a_bounded_number_of_times(pool: PgPool) {
    let app = TestApp::spawn_with(pool, behind_a_proxy()).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let canary = json(
        app.api_post(
            "/tokens/canaries",
            &admin_token,
            json!({ "name": "Bait in the wiki" }),
        )
        .await,
    )
    .await;
    let token = canary["token"].as_str().unwrap().to_owned();
    for n in 0..60 {
        let refused = app
            .another_browser()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .header("x-forwarded-for", format!("192.0.2.{n}"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    let limit = i64::from(latchkey_core::tokens::canary::PER_MINUTE);
    let mut fired = 0;
    for _ in 0..100 {
        fired = count(&app.pool, "canary.triggered").await;
        if fired >= limit {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(count(&app.pool, "canary.triggered").await, limit);
    assert_eq!(fired, limit, "{limit} of 60 trips written in a minute");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn only_token_admins_see_that_a_token_is_a_canary(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let member = app.member(&admin_token, "lin@example.com", "Lin").await;
    let canary = json(
        app.api_post(
            "/tokens/canaries",
            &admin_token,
            json!({ "name": "Lin's laptop bait", "owner_id": member }),
        )
        .await,
    )
    .await;
    let id = canary["id"].as_str().unwrap();
    let lin = app
        .token_for(member, "Lin's reader", &["tokens:read"])
        .await;
    let as_owner = json(app.api_get(&format!("/tokens/{id}"), &lin).await).await;
    assert_eq!(as_owner["canary"], false);
    let listed = json(app.api_get("/tokens", &lin).await).await;
    let listed = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(listed["canary"], false);
    let as_admin = json(app.api_get(&format!("/tokens/{id}"), &admin_token).await).await;
    assert_eq!(as_admin["canary"], true);

    // Revoked, it still trips: checked before revocation, answered like a wrong secret.
    let revoked = app
        .api(
            reqwest::Method::DELETE,
            &format!("/tokens/{id}"),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let used = app.api_get("/me", canary["token"].as_str().unwrap()).await;
    assert_eq!(used.status(), StatusCode::UNAUTHORIZED);
    let mut tripped = 0;
    for _ in 0..100 {
        tripped = count(&app.pool, "canary.triggered").await;
        if tripped > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(tripped, 1, "a revoked canary still trips");
}

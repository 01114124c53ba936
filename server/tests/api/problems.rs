//! How the API refuses: problem+json, the bearer challenge, the scope headers.

use crate::helpers::{
    api::{problem, ALL_ADMIN},
    logs::capture_logs,
    *,
};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn bad_requests_get_clear_problems_and_write_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.admin_with_token(ALL_ADMIN).await;
    let client = reqwest::Client::new();
    let post = |body: String| {
        client
            .post(app.url("/api/v1/tokens"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let cases = [
        ("{\"name\":", StatusCode::BAD_REQUEST),
        (
            "{\"name\": 5, \"scopes\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "{\"name\": \"x\", \"scopes\": [\"users:read\"], \"bogus\": 1}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "{\"name\": \"a\\u0000b\", \"scopes\": [\"users:read\"]}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "{\"name\": \"\", \"scopes\": [\"users:read\"]}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "{\"name\": \"x\", \"scopes\": [\"nope:read\"]}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "{\"name\": \"x\", \"scopes\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, status) in cases {
        let p = problem(post(body.into()).await.unwrap()).await;
        assert_eq!(p.status, status, "{body}: {}", p.detail);
        assert!(!p.detail.is_empty());
    }
    let long = format!(
        "{{\"name\": \"{}\", \"scopes\": [\"users:read\"]}}",
        "n".repeat(101)
    );
    let p = problem(post(long).await.unwrap()).await;
    assert_eq!(p.body["errors"][0]["field"], "name");
    let huge = format!("{{\"name\": \"{}\", \"scopes\": []}}", "n".repeat(100_000));
    assert_eq!(
        problem(post(huge).await.unwrap()).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let nul_filter = app.api_get("/tokens?name=%00x", &token).await;
    assert_eq!(nul_filter.status(), StatusCode::OK);
    let unknown = problem(app.api_get("/no-such-thing", &token).await).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "only the bootstrap token exists");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn bad_tokens_are_401_with_a_reason(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.admin_with_token(ALL_ADMIN).await;
    let missing = problem(
        app.another_browser()
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert!(missing
        .www_authenticate
        .starts_with("Bearer realm=\"latchkey\", error=\"invalid_token\""));
    let malformed = problem(app.api_get("/me", "lk_not_a_token").await).await;
    assert!(malformed.detail.contains("not a Latchkey token"));
    // A typo breaks the checksum: refused without a database look-up.
    let mut typo = token.clone().into_bytes();
    typo[30] = if typo[30] == b'x' { b'y' } else { b'x' };
    let typo = problem(app.api_get("/me", &String::from_utf8(typo).unwrap()).await).await;
    assert_eq!(typo.detail, malformed.detail);
    // A well-formed token with an unknown id and one with a wrong secret read the same.
    let unknown = latchkey_core::tokens::format::generate().plaintext;
    let unknown = problem(app.api_get("/me", &unknown).await).await;
    assert_eq!(unknown.detail, "The token is not valid.");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn responses_name_the_scopes_held_and_needed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let token = app
        .token_for(admin, "Reader", &["tokens:read", "audit:read"])
        .await;
    let listed = app.api_get("/tokens", &token).await;
    assert_eq!(
        listed.headers()["x-token-scopes"],
        "audit:read, tokens:read"
    );
    assert_eq!(listed.headers()["x-accepted-scopes"], "tokens:read");
    let refused = app.api_get("/users", &token).await;
    assert_eq!(refused.headers()["x-accepted-scopes"], "users:read");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn every_answer_carries_a_request_id_that_a_client_may_choose(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let fresh = app.get("/healthz").await;
    let id = fresh.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let again = app.get("/healthz").await;
    assert_ne!(again.headers()["x-request-id"], id.as_str());
    let chosen = app
        .another_browser()
        .get(app.url("/api/v1/me"))
        .header("x-request-id", "erp-sync-42")
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.headers()["x-request-id"], "erp-sync-42");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_server_failure_is_told_generically_and_logged_once_with_its_request(pool: PgPool) {
    let logs = capture_logs();
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.admin_with_token(ALL_ADMIN).await;
    // The audit log cannot be written: every change must fail, whole.
    sqlx::query("ALTER TABLE audit_events RENAME TO audit_events_gone")
        .execute(&app.pool)
        .await
        .unwrap();
    let response = app
        .api_post(
            "/roles",
            &token,
            serde_json::json!({ "name": "Doomed", "permissions": ["users:read"] }),
        )
        .await;
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let failure = problem(response).await;
    assert_eq!(failure.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(failure.kind, "internal");
    assert!(
        !failure.detail.contains("audit_events"),
        "{}",
        failure.detail
    );
    let roles: i64 = sqlx::query_scalar("SELECT count(*) FROM roles WHERE name = 'Doomed'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(roles, 0, "nothing half-done");
    let logged = logs.lines_with(&[&request_id, "internal error"]);
    assert_eq!(logged.len(), 1, "{logged:#?}");
    assert!(logged[0].contains("route=/api/v1/roles"), "{}", logged[0]);
    assert!(logged[0].contains("audit_events"), "the log has the detail");
}

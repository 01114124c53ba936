//! How the API refuses: problem+json, the bearer challenge, the scope headers.

use crate::helpers::{
    api::{problem, ALL_ADMIN},
    *,
};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
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

#[sqlx::test(migrator = "server::MIGRATOR")]
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
    let unknown = server::tokens::format::generate().plaintext;
    let unknown = problem(app.api_get("/me", &unknown).await).await;
    assert_eq!(unknown.detail, "The token is not valid.");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
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

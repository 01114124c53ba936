//! The verifier other services rely on: answers from memory, never stale, across
//! instances that share nothing but PostgreSQL; RFC 7662 introspection as a standard
//! client speaks it; forward-auth for gateways; a budget for failed verifications.

use crate::helpers::{
    api::{json, problem, ALL_ADMIN},
    *,
};
use oauth2::{
    basic::BasicClient, AccessToken, ClientId, ClientSecret, IntrospectionUrl,
    TokenIntrospectionResponse,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// Breaks the stored digest of a token. A digest never changes in Latchkey (a token is
/// revoked and replaced, never edited), so no notice reports it: from then on, only an
/// instance answering from its cache still accepts the token.
async fn tamper_with_digest(app: &TestApp, token: &str) {
    let public_id = token.split('_').nth(1).unwrap();
    sqlx::query("UPDATE api_tokens SET secret_digest = '\\x00' WHERE public_id = $1")
        .bind(public_id)
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.api_get("/me", token).await.status()
}

/// Polls until `token` is refused by `app`; returns how long that took.
async fn refused_within(app: &TestApp, token: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        if me_status(app, token).await == StatusCode::UNAUTHORIZED {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "still accepted after {limit:?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_revoked_token_is_refused_by_every_instance_with_a_receipt(pool: PgPool) {
    let (first, second) = TestApp::spawn_pair(pool).await;
    let (_, admin_token) = first.admin_with_token(ALL_ADMIN).await;
    let created = json(
        first
            .api_post(
                "/tokens",
                &admin_token,
                json!({ "name": "Warehouse", "scopes": ["users:read"] }),
            )
            .await,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    assert_eq!(me_status(&first, token).await, StatusCode::OK);
    assert_eq!(me_status(&second, token).await, StatusCode::OK);
    // Both answer from memory now: a database lookup would refuse the broken digest.
    tamper_with_digest(&first, token).await;
    assert_eq!(me_status(&first, token).await, StatusCode::OK);
    assert_eq!(me_status(&second, token).await, StatusCode::OK);

    let id = created["id"].as_str().unwrap();
    let revoked = first
        .api(Method::DELETE, &format!("/tokens/{id}"), &admin_token, None)
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let receipt = json(revoked).await;
    assert_eq!(receipt["token"]["status"], "revoked");
    assert_eq!(receipt["propagation"]["instances"], 2, "{receipt}");
    assert_eq!(receipt["propagation"]["confirmed"], 2, "{receipt}");
    let slowest = receipt["propagation"]["slowest_ms"].as_f64().unwrap();
    assert!(slowest < 100.0, "slowest confirmation {slowest} ms");
    // The very next request, on either instance, is refused.
    assert_eq!(me_status(&first, token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_status(&second, token).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn changes_made_anywhere_reach_cached_tokens(pool: PgPool) {
    let (app, other) = TestApp::spawn_pair(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let role = app
        .role(&admin_token, "Warehouse", &["users:write", "roles:read"])
        .await;
    let account = app.service_account(&admin_token, "WMS", role).await;
    let token = app
        .token_for(account, "WMS sync", &["users:write", "roles:read"])
        .await;
    let scopes = |r: &reqwest::Response| r.headers()["x-token-scopes"].to_str().unwrap().to_owned();
    let seen = other.api_get("/me", &token).await;
    assert_eq!(scopes(&seen), "roles:read, users:write");

    // The role narrowed through the first instance: the second sees it at once.
    let narrowed = app
        .api(
            Method::PATCH,
            &format!("/roles/{role}"),
            &admin_token,
            Some(json!({ "permissions": ["users:read"] })),
        )
        .await;
    assert_eq!(narrowed.status(), StatusCode::OK);
    let start = Instant::now();
    loop {
        let seen = other.api_get("/me", &token).await;
        if scopes(&seen) == "users:read" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{}",
            scopes(&seen)
        );
    }

    // The owner disabled by hand in SQL, which no Latchkey code path sees: the
    // triggers still tell every instance.
    tamper_with_digest(&app, &token).await;
    assert_eq!(me_status(&other, &token).await, StatusCode::OK, "cached");
    sqlx::query("UPDATE users SET active = false WHERE id = $1")
        .bind(account)
        .execute(&app.pool)
        .await
        .unwrap();
    let took = refused_within(&other, &token, Duration::from_millis(500)).await;
    println!("a disabled owner was refused by the other instance after {took:?}");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn an_instance_that_stops_listening_stops_using_its_cache(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    app.listening().await;
    assert_eq!(me_status(&app, &admin_token).await, StatusCode::OK);
    let spare = app.token_for(1, "Spare", &["users:read"]).await;
    assert_eq!(me_status(&app, &spare).await, StatusCode::OK);
    tamper_with_digest(&app, &spare).await;
    assert_eq!(me_status(&app, &spare).await, StatusCode::OK, "cached");

    // Cut the listening connection, as a network failure or a PostgreSQL restart would.
    let cut: Vec<i32> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid)::int FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(!cut.is_empty(), "a listening connection");
    // The cache is emptied: the tampered token is now checked against the database.
    refused_within(&app, &spare, Duration::from_secs(2)).await;
    assert_eq!(me_status(&app, &admin_token).await, StatusCode::OK);
    // And it listens again by itself.
    app.listening().await;
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn failed_verifications_have_a_budget(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    app.listening().await;
    let public_id = admin_token.split('_').nth(1).unwrap();
    // Well-formed tokens with the admin token's public id and made-up secrets: refused
    // from memory (the digest does not match), however many.
    for n in 0..150 {
        let answer = app.api_get("/me", &forged_token(public_id, n)).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    }

    // Made-up ids from one address: 100 failures, then 429 without a query.
    let mut from_here = Vec::new();
    for n in 0..110 {
        let forged = forged_token(&format!("Zz{n:010}"), n);
        from_here.push(app.api_get("/me", &forged).await.status().as_u16());
    }
    assert_eq!(from_here[..100], [401; 100]);
    assert_eq!(from_here[100..], [429; 10]);

    // Valid tokens are not held back by the failures from their address: the admin's,
    // never used until now, and one just made (through this instance, whose answer waits
    // until it has heard of it).
    assert_eq!(me_status(&app, &admin_token).await, StatusCode::OK);
    let fresh = json(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Fresh", "owner_id": admin, "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    let fresh = fresh["token"].as_str().unwrap();
    assert_eq!(me_status(&app, fresh).await, StatusCode::OK);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn guesses_at_an_id_never_lock_out_its_valid_secret_cache_or_no_cache(pool: PgPool) {
    for cache in [false, true] {
        let settings = server::config::Settings {
            core: latchkey_core::Settings {
                verifier_cache: cache,
                ..core_settings()
            },
            ..settings()
        };
        let app = TestApp::spawn_with(pool.clone(), settings).await;
        if cache {
            app.listening().await;
        }
        // The first round sets Latchkey up; the second finds it set up.
        let admin: Option<i64> = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
            .fetch_optional(&app.pool)
            .await
            .unwrap();
        let admin_token = match admin {
            Some(admin) => app.token_for(admin, "Second round", ALL_ADMIN).await,
            None => app.admin_with_token(ALL_ADMIN).await.1,
        };
        let public_id = admin_token.split('_').nth(1).unwrap();
        // Someone guesses at the token's secret: past the id's budget, 429.
        let mut answers = Vec::new();
        for n in 0..25 {
            let answer = app.api_get("/me", &forged_token(public_id, n)).await;
            answers.push(answer.status().as_u16());
        }
        if cache {
            assert_eq!(answers, [401; 25], "refused from memory, no budget spent");
        } else {
            assert_eq!(answers[..20], [401; 20]);
            assert_eq!(answers[20..], [429; 5]);
        }
        // The holder of the real secret is not refused for it...
        assert_eq!(
            me_status(&app, &admin_token).await,
            StatusCode::OK,
            "cache {cache}"
        );
        // ... while the guesses still are, without a query.
        let guess = app.api_get("/me", &forged_token(public_id, 99)).await;
        assert_eq!(
            guess.status().as_u16(),
            if cache { 401 } else { 429 },
            "cache {cache}"
        );
    }
}

/// A well-formed token (right shape and checksum) that Latchkey never issued.
fn forged_token(public_id: &str, n: u32) -> String {
    latchkey_core::tokens::format::assemble(public_id, &format!("{n:0>32}"))
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn introspection_speaks_rfc_7662_to_a_standard_client(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let gateway = app
        .token_for(admin, "API gateway", &["tokens:introspect"])
        .await;
    let client_token = app
        .token_for(admin, "Client", &["users:read", "audit:read"])
        .await;
    // The `oauth2` crate's introspection client: form-encoded, HTTP Basic credentials.
    let oauth = BasicClient::new(ClientId::new("api-gateway".into()))
        .set_client_secret(ClientSecret::new(gateway.clone()))
        .set_introspection_url(
            IntrospectionUrl::new(app.url("/api/v1/tokens/introspect")).unwrap(),
        );
    let http = reqwest::Client::new();
    let active = oauth
        .introspect(&AccessToken::new(client_token.clone()))
        .request_async(&http)
        .await
        .unwrap();
    assert!(active.active());
    let scopes: Vec<String> = active
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(scopes, ["audit:read", "users:read"]);
    assert_eq!(active.sub(), Some(admin.to_string().as_str()));
    assert_eq!(active.username(), Some(ADMIN_EMAIL));
    assert_eq!(active.jti(), Some(client_token.split('_').nth(1).unwrap()));
    assert!(active.iat().is_some());
    assert_eq!(active.exp(), None, "never expires");
    assert_eq!(
        active.token_type(),
        Some(&oauth2::basic::BasicTokenType::Bearer)
    );

    let unknown = oauth
        .introspect(&AccessToken::new("lk_nonsense".into()))
        .request_async(&http)
        .await
        .unwrap();
    assert!(!unknown.active());

    // Form-encoded by hand: an inactive token is exactly {"active": false}.
    sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE public_id = $1")
        .bind(client_token.split('_').nth(1).unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    app.state.verifier.settle().await; // the notice of a change made in SQL
    let revoked = http
        .post(app.url("/api/v1/tokens/introspect"))
        .bearer_auth(&gateway)
        .form(&[
            ("token", client_token.as_str()),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(json(revoked).await, json!({ "active": false }));
    // Basic credentials are for introspection only.
    let basic = http
        .get(app.url("/api/v1/me"))
        .basic_auth("x", Some(&gateway))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(basic).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn forward_auth_answers_gateways_with_identity_headers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let token = app.token_for(admin, "Shipping", &["users:read"]).await;
    let ask = |token: Option<&str>, scope: &str| {
        let mut request = reqwest::Client::new()
            .get(app.url("/forward-auth"))
            .header("x-latchkey-scope", scope);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let ok = ask(Some(&token), "users:read").await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let public_id = token.split('_').nth(1).unwrap();
    assert_eq!(ok.headers()["x-latchkey-token-id"], public_id);
    assert_eq!(
        ok.headers()["x-latchkey-owner-id"],
        admin.to_string().as_str()
    );
    assert_eq!(ok.headers()["x-latchkey-scopes"], "users:read");
    assert_eq!(ok.content_length(), Some(0));

    let wrong = ask(Some(&token), "users:read, shipping:write")
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let challenge = wrong.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"shipping:write\""),
        "{challenge}"
    );

    let none = ask(None, "users:read").await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.headers()["www-authenticate"],
        "Bearer realm=\"latchkey\""
    );

    let id = public_id.to_owned();
    app.api(Method::DELETE, &format!("/tokens/{id}"), &admin_token, None)
        .await;
    let revoked = ask(Some(&token), "users:read").await.unwrap();
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
    let challenge = revoked.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

//! Webhooks against a real HTTP receiver started by the test, verified with the Standard
//! Webhooks reference library (`standardwebhooks`).

use crate::helpers::{
    api::{json, ALL_ADMIN},
    *,
};
use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

/// A receiver that keeps what it is sent and fails the first `failures` requests.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    failures: Arc<AtomicUsize>,
    /// How long it takes to answer, in milliseconds: a slow endpoint.
    delay_ms: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(failures: usize) -> (Self, SocketAddr) {
        let receiver = Self::default();
        receiver.failures.store(failures, Ordering::SeqCst);
        let app = Router::new()
            .route("/hooks", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, addr)
    }

    fn received(&self) -> Vec<(HeaderMap, Bytes)> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (at most ten seconds) until `n` requests have come.
    async fn until(&self, n: usize) -> Vec<(HeaderMap, Bytes)> {
        for _ in 0..200 {
            if self.received.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.received.lock().unwrap().push((headers, body));
    let delay = r.delay_ms.load(Ordering::SeqCst) as u64;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let failing = r
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

const SCOPES: &[&str] = &[
    "tokens:admin",
    "tokens:write",
    "webhooks:write",
    "audit:read",
];

/// Registers the receiver for `events`; returns the endpoint's id and secret.
async fn register(
    app: &TestApp,
    token: &str,
    addr: SocketAddr,
    events: &[&str],
) -> (String, String) {
    let response = app
        .api_post(
            "/webhooks",
            token,
            json!({ "url": format!("http://{addr}/hooks"), "events": events, "description": "ERP" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created = json(response).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (created["id"].as_str().unwrap().to_owned(), secret)
}

async fn create_token(app: &TestApp, token: &str, name: &str) -> Value {
    let response = app
        .api_post(
            "/tokens",
            token,
            json!({ "name": name, "scopes": ["audit:read"] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await
}

/// Makes an endpoint's pending deliveries due now, as time passing would.
async fn due_now(app: &TestApp) {
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'")
        .execute(&app.pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn token_changes_are_delivered_signed_the_standard_webhooks_way(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(0).await;
    let (endpoint, secret) = register(
        &app,
        &admin_token,
        addr,
        &["token.created", "token.revoked"],
    )
    .await;

    let made = create_token(&app, &admin_token, "SAP connector").await;
    let id = made["id"].as_str().unwrap().to_owned();
    let plaintext = made["token"].as_str().unwrap().to_owned();
    let received = receiver.until(1).await;
    assert_eq!(received.len(), 1);
    let (headers, body) = &received[0];
    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    verifier
        .verify(body, headers)
        .expect("the reference library accepts the signature");
    let mut tampered = body.to_vec();
    tampered[0] = b' ';
    assert!(
        verifier.verify(&tampered, headers).is_err(),
        "and refuses a changed body"
    );
    let event: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(event["type"], "token.created");
    assert_eq!(event["data"]["token"]["id"], id.as_str());
    assert_eq!(event["data"]["token"]["name"], "SAP connector");
    assert!(event["data"]["owner"]["id"].is_i64());
    let text = String::from_utf8_lossy(body);
    assert!(!text.contains(&plaintext[16..]), "never a secret: {text}");
    assert_eq!(
        headers["webhook-id"].to_str().unwrap(),
        event_id(&app, &endpoint, 0).await
    );

    let revoked = app
        .api(Method::DELETE, &format!("/tokens/{id}"), &admin_token, None)
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let received = receiver.until(2).await;
    let event: Value = serde_json::from_slice(&received[1].1).unwrap();
    assert_eq!(event["type"], "token.revoked");
    assert_eq!(event["data"]["token"]["id"], id.as_str());
    verifier.verify(&received[1].1, &received[1].0).unwrap();

    // The endpoint's deliveries, newest first (each written once its receiver answered),
    // and a test event on demand.
    let mut deliveries = Value::Null;
    for _ in 0..200 {
        deliveries = json(
            app.api_get(&format!("/webhooks/{endpoint}/deliveries"), &admin_token)
                .await,
        )
        .await;
        if deliveries
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "delivered")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let seen: Vec<(&str, &str, i64)> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["event"].as_str().unwrap(),
                d["status"].as_str().unwrap(),
                d["last_status_code"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("token.revoked", "delivered", 204),
            ("token.created", "delivered", 204)
        ]
    );
    let test = app
        .api_post(
            &format!("/webhooks/{endpoint}/test"),
            &admin_token,
            json!({}),
        )
        .await;
    assert_eq!(test.status(), StatusCode::ACCEPTED);
    let received = receiver.until(3).await;
    let event: Value = serde_json::from_slice(&received[2].1).unwrap();
    assert_eq!(event["type"], "webhook.test");
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "webhook.created"));
}

/// The `webhook-id` of the endpoint's `n`-th delivery, oldest first.
async fn event_id(app: &TestApp, endpoint: &str, n: i64) -> String {
    sqlx::query_scalar(
        "SELECT e.public_id FROM webhook_deliveries d
         JOIN webhook_events e ON e.id = d.event_id
         JOIN webhook_endpoints w ON w.id = d.endpoint_id
         WHERE w.public_id = $1 ORDER BY d.id OFFSET $2 LIMIT 1",
    )
    .bind(endpoint)
    .bind(n)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_failing_receiver_gets_the_event_again_later_with_the_same_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(2).await;
    let (endpoint, _) = register(&app, &admin_token, addr, &["token.created"]).await;
    create_token(&app, &admin_token, "BI export").await;

    receiver.until(1).await;
    // The attempt is written once the receiver has answered: wait for it.
    for _ in 0..200 {
        let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM webhook_deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if attempts >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Answered 500: tried again after 5 seconds (the test moves the clock on).
    let (status, attempts, code, wait): (String, i32, Option<i32>, f64) = sqlx::query_as(
        "SELECT status, attempts, last_status_code,
                extract(epoch FROM next_attempt_at - last_attempt_at)::float8
         FROM webhook_deliveries",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts, code), ("pending", 1, Some(500)));
    assert!((4.9..=5.1).contains(&wait), "{wait}");
    due_now(&app).await;
    receiver.until(2).await;
    due_now(&app).await;
    let received = receiver.until(3).await;
    assert_eq!(received.len(), 3);
    let ids: Vec<&str> = received
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one event, one id: {ids:?}"
    );
    for _ in 0..100 {
        let deliveries = json(
            app.api_get(&format!("/webhooks/{endpoint}/deliveries"), &admin_token)
                .await,
        )
        .await;
        if deliveries[0]["status"] == "delivered" {
            assert_eq!(deliveries[0]["attempts"], 3);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never marked delivered");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn two_instances_deliver_each_event_once_and_in_order(pool: PgPool) {
    let (first, second) = TestApp::spawn_pair(pool).await;
    let (_, admin_token) = first.admin_with_token(SCOPES).await;
    // The receiver is down at first: events wait in the outbox.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    register(&first, &admin_token, addr, &["token.created"]).await;
    for i in 0..10 {
        let app = if i % 2 == 0 { &first } else { &second };
        create_token(app, &admin_token, &format!("Scanner {i}")).await;
    }
    // It comes up (on the same port), and the retries fall due on both instances.
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/hooks", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    due_now(&first).await;
    let received = receiver.until(10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received_after = receiver.received();
    assert_eq!(
        received_after.len(),
        10,
        "each event once, across two instances"
    );
    let names: Vec<String> = received
        .iter()
        .map(|(_, body)| {
            let event: Value = serde_json::from_slice(body).unwrap();
            event["data"]["token"]["name"].as_str().unwrap().to_owned()
        })
        .collect();
    let expected: Vec<String> = (0..10).map(|i| format!("Scanner {i}")).collect();
    assert_eq!(names, expected, "one at a time, in order");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn expiry_warnings_fire_once_at_30_7_and_1_days_and_at_expiry(pool: PgPool) {
    use chrono::{Duration as Days, Utc};
    use latchkey_core::webhooks::expiry::warn;
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(0).await;
    register(
        &app,
        &admin_token,
        addr,
        &["token.expiring", "token.expired"],
    )
    .await;
    let now = Utc::now();
    for (name, days) in [("Yearly report", 40), ("Trial", 5)] {
        let response = app
            .api_post(
                "/tokens",
                &admin_token,
                json!({ "name": name, "scopes": ["audit:read"], "expires_at": now + Days::days(days) }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    // The clock is the test's: each round is a day the housekeeping would see.
    let mut expected = 0;
    for (day, events) in [
        (0.0, 1),
        (0.0, 0),
        (11.0, 2),
        (34.0, 1),
        (39.5, 1),
        (39.6, 0),
        (41.0, 1),
    ] {
        let at = now + Days::milliseconds((day * 86_400_000.0) as i64);
        assert_eq!(
            warn(&app.pool, &app.state.settings, at).await.unwrap(),
            events,
            "day {day}"
        );
        expected += events;
    }
    let received = receiver.until(expected).await;
    let seen: Vec<(String, String, i64)> = received
        .iter()
        .map(|(_, body)| {
            let event: Value = serde_json::from_slice(body).unwrap();
            (
                event["type"].as_str().unwrap().to_owned(),
                event["data"]["token"]["name"].as_str().unwrap().to_owned(),
                event["data"]["days_left"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    let want = [
        ("token.expiring", "Trial", 7),
        // One round's events go soonest expiry first.
        ("token.expired", "Trial", 0),
        ("token.expiring", "Yearly report", 30),
        ("token.expiring", "Yearly report", 7),
        ("token.expiring", "Yearly report", 1),
        ("token.expired", "Yearly report", 0),
    ];
    let want: Vec<(String, String, i64)> = want
        .iter()
        .map(|(t, n, d)| (t.to_string(), n.to_string(), *d))
        .collect();
    assert_eq!(seen, want);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_canary_is_refused_like_any_bad_token_and_fires_within_a_second(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(0).await;
    register(&app, &admin_token, addr, &["canary.triggered"]).await;
    let created = app
        .api_post(
            "/tokens/canaries",
            &admin_token,
            json!({ "name": "Wiki: ERP set-up page", "description": "planted 2026-11" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json(created).await;
    let canary = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["canary"], true);
    assert_eq!(created["scopes"], json!([]));

    // Its answer is exactly a wrong secret's.
    let call = |token: String| {
        let request = app
            .another_browser()
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .header("user-agent", "curl/8.5");
        async move { request.send().await.unwrap() }
    };
    let wrong = {
        let mut t = canary.clone();
        t.replace_range(20..21, if &canary[20..21] == "a" { "b" } else { "a" });
        latchkey_core::tokens::format::assemble(&t[3..15], &t[16..48])
    };
    let refused_wrong = call(wrong).await;
    let started = std::time::Instant::now();
    let refused = call(canary.clone()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.headers()["www-authenticate"],
        refused_wrong.headers()["www-authenticate"]
    );
    let (a, b): (Value, Value) = (
        refused.json().await.unwrap(),
        refused_wrong.json().await.unwrap(),
    );
    assert_eq!(a, b, "indistinguishable from a wrong secret");

    let received = receiver.until(1).await;
    let elapsed = started.elapsed();
    assert_eq!(received.len(), 1);
    assert!(elapsed < Duration::from_secs(1), "fired in {elapsed:?}");
    let event: Value = serde_json::from_slice(&received[0].1).unwrap();
    assert_eq!(event["type"], "canary.triggered");
    assert_eq!(event["data"]["token"]["id"], id.as_str());
    assert_eq!(event["data"]["client_addr"], "127.0.0.1");
    assert_eq!(event["data"]["user_agent"], "curl/8.5");
    assert_eq!(event["data"]["path"], "/api/v1/me");
    println!("canary use to delivery: {elapsed:?}");

    let read = json(app.api_get(&format!("/tokens/{id}"), &admin_token).await).await;
    assert!(read["canary_triggered_at"].is_string());
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "canary.triggered"));
    let roll = app
        .api_post(&format!("/tokens/{id}/roll"), &admin_token, json!({}))
        .await;
    assert_eq!(roll.status(), StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_pasted_token_is_identified_by_its_public_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let made = create_token(&app, &admin_token, "SAP connector").await;
    let token = made["token"].as_str().unwrap().to_owned();
    let id = made["id"].as_str().unwrap().to_owned();
    let identify = |text: String| {
        let app = &app;
        let admin_token = &admin_token;
        async move {
            app.api_post("/tokens/identify", admin_token, json!({ "token": text }))
                .await
        }
    };

    for text in [token.clone(), format!("lk_{id}_••••••"), id.clone()] {
        let answer = json(identify(text.clone()).await).await;
        assert_eq!(answer["known"], true, "{text}");
        assert_eq!(answer["token"]["name"], "SAP connector");
        assert!(
            answer["summary"].as_str().unwrap().contains("never used"),
            "{answer}"
        );
    }
    let whole = json(identify(token.clone()).await).await;
    assert_eq!(whole["checksum_valid"], true);

    // A well-formed token Latchkey never issued here, and a mistyped one.
    let foreign = latchkey_core::tokens::format::assemble("Zz9Yy8Xx7Ww6", &"a".repeat(32));
    let answer = json(identify(foreign).await).await;
    assert_eq!(
        (answer["known"].clone(), answer["checksum_valid"].clone()),
        (json!(false), json!(true))
    );
    assert!(
        answer["summary"]
            .as_str()
            .unwrap()
            .contains("checksum holds"),
        "{answer}"
    );
    let mut mistyped = token.clone();
    mistyped.replace_range(30..31, if &token[30..31] == "a" { "b" } else { "a" });
    let answer = json(identify(mistyped).await).await;
    assert_eq!(answer["checksum_valid"], false);
    let refused = identify("not a token".into()).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_signed_leak_report_revokes_the_token_and_the_next_request_is_refused(pool: PgPool) {
    use base64::Engine;
    // The reporter's key pair; Latchkey is given the public half, as PEM.
    let rng = ring::rand::SystemRandom::new();
    let (pair, public) = reporter_key();
    let b64 = base64::engine::general_purpose::STANDARD;
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{public}\n-----END PUBLIC KEY-----\n");
    let settings = server::config::Settings {
        core: latchkey_core::Settings {
            leak_report_key: Some(latchkey_core::leaks::ReportKeys::parse(&pem).unwrap()),
            ..core_settings()
        },
        ..settings()
    };
    let app = TestApp::spawn_with(pool, settings).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(0).await;
    register(&app, &admin_token, addr, &["token.leaked"]).await;
    let leaked = create_token(&app, &admin_token, "CI deploy key").await;
    let token = leaked["token"].as_str().unwrap().to_owned();
    let id = leaked["id"].as_str().unwrap().to_owned();
    assert_eq!(app.api_get("/me", &token).await.status(), StatusCode::OK);

    let body = json!([
        { "token": token, "type": "latchkey_api_token",
          "url": "https://github.com/acme/app/blob/main/.env", "source": "content" },
        { "token": latchkey_core::tokens::format::assemble("Zz9Yy8Xx7Ww6", &"a".repeat(32)),
          "type": "latchkey_api_token", "url": "https://gist.github.com/x", "source": "gist" }
    ])
    .to_string();
    let post = |signature: String| {
        let request = app
            .another_browser()
            .post(app.url("/api/v1/leaks"))
            .header("content-type", "application/json")
            .header("github-public-key-signature", signature)
            .header("github-public-key-identifier", "test-key")
            .body(body.clone());
        async move { request.send().await.unwrap() }
    };
    // A report not signed by the configured key changes nothing.
    let forged = post(b64.encode([0u8; 64])).await;
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.api_get("/me", &token).await.status(), StatusCode::OK);

    let signature = b64.encode(pair.sign(&rng, body.as_bytes()).unwrap().as_ref());
    let answered = post(signature).await;
    assert_eq!(answered.status(), StatusCode::OK);
    assert_eq!(labels(answered).await, ["true_positive", "false_positive"]);

    // The very next request is refused; the event, the audit row and the flag are there.
    let refused = app.api_get("/me", &token).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let received = receiver.until(1).await;
    let event: Value = serde_json::from_slice(&received[0].1).unwrap();
    assert_eq!(event["type"], "token.leaked");
    assert_eq!(
        event["data"]["url"],
        "https://github.com/acme/app/blob/main/.env"
    );
    let read = json(app.api_get(&format!("/tokens/{id}"), &admin_token).await).await;
    assert_eq!(read["status"], "revoked");
    assert!(read["leaked_at"].is_string());
    let url: String = sqlx::query_scalar(
        "SELECT details->>'url' FROM audit_events WHERE action = 'token.leaked'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(url, "https://github.com/acme/app/blob/main/.env");
}

/// The worker's figures, printed (not asserted: speed is measured, not tested): events a
/// second it sustains to one endpoint, against the same receiver hit directly by one
/// client, and the time from a committed change to its delivery. Asserted: each of the
/// 500 events arrives once.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn delivery_figures(pool: PgPool) {
    use std::time::Instant;
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(0).await;
    register(&app, &admin_token, addr, &["token.revoked"]).await;

    // Baseline: 500 plain POSTs, one at a time, from one client.
    let client = reqwest::Client::new();
    let started = Instant::now();
    for _ in 0..500 {
        client
            .post(format!("http://{addr}/hooks"))
            .body("{}")
            .send()
            .await
            .unwrap();
    }
    let baseline = started.elapsed();
    receiver.received.lock().unwrap().clear();

    // 500 events committed at once, then delivered one at a time by the worker.
    let mut tx = app.pool.begin().await.unwrap();
    for i in 0..500 {
        let data = json!({ "token": { "id": format!("bench{i}"), "name": "bench" } });
        latchkey_core::webhooks::enqueue(&mut tx, types::events::Event::TokenRevoked, data)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    for _ in 0..600 {
        received = receiver.received();
        if received.len() >= 500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained = started.elapsed();
    assert_eq!(received.len(), 500);
    let mut ids: Vec<String> = received
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 500, "each once");

    // Latency: a revocation through the API to its delivery.
    receiver.received.lock().unwrap().clear();
    let made = create_token(&app, &admin_token, "Latency").await;
    let started = Instant::now();
    app.api(
        Method::DELETE,
        &format!("/tokens/{}", made["id"].as_str().unwrap()),
        &admin_token,
        None,
    )
    .await;
    while receiver.received.lock().unwrap().is_empty()
        && started.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let latency = started.elapsed();
    println!(
        "webhook figures: 500 events delivered in {:.0} ms ({:.0} events/s, signed, one at a \
         time to one endpoint); the same receiver answered 500 plain POSTs in {:.0} ms \
         ({:.0}/s): ratio {:.2}; a revocation's request to its delivery: {:.1} ms",
        drained.as_secs_f64() * 1000.0,
        500.0 / drained.as_secs_f64(),
        baseline.as_secs_f64() * 1000.0,
        500.0 / baseline.as_secs_f64(),
        drained.as_secs_f64() / baseline.as_secs_f64(),
        latency.as_secs_f64() * 1000.0,
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn new_addresses_disabled_users_and_changed_roles_are_told(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let scopes: Vec<&str> = ALL_ADMIN
        .iter()
        .copied()
        .chain(["webhooks:write"])
        .collect();
    let (_, admin_token) = app.admin_with_token(&scopes).await;
    let (receiver, addr) = Receiver::start(0).await;
    register(
        &app,
        &admin_token,
        addr,
        &[
            "token.used_from_new_address",
            "user.disabled",
            "role.changed",
        ],
    )
    .await;
    let role = app.role(&admin_token, "Audit sync", &["audit:read"]).await;
    let erp = app.service_account(&admin_token, "ERP", role).await;
    let made = app
        .api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "ERP audit", "owner_id": erp, "scopes": ["audit:read"] }),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let made = json(made).await;
    let token = made["token"].as_str().unwrap().to_owned();

    // Two requests from one address, two batches: one event.
    for _ in 0..2 {
        assert_eq!(app.api_get("/audit", &token).await.status(), StatusCode::OK);
        app.state.usage.flush(&app.pool).await.unwrap();
    }
    let changed = app
        .api(
            Method::PATCH,
            &format!("/roles/{role}"),
            &admin_token,
            Some(json!({ "permissions": ["audit:read", "users:read"] })),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let disabled = app
        .api(
            Method::PATCH,
            &format!("/users/{erp}"),
            &admin_token,
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);

    // The administrator's own token was new at its address too (first batch, first).
    receiver.until(4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events: Vec<Value> = receiver
        .received()
        .iter()
        .map(|(_, body)| serde_json::from_slice(body).unwrap())
        .collect();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "token.used_from_new_address",
            "token.used_from_new_address",
            "role.changed",
            "user.disabled"
        ]
    );
    assert_eq!(events[1]["data"]["client_addr"], "127.0.0.1");
    assert_eq!(events[1]["data"]["token"]["id"], made["id"]);
    assert_eq!(
        events[2]["data"]["after"]["permissions"],
        json!(["audit:read", "users:read"])
    );
    assert_eq!(events[3]["data"]["tokens"][0]["id"], made["id"]);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn webhooks_never_reach_internal_addresses_unless_the_operator_allows_them(pool: PgPool) {
    // No LATCHKEY_WEBHOOK_ALLOWED_NETWORKS: nothing internal is reachable.
    let app = TestApp::spawn_with(pool, server::config::Settings::default()).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    for (url, rule) in [
        ("http://localhost/hooks", "a loopback address"),
        ("http://127.0.0.1:8080/hooks", "a loopback address"),
        ("http://[::1]/hooks", "a loopback address"),
        ("http://[::ffff:127.0.0.1]/hooks", "a loopback address"),
        ("http://2130706433/hooks", "a loopback address"),
        ("http://0x7f.1/hooks", "a loopback address"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "a link-local address",
        ),
        ("http://[fe80::1]/hooks", "a link-local address"),
        ("https://10.0.0.7/hooks", "a private address"),
        ("https://172.16.4.2/hooks", "a private address"),
        ("https://192.168.1.10/hooks", "a private address"),
        ("http://[fd00::1]/hooks", "a unique-local address"),
        ("http://0.0.0.0/hooks", "an unspecified address"),
        ("http://224.0.0.1/hooks", "a multicast address"),
        ("http://intranet.invalid/hooks", "cannot be resolved"),
    ] {
        let refused = problem_of(
            app.api_post(
                "/webhooks",
                &admin_token,
                json!({ "url": url, "events": ["token.created"] }),
            )
            .await,
        )
        .await;
        assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(refused.1["errors"][0]["field"], "url", "{url}");
        let message = refused.1["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(rule), "{url}: {message}");
    }
    let endpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(endpoints, 0);

    // Endpoints already stored (registered under another setting, or a name that resolves
    // elsewhere now) are checked again at delivery: nothing is sent.
    let (receiver, addr) = Receiver::start(0).await;
    for (id, url) in [
        ("ep_literal0001", format!("http://{addr}/hooks")),
        (
            "ep_byname00001",
            format!("http://localhost:{}/hooks", addr.port()),
        ),
    ] {
        sqlx::query(
            "INSERT INTO webhook_endpoints (public_id, url, events, secret)
             VALUES ($1, $2, '{token.created}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')",
        )
        .bind(id)
        .bind(url)
        .execute(&app.pool)
        .await
        .unwrap();
        let sent = app
            .api_post(&format!("/webhooks/{id}/test"), &admin_token, json!({}))
            .await;
        assert!(sent.status().is_success(), "{}", sent.status());
    }
    let mut errors: Vec<Option<String>> = Vec::new();
    for _ in 0..200 {
        errors = sqlx::query_scalar(
            "SELECT d.last_error FROM webhook_deliveries d WHERE d.attempts > 0 ORDER BY d.id",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        if errors.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        errors,
        [
            Some("address not allowed".to_owned()),
            Some("address not allowed".to_owned())
        ]
    );
    assert!(receiver.received().is_empty(), "no request was sent");
}

/// A problem answer's status and body.
async fn problem_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn slow_endpoints_hold_up_only_themselves_and_never_a_security_event(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    // As many slow endpoints as an instance has general workers, each taking 4 s to answer.
    let general = latchkey_core::webhooks::deliver::WORKERS - 1;
    let mut slow = Vec::new();
    for _ in 0..general {
        let (receiver, addr) = Receiver::start(0).await;
        receiver.delay_ms.store(4000, Ordering::SeqCst);
        register(&app, &admin_token, addr, &["token.created"]).await;
        slow.push(receiver);
    }
    let (fast, fast_addr) = Receiver::start(0).await;
    register(&app, &admin_token, fast_addr, &["canary.triggered"]).await;
    let started = std::time::Instant::now();
    create_token(&app, &admin_token, "Slow day").await;
    // Sent side by side: every slow endpoint has its request within a second, not one
    // after another four seconds apart.
    for receiver in &slow {
        receiver.until(1).await;
    }
    let all_sent = started.elapsed();
    assert!(all_sent < Duration::from_secs(3), "{all_sent:?}");

    // Every general worker now waits on a slow endpoint; a canary trips.
    let canary = json(
        app.api_post("/tokens/canaries", &admin_token, json!({ "name": "Bait" }))
            .await,
    )
    .await;
    let tripped = std::time::Instant::now();
    let refused = app.api_get("/me", canary["token"].as_str().unwrap()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let received = fast.until(1).await;
    let canary_after = tripped.elapsed();
    println!(
        "{general} slow endpoints (4 s each) were all sent theirs within {} ms; \
         canary.triggered reached the fast endpoint {} ms after the trip",
        all_sent.as_millis(),
        canary_after.as_millis()
    );
    assert_eq!(received.len(), 1);
    let kind = serde_json::from_slice::<Value>(&received[0].1).unwrap()["type"].clone();
    assert_eq!(kind, "canary.triggered");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "it arrived while the slow endpoints were still answering"
    );
}

/// The labels a leak report was answered with, in order.
async fn labels(answered: reqwest::Response) -> Vec<String> {
    json(answered)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap().to_owned())
        .collect()
}

/// A reporter's key pair (ring), and its public half as SubjectPublicKeyInfo, base64.
fn reporter_key() -> (ring::signature::EcdsaKeyPair, String) {
    use base64::Engine;
    use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let mut spki = vec![
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ];
    spki.extend_from_slice(pair.public_key().as_ref());
    let public = base64::engine::general_purpose::STANDARD.encode(&spki);
    (pair, public)
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn leak_reports_choose_their_key_change_nothing_twice_and_spare_canaries(pool: PgPool) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let rng = ring::rand::SystemRandom::new();
    // GitHub's published list of two keys, as LATCHKEY_LEAK_REPORT_KEY.
    let (old_pair, old_public) = reporter_key();
    let (new_pair, new_public) = reporter_key();
    let published = json!({ "public_keys": [
        { "key_identifier": "old-key", "key": format!("-----BEGIN PUBLIC KEY-----\n{old_public}\n-----END PUBLIC KEY-----\n") },
        { "key_identifier": "new-key", "key": new_public },
    ]})
    .to_string();
    let settings = server::config::Settings {
        core: latchkey_core::Settings {
            leak_report_key: Some(latchkey_core::leaks::ReportKeys::parse(&published).unwrap()),
            ..core_settings()
        },
        ..settings()
    };
    assert!(
        latchkey_core::leaks::ReportKeys::parse("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE").is_err()
    );
    let app = TestApp::spawn_with(pool, settings).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let live = create_token(&app, &admin_token, "Deploy key").await;
    let gone = create_token(&app, &admin_token, "Old deploy key").await;
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/tokens/{}", gone["id"].as_str().unwrap()),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let canary = json(
        app.api_post(
            "/tokens/canaries",
            &admin_token,
            json!({ "name": "Wiki bait" }),
        )
        .await,
    )
    .await;
    let body = json!([
        { "token": live["token"], "type": "latchkey_api_token", "url": "https://github.com/acme/a", "source": "content" },
        { "token": gone["token"], "type": "latchkey_api_token", "url": "https://github.com/acme/b", "source": "content" },
        { "token": canary["token"], "type": "latchkey_api_token", "url": "https://github.com/acme/c", "source": "content" },
    ])
    .to_string();
    let post = |identifier: &'static str, pair: &ring::signature::EcdsaKeyPair| {
        let signature = b64.encode(pair.sign(&rng, body.as_bytes()).unwrap().as_ref());
        let request = app
            .another_browser()
            .post(app.url("/api/v1/leaks"))
            .header("content-type", "application/json")
            .header("github-public-key-signature", signature)
            .header("github-public-key-identifier", identifier)
            .body(body.clone());
        async move { request.send().await.unwrap() }
    };
    // Signed by one key but naming the other: refused.
    assert_eq!(
        post("new-key", &old_pair).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post("no-such-key", &old_pair).await.status(),
        StatusCode::UNAUTHORIZED
    );
    for (identifier, pair) in [("old-key", &old_pair), ("new-key", &new_pair)] {
        // The second is a replay, signed with the other key: the same answer, no change.
        let answered = post(identifier, pair).await;
        assert_eq!(answered.status(), StatusCode::OK, "{identifier}");
        assert_eq!(
            labels(answered).await,
            ["true_positive"; 3],
            "a revoked token is still ours"
        );
    }
    let leaked: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, target FROM audit_events
         WHERE action IN ('token.leaked', 'token.revoked') ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let id = |t: &Value| t["id"].as_str().unwrap().to_owned();
    assert_eq!(
        leaked,
        [
            ("token.revoked".to_owned(), id(&gone)),
            ("token.leaked".to_owned(), id(&live)),
            ("token.leaked".to_owned(), id(&gone)),
            ("token.leaked".to_owned(), id(&canary)),
            ("token.revoked".to_owned(), id(&live)),
        ],
        "each token flagged once; the canary is not revoked"
    );
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_events WHERE kind = 'token.leaked'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(events, 3);
    // The canary still trips: revoked or reported, it answers like a wrong secret.
    let tripped = app.api_get("/me", canary["token"].as_str().unwrap()).await;
    assert_eq!(tripped.status(), StatusCode::UNAUTHORIZED);
    let canary_now = json(
        app.api_get(&format!("/tokens/{}", id(&canary)), &admin_token)
            .await,
    )
    .await;
    assert_ne!(canary_now["status"], "revoked");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_rotated_secret_signs_beside_the_previous_one_until_the_overlap_ends(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(0).await;
    let (endpoint, old_secret) = register(&app, &admin_token, addr, &["token.created"]).await;
    let rotated = app
        .api_post(
            &format!("/webhooks/{endpoint}/secret"),
            &admin_token,
            json!({ "overlap": "1h" }),
        )
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated = json(rotated).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["previous_valid_until"].is_string());

    create_token(&app, &admin_token, "During the overlap").await;
    let (headers, body) = receiver.until(1).await.remove(0);
    assert_eq!(
        headers["webhook-signature"]
            .to_str()
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    for secret in [&new_secret, &old_secret] {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&body, &headers)
            .expect("both secrets verify during the overlap");
    }
    // The overlap ends: the previous secret no longer signs.
    sqlx::query("UPDATE webhook_endpoints SET previous_secret_until = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    create_token(&app, &admin_token, "After the overlap").await;
    let (headers, body) = receiver.until(2).await.remove(1);
    standardwebhooks::Webhook::new(&new_secret)
        .unwrap()
        .verify(&body, &headers)
        .unwrap();
    assert!(standardwebhooks::Webhook::new(&old_secret)
        .unwrap()
        .verify(&body, &headers)
        .is_err());
    // Housekeeping forgets the previous secret once it signs nothing.
    let pruned = latchkey_core::maintenance::run_once(&app.pool, &app.state.settings)
        .await
        .unwrap();
    assert_eq!(pruned.previous_secrets, 1);
    let kept: Option<String> = sqlx::query_scalar("SELECT previous_secret FROM webhook_endpoints")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, None);
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "webhook.secret_rotated"));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn payloads_carry_only_what_the_registrant_may_read(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    // Someone who may manage webhooks, but not read users or the audit log.
    let role: i64 = sqlx::query_scalar(
        "INSERT INTO roles (name, description, permissions)
         VALUES ('Integrations', '', '{webhooks:read,webhooks:write}') RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let hooks: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, kind, password_hash, role_id)
         VALUES ('hooks@example.com', 'Hook keeper', 'human', 'not a usable hash', $1)
         RETURNING id",
    )
    .bind(role)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let keeper = app
        .token_for(hooks, "Keeper", &["webhooks:read", "webhooks:write"])
        .await;
    let (limited, limited_addr) = Receiver::start(0).await;
    register(&app, &keeper, limited_addr, &["token.created"]).await;
    let (full, full_addr) = Receiver::start(0).await;
    register(&app, &admin_token, full_addr, &["token.created"]).await;
    create_token(&app, &admin_token, "Seen by both").await;
    let limited_event: Value = serde_json::from_slice(&limited.until(1).await[0].1).unwrap();
    let full_event: Value = serde_json::from_slice(&full.until(1).await[0].1).unwrap();
    assert_eq!(full_event["data"]["owner"]["email"], ADMIN_EMAIL);
    assert!(
        limited_event["data"]["owner"].get("email").is_none(),
        "{limited_event}"
    );
    assert_eq!(
        limited_event["data"]["token"], full_event["data"]["token"],
        "the rest is the same"
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn test_events_are_rate_limited_and_audited_and_endpoints_capped(pool: PgPool) {
    let settings = server::config::Settings {
        core: latchkey_core::Settings {
            webhook_max_endpoints: 2,
            ..core_settings()
        },
        ..settings()
    };
    let app = TestApp::spawn_with(pool, settings).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (_receiver, addr) = Receiver::start(0).await;
    let (endpoint, _) = register(&app, &admin_token, addr, &["token.created"]).await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let sent = app
            .api_post(
                &format!("/webhooks/{endpoint}/test"),
                &admin_token,
                json!({}),
            )
            .await;
        statuses.push(sent.status().as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 429, 429]);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'webhook.tested'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 5);

    register(&app, &admin_token, addr, &["token.revoked"]).await;
    let third = app
        .api_post(
            "/webhooks",
            &admin_token,
            json!({ "url": format!("http://{addr}/hooks"), "events": ["token.created"] }),
        )
        .await;
    assert_eq!(third.status(), StatusCode::CONFLICT);
    let body = json(third).await;
    assert_eq!(body["errors"][0]["field"], "url");
    assert!(
        body["detail"].as_str().unwrap().contains("at most 2"),
        "{body}"
    );
}

/// One vocabulary: `token.revoked` has one shape whether the token was revoked itself or
/// went along with its lineage, and only the events webhooks carry may be subscribed to.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn token_revoked_has_one_shape_and_audit_only_events_cannot_be_subscribed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(SCOPES).await;
    let (receiver, addr) = Receiver::start(0).await;
    register(&app, &admin_token, addr, &["token.revoked"]).await;
    let maker = app
        .token_made(
            &admin_token,
            json!({ "name": "Provisioner", "scopes": ["tokens:write", "audit:read"] }),
        )
        .await;
    let made = app
        .api_post(
            "/tokens",
            maker["token"].as_str().unwrap(),
            json!({ "name": "Made by the provisioner", "scopes": ["audit:read"] }),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let made = json(made).await;
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/tokens/{}", maker["id"].as_str().unwrap()),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);

    let received = receiver.until(2).await;
    let mut events: Vec<Value> = received
        .iter()
        .map(|(_, body)| serde_json::from_slice(body).unwrap())
        .collect();
    events.sort_by_key(|e| e["data"]["because"].is_string());
    let keys = |event: &Value| {
        let mut keys: Vec<String> = event["data"].as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&events[0]), ["actor", "because", "owner", "token"]);
    assert_eq!(keys(&events[0]), keys(&events[1]), "{events:?}");
    assert_eq!(events[0]["data"]["token"]["id"], maker["id"]);
    assert!(events[0]["data"]["because"].is_null());
    assert_eq!(events[1]["data"]["token"]["id"], made["id"]);
    assert!(events[1]["data"]["because"]
        .as_str()
        .unwrap()
        .contains("lineage"));
    assert_eq!(events[0]["data"]["owner"], events[1]["data"]["owner"]);

    let audit_only = app
        .api_post(
            "/webhooks",
            &admin_token,
            json!({ "url": format!("http://{addr}/hooks"), "events": ["sign_in.failed"] }),
        )
        .await;
    assert_eq!(audit_only.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json(audit_only).await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("cannot be subscribed to"), "{body}");
    assert!(detail.contains("canary.triggered"), "{body}");
}

//! A token's lifecycle beyond create and revoke: rolling with an overlap window, and
//! per-token IP allowlists.

use crate::helpers::{
    api::{json, problem, text, ALL_ADMIN},
    *,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;

/// Moves a token's end to `seconds` from the database's now (negative: past), as time
/// passing would.
async fn ends_in(app: &TestApp, public_id: &str, seconds: f64) {
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() + make_interval(secs => $2) WHERE public_id = $1",
    )
    .bind(public_id)
    .bind(seconds)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_rolled_token_works_through_its_window_then_is_refused_as_replaced(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let old = app.token_made(&admin_token,
        json!({ "name": "SAP connector", "scopes": ["audit:read"], "allowed_ips": ["127.0.0.1"] }),
    )
    .await;
    let (old_token, old_id) = (text(&old["token"]), text(&old["id"]));
    assert_eq!(
        app.api_get("/me", &old_token).await.status(),
        StatusCode::OK
    );

    let rolled = app
        .api_post(
            &format!("/tokens/{old_id}/roll"),
            &admin_token,
            json!({ "overlap": "1h" }),
        )
        .await;
    assert_eq!(rolled.status(), StatusCode::CREATED);
    let rolled = json(rolled).await;
    let (new_token, new_id) = (text(&rolled["token"]), text(&rolled["id"]));
    assert_ne!(new_id, old_id);
    assert_eq!(rolled["name"], "SAP connector");
    assert_eq!(rolled["scopes"], json!(["audit:read"]));
    assert_eq!(rolled["allowed_ips"], json!(["127.0.0.1"]), "carried over");
    assert_eq!(rolled["replaces"], old_id.as_str());
    assert_eq!(rolled["replaced"]["status"], "rolling");
    assert_eq!(rolled["replaced"]["replaced_by"], new_id.as_str());

    // The window is an hour to the second of the database's clock.
    let window: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - replaced_at)::float8 FROM api_tokens
         WHERE public_id = $1",
    )
    .bind(&old_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(window, 3600.0);

    // Both work during the window; the list shows the old one rolling over.
    assert_eq!(
        app.api_get("/me", &new_token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.api_get("/me", &old_token).await.status(),
        StatusCode::OK
    );
    let rolling = json(app.api_get("/tokens?status=rolling", &admin_token).await).await;
    let ids: Vec<&str> = rolling["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [old_id.as_str()]);

    // Two seconds before the window ends the old token still works; a second after, it
    // is refused with its own message, and the use is recorded.
    ends_in(&app, &old_id, 2.0).await;
    assert_eq!(
        app.api_get("/me", &old_token).await.status(),
        StatusCode::OK
    );
    ends_in(&app, &old_id, -1.0).await;
    let refused = problem(app.api_get("/me", &old_token).await).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.detail.starts_with("The token was replaced on 20"),
        "{}",
        refused.detail
    );
    assert!(refused.www_authenticate.contains("invalid_token"));
    // A use after the window is a sign the old token leaked: the family goes with it.
    assert_eq!(
        app.api_get("/me", &new_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut recorded = false;
    for _ in 0..40 {
        recorded = app
            .audit_actions()
            .await
            .iter()
            .any(|a| a == "token.used_after_replacement");
        if recorded {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(recorded, "a use after the window is in the audit log");
    let old_now = json(
        app.api_get(&format!("/tokens/{old_id}"), &admin_token)
            .await,
    )
    .await;
    assert_eq!(old_now["status"], "revoked", "with its family");

    // A second roll of the old one is refused.
    let again = problem(
        app.api_post(&format!("/tokens/{old_id}/roll"), &admin_token, json!({}))
            .await,
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.detail.contains("revoked"), "{}", again.detail);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_rolls_itself_and_no_overlap_stops_the_old_one_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.listening().await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    // A token that may only read the audit log may still roll itself.
    let old = app
        .token_made(
            &admin_token,
            json!({ "name": "BI export", "scopes": ["audit:read"],
                "expires_at": (chrono::Utc::now() + chrono::Duration::days(30)) }),
        )
        .await;
    let old_token = text(&old["token"]);
    assert_eq!(
        app.api_get("/me", &old_token).await.status(),
        StatusCode::OK
    );

    let rolled = app
        .api_post("/tokens/self/roll", &old_token, json!({ "overlap": "now" }))
        .await;
    assert_eq!(rolled.status(), StatusCode::CREATED);
    let rolled = json(rolled).await;
    let new_token = text(&rolled["token"]);
    assert_eq!(rolled["replaced"]["status"], "replaced");
    // By default the new token lives as long as the old one did, from now.
    let expires: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(rolled["expires_at"].clone()).unwrap();
    let days = (expires - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "{days}");

    assert_eq!(
        app.api_get("/me", &new_token).await.status(),
        StatusCode::OK
    );
    // The new token rolls itself in turn.
    let second = app
        .api_post("/tokens/self/roll", &new_token, json!({}))
        .await;
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(
        app.api_get("/me", &new_token).await.status(),
        StatusCode::OK,
        "24 hours of overlap by default"
    );
    // The first token, stopped at once, is refused as replaced.
    let refused = problem(app.api_get("/me", &old_token).await).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.detail.contains("was replaced on"),
        "{}",
        refused.detail
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_roll_may_narrow_scopes_and_addresses_but_never_widen_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let old = app
        .token_made(
            &admin_token,
            json!({ "name": "WMS", "scopes": ["audit:read", "users:write"],
                "allowed_ips": ["127.0.0.0/8", "2001:db8::/32"] }),
        )
        .await;
    let old_id = text(&old["id"]);
    let roll = |body: Value| {
        let path = format!("/tokens/{old_id}/roll");
        let app = &app;
        let admin_token = &admin_token;
        async move { app.api_post(&path, admin_token, body).await }
    };

    for (body, field) in [
        (json!({ "scopes": ["roles:write"] }), "scopes"),
        (json!({ "scopes": ["audit:write"] }), "scopes"),
        (json!({ "allowed_ips": ["10.0.0.0/8"] }), "allowed_ips"),
        (json!({ "allowed_ips": [] }), "allowed_ips"),
        (json!({ "allowed_ips": ["127.0.0.9/8"] }), "allowed_ips"),
    ] {
        let refused = problem(roll(body.clone()).await).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(refused.body["errors"][0]["field"], field, "{body}");
    }

    let narrower = roll(json!({ "scopes": ["users:read"], "allowed_ips": ["127.0.0.1"] })).await;
    assert_eq!(narrower.status(), StatusCode::CREATED);
    let narrower = json(narrower).await;
    assert_eq!(narrower["scopes"], json!(["users:read"]));
    assert_eq!(narrower["allowed_ips"], json!(["127.0.0.1"]));
    let me = json(
        app.api_get("/me", narrower["token"].as_str().unwrap())
            .await,
    )
    .await;
    assert_eq!(me["token"]["effective_scopes"], json!(["users:read"]));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn an_allowlist_refuses_other_addresses_naming_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;

    // The test client comes from 127.0.0.1.
    let elsewhere = app
        .token_made(
            &admin_token,
            json!({ "name": "Branch office", "scopes": ["audit:read"],
                "allowed_ips": ["10.0.4.0/24", "2001:db8::/32"] }),
        )
        .await;
    let refused = problem(
        app.api_get("/me", elsewhere["token"].as_str().unwrap())
            .await,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.kind, "address-not-allowed");
    assert!(refused.detail.contains("127.0.0.1"), "{}", refused.detail);

    for allowed in [json!(["127.0.0.1"]), json!(["10.0.0.0/8", "127.0.0.0/8"])] {
        let here = app.token_made(&admin_token,
            json!({ "name": format!("Here {allowed}"), "scopes": ["audit:read"], "allowed_ips": allowed }),
        )
        .await;
        let token = here["token"].as_str().unwrap();
        assert_eq!(app.api_get("/me", token).await.status(), StatusCode::OK);
    }

    let bad = problem(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Typo", "scopes": ["audit:read"], "allowed_ips": ["10.0.4.9/24"] }),
        )
        .await,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["field"], "allowed_ips");
    assert!(bad.detail.contains("10.0.4.0/24"), "{}", bad.detail);

    // The refusal is counted with the token's usage, and introspection shows the list.
    app.state.usage.flush(&app.pool).await.unwrap();
    let refused_count: i64 = sqlx::query_scalar(
        "SELECT COALESCE(sum(d.refused), 0)::bigint FROM token_usage_daily d
         JOIN api_tokens t ON t.id = d.token_id WHERE t.public_id = $1",
    )
    .bind(elsewhere["id"].as_str().unwrap())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused_count, 1);
    let introspection = json(
        app.api_post(
            "/tokens/introspect",
            &app.token_for(admin, "Gateway", &["tokens:introspect"])
                .await,
            json!({ "token": elsewhere["token"] }),
        )
        .await,
    )
    .await;
    assert_eq!(introspection["active"], true);
    assert_eq!(
        introspection["allowed_ips"],
        json!(["10.0.4.0/24", "2001:db8::/32"])
    );
}

/// Requests made with `token`, each with its own user agent, `concurrency` at a time.
async fn burst(app: &TestApp, token: &str, path: &str, requests: usize, concurrency: usize) {
    use futures::StreamExt;
    let client = app.another_browser();
    futures::stream::iter(0..requests)
        .map(|i| {
            let request = client
                .get(app.url(&format!("/api/v1{path}")))
                .bearer_auth(token)
                .header("user-agent", format!("Burst/{i}"));
            async move { request.send().await.unwrap().status() }
        })
        .buffer_unordered(concurrency)
        .for_each(|status| async move { assert_eq!(status, StatusCode::OK) })
        .await;
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_token_page_knows_its_clients_and_which_scopes_were_needed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let made = app
        .token_made(
            &admin_token,
            json!({ "name": "SAP connector", "scopes": ["audit:read", "users:write"] }),
        )
        .await;
    let (token, id) = (text(&made["token"]), text(&made["id"]));
    for (agent, path) in [
        ("SAP-Connector/2.1", "/audit"),
        ("SAP-Connector/2.1", "/audit"),
        ("curl/8.5", "/users"),
        ("curl/8.5", "/me"),
    ] {
        let response = app
            .another_browser()
            .get(app.url(&format!("/api/v1{path}")))
            .bearer_auth(&token)
            .header("user-agent", agent)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    app.state.usage.flush(&app.pool).await.unwrap();

    let usage = json(
        app.api_get(&format!("/tokens/{id}/usage"), &admin_token)
            .await,
    )
    .await;
    let clients = usage["clients"].as_array().unwrap();
    let described: Vec<(String, String, i64)> = clients
        .iter()
        .map(|c| {
            (
                text(&c["addr"]),
                text(&c["user_agent"]),
                c["requests"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            ("127.0.0.1".into(), "curl/8.5".into(), 2),
            ("127.0.0.1".into(), "SAP-Connector/2.1".into(), 2)
        ]
    );
    // users:write was only ever needed for reading: it shows as never used, beside the
    // read scope that was.
    let scopes: Vec<(String, bool, bool)> = usage["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                text(&s["scope"]),
                s["granted"] == true,
                !s["last_used"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        scopes,
        [
            ("audit:read".into(), true, true),
            ("users:write".into(), true, false),
            ("users:read".into(), false, true),
        ]
    );
    assert!(usage["last_used_at"].is_string());
}

/// What a request needed is what it states, not what a rule compared: renaming a service
/// account compares the account's role with the caller's (outranking it), and that never
/// marks the role's permissions as used; nor is `users:read` needed beside the
/// `users:write` that implies it. Reading users needs only `users:read`.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn only_what_a_request_needed_counts_as_used(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let role = app.role(&admin_token, "Reporting", &["audit:read"]).await;
    let bi = app.service_account(&admin_token, "BI exporter", role).await;
    let scopes_used = |id: String| {
        let (app, admin_token) = (&app, &admin_token);
        async move {
            app.state.usage.flush(&app.pool).await.unwrap();
            let usage = json(
                app.api_get(&format!("/tokens/{id}/usage"), admin_token)
                    .await,
            )
            .await;
            let mut used: Vec<String> = usage["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| !s["last_used"].is_null())
                .map(|s| text(&s["scope"]))
                .collect();
            used.sort();
            used
        }
    };

    let renamer = app
        .token_for(admin, "Directory sync", &["users:write", "audit:read"])
        .await;
    let renamer_id = renamer.split('_').nth(1).unwrap().to_owned();
    let renamed = app
        .api(
            reqwest::Method::PATCH,
            &format!("/users/{bi}"),
            &renamer,
            Some(json!({ "display_name": "BI exporter (nightly)" })),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(scopes_used(renamer_id).await, ["users:write"]);

    let reader = app
        .token_for(admin, "Directory reader", &["users:write"])
        .await;
    let reader_id = reader.split('_').nth(1).unwrap().to_owned();
    assert_eq!(
        app.api_get("/users", &reader).await.status(),
        StatusCode::OK
    );
    assert_eq!(scopes_used(reader_id).await, ["users:read"]);
}

/// The closing figures of usage recording: a burst of 10,000 requests, each from a new
/// user agent (the worst case for the client list), is counted exactly, holds a bounded
/// amount of memory, and is written as a handful of rows.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_burst_of_10000_requests_is_counted_once_each_in_bounded_memory(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let made = app
        .token_made(
            &admin_token,
            json!({ "name": "Burst", "scopes": ["audit:read"] }),
        )
        .await;
    let (token, id) = (text(&made["token"]), text(&made["id"]));
    app.state.usage.flush(&app.pool).await.unwrap();

    burst(&app, &token, "/me", 10_000, 32).await;
    let (entries, bytes) = app.state.usage.held();
    println!("held after 10,000 requests: {entries} entries, about {bytes} bytes");
    // One last use, one daily count, one throttle mark, at most MAX_PENDING clients and
    // the admin's own token (a background flush may have written some already).
    assert!(
        entries <= latchkey_core::tokens::usage::MAX_PENDING + 5,
        "{entries} entries"
    );
    assert!(bytes < 300_000, "{bytes} bytes");

    app.state.usage.flush(&app.pool).await.unwrap();
    let (requests, daily_rows, client_rows): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COALESCE(sum(requests), 0)::bigint FROM token_usage_daily WHERE token_id = t.id),
                (SELECT count(*) FROM token_usage_daily WHERE token_id = t.id),
                (SELECT count(*) FROM token_clients WHERE token_id = t.id)
         FROM api_tokens t WHERE t.public_id = $1",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    println!(
        "written: {requests} requests counted in {daily_rows} daily row, {client_rows} client rows, \
         1 last-use update"
    );
    assert_eq!(requests, 10_000, "every request counted, once");
    assert_eq!(daily_rows, 1);
    assert_eq!(client_rows, latchkey_core::tokens::usage::CLIENTS_KEPT);
    assert!(
        app.state.usage.held().0 <= 2,
        "only the two tokens' once-a-minute marks stay"
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn unused_scopes_are_flagged_and_a_narrower_replacement_keeps_only_the_used(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let made = app
        .token_made(
            &admin_token,
            json!({ "name": "HR sync", "scopes": ["audit:read", "users:write", "roles:read"] }),
        )
        .await;
    let (token, id) = (text(&made["token"]), text(&made["id"]));
    let fresh = app
        .token_made(
            &admin_token,
            json!({ "name": "Fresh", "scopes": ["roles:read"] }),
        )
        .await;
    for path in ["/audit", "/users"] {
        assert_eq!(app.api_get(path, &token).await.status(), StatusCode::OK);
    }
    app.state.usage.flush(&app.pool).await.unwrap();

    // Young tokens are not judged yet.
    let read = json(app.api_get(&format!("/tokens/{id}"), &admin_token).await).await;
    assert_eq!(read["unused_scopes"], json!([]));

    // Forty days on (the token made then), users:write was only ever read with and
    // roles:read never needed.
    sqlx::query(
        "UPDATE api_tokens SET created_at = now() - interval '40 days' WHERE public_id = ANY($1)",
    )
    .bind(vec![id.clone(), text(&fresh["id"])])
    .execute(&app.pool)
    .await
    .unwrap();
    let read = json(app.api_get(&format!("/tokens/{id}"), &admin_token).await).await;
    assert_eq!(read["unused_scopes"], json!(["roles:read", "users:write"]));
    let audit = json(
        app.api_get("/tokens?unused_scopes=true", &admin_token)
            .await,
    )
    .await;
    let flagged: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        flagged,
        ["Fresh", "HR sync"],
        "the admin's own token is young"
    );

    // The narrower replacement the console offers: only what was used, read for write.
    let usage: types::tokens::TokenUsage = serde_json::from_value(
        json(
            app.api_get(&format!("/tokens/{id}/usage"), &admin_token)
                .await,
        )
        .await,
    )
    .unwrap();
    let narrower = usage.narrower_scopes(chrono::Utc::now());
    assert_eq!(narrower, ["audit:read", "users:read"]);
    let rolled = app
        .api_post(
            &format!("/tokens/{id}/roll"),
            &admin_token,
            json!({ "scopes": narrower, "overlap": "24h" }),
        )
        .await;
    assert_eq!(rolled.status(), StatusCode::CREATED);
    let rolled = json(rolled).await;
    assert_eq!(rolled["scopes"], json!(["audit:read", "users:read"]));
    assert_eq!(rolled["replaced"]["status"], "rolling");

    // A scope last needed 31 days ago counts as unused too.
    sqlx::query(
        "UPDATE token_scope_use SET last_used = now() - interval '31 days'
         WHERE token_id = (SELECT id FROM api_tokens WHERE public_id = $1) AND scope = 'audit:read'",
    )
    .bind(&id)
    .execute(&app.pool)
    .await
    .unwrap();
    let read = json(app.api_get(&format!("/tokens/{id}"), &admin_token).await).await;
    assert_eq!(
        read["unused_scopes"],
        json!(["audit:read", "roles:read", "users:write"])
    );
}

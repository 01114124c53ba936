//! API tokens through the REST API: creating, reading, listing, revoking, last use.

use crate::helpers::{
    api::{json, problem, ALL_ADMIN},
    logs::capture_logs,
    *,
};
use chrono::{Duration, Utc};
use latchkey_core::secrets;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::config::Settings;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_works_against_me_and_stores_only_a_digest(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;

    let created = app
        .api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Power BI Reporting", "scopes": ["audit:read"] }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json(created).await;
    let token = created["token"].as_str().unwrap().to_owned();
    let public_id = created["id"].as_str().unwrap().to_owned();
    assert!(regex_like_scanner(&token), "{token}");
    assert_eq!(created["masked"], format!("lk_{public_id}_••••••"));

    let me = app.api_get("/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me = json(me).await;
    assert_eq!(me["token"]["name"], "Power BI Reporting");
    assert_eq!(me["token"]["effective_scopes"], json!(["audit:read"]));
    assert_eq!(me["owner"]["id"], admin);

    let (digest, stored_name): (Vec<u8>, String) =
        sqlx::query_as("SELECT secret_digest, name FROM api_tokens WHERE public_id = $1")
            .bind(&public_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let secret = &token[16..48];
    assert_eq!(digest, secrets::sha256(secret.as_bytes()));
    assert_eq!(stored_name, "Power BI Reporting");
}

/// The secret-scanner expression from the README: lk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}
fn regex_like_scanner(token: &str) -> bool {
    let b = token.as_bytes();
    token.len() == 54
        && token.starts_with("lk_")
        && b[15] == b'_'
        && b[3..15]
            .iter()
            .chain(&b[16..])
            .all(u8::is_ascii_alphanumeric)
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn no_plaintext_token_reaches_the_database_or_the_log(pool: PgPool) {
    let logs = capture_logs();
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let created = json(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "WMS", "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    let token = created["token"].as_str().unwrap().to_owned();
    app.api_get("/me", &token).await;
    app.api(
        Method::DELETE,
        &format!("/tokens/{}", created["id"].as_str().unwrap()),
        &admin_token,
        None,
    )
    .await;
    app.state.usage.flush(&app.pool).await.unwrap();

    for plaintext in [&token, &admin_token] {
        let secret = &plaintext[16..48];
        // Every row of every table, as text: what a dump would hold.
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        for table in tables {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM \"{table}\" t WHERE t::text LIKE '%' || $1 || '%'"
            ))
            .bind(secret)
            .fetch_one(&app.pool)
            .await
            .unwrap();
            assert_eq!(hits, 0, "the secret is in table {table}");
        }
        assert!(!logs.contains(secret), "the secret is in the log");
    }
    assert!(!logs.contains(ADMIN_PASSWORD));
    // The capture works: it holds what the server did log.
    assert!(logs.contains("set-up done"), "no log lines were captured");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn names_are_unique_among_an_owners_live_tokens(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let body = json!({ "name": "SAP Integration", "scopes": ["users:read"] });
    let first = json(app.api_post("/tokens", &admin_token, body.clone()).await).await;

    let again = problem(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "sap integration", "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["errors"][0]["field"], "name");

    // Another owner may use the name, and so may the owner once the old token is revoked.
    let role = app.role(&admin_token, "Readers", &["users:read"]).await;
    let erp = app.service_account(&admin_token, "ERP", role).await;
    let other = app
        .api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "SAP Integration", "owner_id": erp, "scopes": ["users:read"] }),
        )
        .await;
    assert_eq!(other.status(), StatusCode::CREATED);
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/tokens/{}", first["id"].as_str().unwrap()),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let replacement = app.api_post("/tokens", &admin_token, body.clone()).await;
    assert_eq!(replacement.status(), StatusCode::CREATED);

    // An expired token is not live either: its replacement may take its name.
    let replacement = json(replacement).await;
    sqlx::query("UPDATE api_tokens SET expires_at = now() - interval '1 day' WHERE public_id = $1")
        .bind(replacement["id"].as_str().unwrap())
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.api_post("/tokens", &admin_token, body).await.status(),
        StatusCode::CREATED
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn two_requests_racing_for_one_name_make_one_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let body = json!({ "name": "Power BI Reporting", "scopes": ["users:read"] });
    let racers: Vec<_> = (0..32)
        .map(|_| app.api_post("/tokens", &admin_token, body.clone()))
        .collect();
    let mut statuses: Vec<u16> = futures::future::join_all(racers)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort();
    let mut expected = vec![409; 32];
    expected[0] = 201;
    assert_eq!(
        statuses, expected,
        "one token, and a conflict for each other racer"
    );
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_tokens WHERE owner_id = $1 AND name = 'Power BI Reporting'",
    )
    .bind(admin)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(live, 1);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn expiry_must_be_in_the_future_and_expired_tokens_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let past = problem(
        app.api_post("/tokens", &admin_token, json!({ "name": "Old", "scopes": ["users:read"], "expires_at": "2020-01-01T00:00:00Z" }))
            .await,
    )
    .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(past.body["errors"][0]["field"], "expires_at");

    let soon = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let created = json(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Weekly", "scopes": ["users:read"], "expires_at": soon }),
        )
        .await,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    assert_eq!(app.api_get("/me", token).await.status(), StatusCode::OK);
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE public_id = $1",
    )
    .bind(created["id"].as_str().unwrap())
    .execute(&app.pool)
    .await
    .unwrap();
    // A change made in SQL reaches the instance by notice, within milliseconds; wait for
    // it as a request that changed something through Latchkey would.
    app.state.verifier.settle().await;
    let expired = problem(app.api_get("/me", token).await).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.detail, "The token has expired.");
    assert!(expired.www_authenticate.contains("error=\"invalid_token\""));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_maximum_lifetime_refuses_tokens_that_never_expire(pool: PgPool) {
    let settings = Settings {
        core: latchkey_core::Settings {
            max_token_lifetime_days: Some(30),
            ..latchkey_core::Settings::default()
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(pool, settings).await;
    let admin = app.admin().await;
    let admin_token = {
        // The command line obeys the policy too: give the bootstrap token an expiry.
        let new = types::tokens::NewToken {
            name: "Provisioning".into(),
            owner_id: Some(admin),
            scopes: ALL_ADMIN.iter().map(|s| s.to_string()).collect(),
            expires_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
            ..Default::default()
        };
        latchkey_core::tokens::create(
            &app.pool,
            &app.state.settings.token_policy(),
            &latchkey_core::principal::Principal::command_line(),
            new,
        )
        .await
        .unwrap()
        .token
    };
    let never = problem(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Forever", "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    assert_eq!(never.body["errors"][0]["field"], "expires_at");
    assert!(never.detail.contains("30 days"));
    let too_far = (chrono::Utc::now() + chrono::Duration::days(31)).to_rfc3339();
    let far = app
        .api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Long", "scopes": ["users:read"], "expires_at": too_far }),
        )
        .await;
    assert_eq!(far.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fine = (chrono::Utc::now() + chrono::Duration::days(29)).to_rfc3339();
    let ok = app
        .api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Monthly", "scopes": ["users:read"], "expires_at": fine }),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn revoking_takes_effect_on_the_next_request(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let created = json(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Script", "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    assert_eq!(app.api_get("/me", token).await.status(), StatusCode::OK);
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        app.api(Method::DELETE, &format!("/tokens/{id}"), &admin_token, None)
            .await
            .status(),
        StatusCode::OK
    );
    let refused = problem(app.api_get("/me", token).await).await;
    assert_eq!(refused.detail, "The token has been revoked.");
    let shown = json(app.api_get(&format!("/tokens/{id}"), &admin_token).await).await;
    assert_eq!(shown["status"], "revoked");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn another_users_token_is_not_found(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let members: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = 'Member'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for name in ["Alice", "Bob"] {
        let user = app
            .api_post(
                "/users",
                &admin_token,
                json!({ "email": format!("{}@example.com", name.to_lowercase()), "display_name": name,
                        "password": "a long enough password", "role_id": members }),
            )
            .await;
        let id = json(user).await["id"].as_i64().unwrap();
        tokens.push(
            app.token_for(
                id,
                &format!("{name}'s script"),
                &["tokens:read", "tokens:write"],
            )
            .await,
        );
    }
    let alice_id = json(app.api_get("/me", &tokens[0]).await).await["token"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = problem(
        app.api_get(&format!("/tokens/{alice_id}"), &tokens[1])
            .await,
    )
    .await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
    let revoke = app
        .api(
            Method::DELETE,
            &format!("/tokens/{alice_id}"),
            &tokens[1],
            None,
        )
        .await;
    assert_eq!(revoke.status(), StatusCode::NOT_FOUND);
    let bobs = json(app.api_get("/tokens", &tokens[1]).await).await;
    let names: Vec<&str> = bobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bob's script"]);
    // A token admin sees everyone's, newest first.
    let all = json(app.api_get("/tokens", &admin_token).await).await;
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bob's script", "Alice's script", "Provisioning"]);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_never_mints_a_token_with_more_than_it_has(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    // The admin holds everything, but this token only tokens:write.
    let narrow = app.token_for(admin, "Narrow", &["tokens:write"]).await;
    let wider = problem(
        app.api_post(
            "/tokens",
            &narrow,
            json!({ "name": "Wider", "scopes": ["users:write"] }),
        )
        .await,
    )
    .await;
    assert_eq!(wider.status, StatusCode::FORBIDDEN);
    assert!(
        wider
            .detail
            .contains("grant users:write: your own access does not include it"),
        "{}",
        wider.detail
    );
    let admin_scope = problem(
        app.api_post(
            "/tokens",
            &narrow,
            json!({ "name": "Admin", "scopes": ["tokens:admin"] }),
        )
        .await,
    )
    .await;
    assert_eq!(admin_scope.status, StatusCode::FORBIDDEN);
    let same = app
        .api_post(
            "/tokens",
            &narrow,
            json!({ "name": "Same", "scopes": ["tokens:read"] }),
        )
        .await;
    assert_eq!(same.status(), StatusCode::CREATED);
    // And only tokens:admin makes tokens for someone else.
    let other = problem(
        app.api_post(
            "/tokens",
            &narrow,
            json!({ "name": "Theirs", "owner_id": 999, "scopes": ["tokens:read"] }),
        )
        .await,
    )
    .await;
    assert_eq!(other.body["scope"], "tokens:admin");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn last_use_is_recorded_in_coalesced_batches(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let token = app.token_for(admin, "Script", &["users:read"]).await;
    let last_used = || async {
        sqlx::query_scalar::<_, Option<chrono::DateTime<chrono::Utc>>>(
            "SELECT last_used_at FROM api_tokens",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    assert_eq!(last_used().await, None);
    for _ in 0..3 {
        app.api_get("/me", &token).await;
    }
    assert_eq!(
        last_used().await,
        None,
        "nothing is written on the request path"
    );
    assert_eq!(
        app.state.usage.flush(&app.pool).await.unwrap(),
        1,
        "three uses, one write"
    );
    let first = last_used().await.expect("recorded");
    app.api_get("/me", &token).await;
    assert_eq!(
        app.state.usage.flush(&app.pool).await.unwrap(),
        0,
        "at most once a minute"
    );
    assert_eq!(last_used().await, Some(first));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_token_list_pages_and_filters_by_name_and_status(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.admin_with_token(ALL_ADMIN).await;
    for i in 1..=5 {
        app.api_post(
            "/tokens",
            &token,
            json!({ "name": format!("Report {i}"), "scopes": ["users:read"] }),
        )
        .await;
    }
    let first = json(app.api_get("/tokens?name=report&limit=2", &token).await).await;
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["Report 5", "Report 4"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json(
        app.api_get(
            &format!("/tokens?name=report&limit=2&cursor={cursor}"),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(names(&second), ["Report 3", "Report 2"]);
    let revoked = json(app.api_get("/tokens?status=revoked", &token).await).await;
    assert!(names(&revoked).is_empty());
    let bad = problem(app.api_get("/tokens?status=sleeping", &token).await).await;
    assert_eq!(bad.body["errors"][0]["field"], "status");

    // Those that stop within the week: live ones only, the soonest as the console warns.
    let soon = (Utc::now() + Duration::days(3)).to_rfc3339();
    let later = (Utc::now() + Duration::days(30)).to_rfc3339();
    for (name, at) in [
        ("Stops soon", &soon),
        ("Stops later", &later),
        ("Revoked soon", &soon),
    ] {
        let made = app
            .token_made(
                &token,
                json!({ "name": name, "scopes": ["users:read"], "expires_at": at }),
            )
            .await;
        if name.starts_with("Revoked") {
            let id = made["id"].as_str().unwrap();
            let revoked = app
                .api(Method::DELETE, &format!("/tokens/{id}"), &token, None)
                .await;
            assert!(revoked.status().is_success());
        }
    }
    let expiring = json(app.api_get("/tokens?expiring_soon=true", &token).await).await;
    assert_eq!(names(&expiring), ["Stops soon"]);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_tokens_usage_is_its_requests_per_day(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let script = app.token_for(admin, "Script", &["users:read"]).await;
    let id = script.split('_').nth(1).unwrap().to_owned();
    for _ in 0..4 {
        assert_eq!(app.api_get("/me", &script).await.status(), StatusCode::OK);
    }
    app.state.usage.flush(&app.pool).await.unwrap();
    app.used_days_ago(&id, 40, 7).await;
    let usage = json(
        app.api_get(&format!("/tokens/{id}/usage"), &admin_token)
            .await,
    )
    .await;
    assert_eq!(usage["id"], id.as_str());
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        usage["days"],
        json!([
            { "day": (today - chrono::Duration::days(40)).to_string(), "requests": 7 },
            { "day": today.to_string(), "requests": 4 },
        ])
    );
    assert_eq!(
        usage["requests_30d"], 4,
        "the day 40 days ago is older than 30"
    );
    // Reading usage takes tokens:read, even for the token itself.
    let refused = problem(app.api_get(&format!("/tokens/{id}/usage"), &script).await).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unknown = app
        .api_get("/tokens/AAAAAAAAAAAA/usage", &admin_token)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_token_list_sorts_by_created_last_use_and_expiry_a_page_at_a_time(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.admin_with_token(ALL_ADMIN).await;
    // Days ago each was last used, and days from now each expires (None: never).
    let tokens = [
        ("A", Some(3), Some(30)),
        ("B", None, Some(7)),
        ("C", Some(1), None),
        ("D", Some(10), Some(90)),
        ("E", None, None),
    ];
    for (name, used, expires) in tokens {
        let body = match expires {
            Some(days) => json!({ "name": name, "scopes": ["users:read"],
                                  "expires_at": chrono::Utc::now() + chrono::Duration::days(days) }),
            None => json!({ "name": name, "scopes": ["users:read"] }),
        };
        let created = app.api_post("/tokens", &token, body).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = now() - make_interval(days => $2)
             WHERE name = $1",
        )
        .bind(name)
        .bind(used)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    // Every page of an order, two tokens at a time (the provisioning token left out).
    let all_in = |sort: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            let mut names = Vec::new();
            let mut cursor = String::new();
            loop {
                let page = json(
                    app.api_get(
                        &format!("/tokens?sort={sort}&limit=2&cursor={cursor}"),
                        token,
                    )
                    .await,
                )
                .await;
                for t in page["items"].as_array().unwrap() {
                    let name = t["name"].as_str().unwrap();
                    if name != "Provisioning" {
                        names.push(name.to_owned());
                    }
                }
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = next.to_owned(),
                    None => return names,
                }
            }
        }
    };
    assert_eq!(all_in("newest").await, ["E", "D", "C", "B", "A"]);
    assert_eq!(all_in("oldest").await, ["A", "B", "C", "D", "E"]);
    // Most recently used first; never used last (newest first among them).
    assert_eq!(all_in("last_used").await, ["C", "A", "D", "E", "B"]);
    // Soonest to expire first; never expiring last (oldest first among them).
    assert_eq!(all_in("expires").await, ["B", "A", "D", "C", "E"]);

    let bad = problem(app.api_get("/tokens?sort=name", &token).await).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["field"], "sort");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_made_by_a_token_never_outlives_it_and_is_revoked_with_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let in_ten_days = chrono::Utc::now() + chrono::Duration::days(10);
    let parent = json(
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": "Deployer", "scopes": ["tokens:write", "users:read"],
                    "expires_at": in_ten_days }),
        )
        .await,
    )
    .await;
    let parent_token = parent["token"].as_str().unwrap().to_owned();
    let parent_expiry = parent["expires_at"].clone();

    // Asked for no expiry, or a later one, the child gets the parent's.
    for (name, expires_at) in [
        ("Forever child", Value::Null),
        (
            "Late child",
            json!(chrono::Utc::now() + chrono::Duration::days(90)),
        ),
    ] {
        let child = json(
            app.api_post(
                "/tokens",
                &parent_token,
                json!({ "name": name, "scopes": ["users:read"], "expires_at": expires_at }),
            )
            .await,
        )
        .await;
        assert_eq!(child["expires_at"], parent_expiry, "{name}");
    }
    let child = json(
        app.api_post(
            "/tokens",
            &parent_token,
            json!({ "name": "Minting child", "scopes": ["tokens:write", "users:read"] }),
        )
        .await,
    )
    .await;
    let child_token = child["token"].as_str().unwrap().to_owned();
    let grandchild = json(
        app.api_post(
            "/tokens",
            &child_token,
            json!({ "name": "Grandchild", "scopes": ["users:read"] }),
        )
        .await,
    )
    .await;
    let grandchild_token = grandchild["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.api_get("/me", &grandchild_token).await.status(),
        StatusCode::OK
    );

    // Revoking the parent revokes all it made, down the line.
    let parent_id = parent["id"].as_str().unwrap();
    let revoked = app
        .api(
            Method::DELETE,
            &format!("/tokens/{parent_id}"),
            &admin_token,
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    for token in [&child_token, &grandchild_token] {
        let refused = problem(app.api_get("/me", token).await).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(refused.detail.contains("revoked"), "{}", refused.detail);
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'token.revoked'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 5, "the parent and its four descendants");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn names_that_only_look_alike_cannot_coexist(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let create = |name: &'static str| {
        app.api_post(
            "/tokens",
            &admin_token,
            json!({ "name": name, "scopes": ["users:read"] }),
        )
    };
    assert_eq!(
        create("Caf\u{e9} export").await.status(),
        StatusCode::CREATED
    );
    // The same name with "e" and a combining accent is the same name.
    let twin = problem(create("Cafe\u{301} export").await).await;
    assert_eq!(twin.status, StatusCode::CONFLICT);
    // Invisible or direction-changing characters are refused outright.
    for sneaky in ["Caf\u{e9}\u{200B} export", "\u{202E}tropxe \u{e9}faC"] {
        let refused = problem(create(sneaky).await).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{sneaky:?}"
        );
        assert_eq!(refused.body["errors"][0]["field"], "name");
    }
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_pasted_token_or_its_public_id_finds_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let leaked = app.token_for(admin, "Leaky script", &["users:read"]).await;
    app.token_for(admin, "Other", &["users:read"]).await;
    let public_id = leaked.split('_').nth(1).unwrap();
    for search in [
        leaked.clone(),
        format!("lk_{public_id}_••••••"),
        public_id.to_owned(),
        "leaky".to_owned(),
    ] {
        let url = format!("/tokens?name={}", urlencode(&search));
        let page = json(app.api_get(&url, &admin_token).await).await;
        let names: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Leaky script"], "{search}");
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Status and order are words of a closed list: an empty one filters nothing, any other
/// is refused with every word named.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_status_or_order_the_list_does_not_know_is_refused_naming_every_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let everything = app.api_get("/tokens?status=&sort=", &admin_token).await;
    assert_eq!(everything.status(), StatusCode::OK);
    let revoked = json(app.api_get("/tokens?status=revoked", &admin_token).await).await;
    assert_eq!(revoked["items"], serde_json::json!([]));

    let refused = problem(app.api_get("/tokens?status=paused", &admin_token).await).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"][0]["field"], "status");
    let detail = refused.body["errors"][0]["message"].as_str().unwrap();
    for status in ["active", "rolling", "replaced", "expired", "revoked"] {
        assert!(detail.contains(status), "{detail} names {status}");
    }
    let refused = problem(app.api_get("/tokens?sort=name", &admin_token).await).await;
    assert_eq!(refused.body["errors"][0]["field"], "sort");
    let detail = refused.body["errors"][0]["message"].as_str().unwrap();
    for sort in ["newest", "oldest", "last_used", "expires"] {
        assert!(detail.contains(sort), "{detail} names {sort}");
    }
}

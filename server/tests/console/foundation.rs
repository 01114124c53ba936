//! The foundation as a user meets it: first-run set-up, sign-in, sessions, sign-out.

use crate::helpers::*;
use latchkey_core::{passwords::Passwords, sessions};
use reqwest::StatusCode;
use server::config::Settings;
use sqlx::PgPool;
use types::session::SessionInfo;
use types::AppError;

#[tokio::test]
async fn passwords_are_hashed_with_argon2id_and_verified() {
    let passwords = Passwords::default();
    let hash = passwords
        .hash("a long enough password".into())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("a long enough password"));
    let ok = passwords.verify("a long enough password".into(), Some(hash.clone()));
    assert!(ok.await.unwrap());
    let wrong = passwords.verify("another password!!".into(), Some(hash));
    assert!(!wrong.await.unwrap());
    assert!(!passwords
        .verify("anything at all".into(), None)
        .await
        .unwrap());
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn every_page_leads_to_set_up_until_an_administrator_exists(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in ["/", "/login", "/account", "/no-such-page"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&response), "/setup", "{path}");
    }
    let page = app.get("/setup").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Set up Latchkey"));
}

/// Leptos marks a process-wide flag while it lists an app's routes, and a page whose data
/// starts loading inside that window never finishes (leptos-rs/leptos#4773). Tests start
/// many instances in one process: the route list is made once, so pages keep answering
/// while other instances start.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn pages_answer_while_other_instances_start_in_the_same_process(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let starting = {
        let state = app.state.clone();
        tokio::task::spawn_blocking(move || {
            for _ in 0..40 {
                drop(server::web::router(state.clone()));
            }
        })
    };
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    while !starting.is_finished() {
        let page = client.get(app.url("/setup")).send().await.unwrap();
        let body = page.text().await.expect("the page finishes");
        assert!(body.contains("Set up Latchkey"));
    }
    starting.await.unwrap();
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn set_up_refuses_a_wrong_code(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app
        .call(
            "set_up",
            &[
                ("code", "WXYZ-WXYZ-WXYZ"),
                ("email", ADMIN_EMAIL),
                ("display_name", "Mallory"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(app_error(response).await.field(), Some("code"));
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_server_function_call_that_does_not_decode_is_a_bad_request(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let missing = app.call("set_up", &[("email", ADMIN_EMAIL)]).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let error = app_error(missing).await;
    assert!(
        error.to_string().contains("missing field `code`"),
        "the message names the field: {error}"
    );
    let garbled = app.read("tokens/list", &[("filter[limit]", "many")]).await;
    assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);
    // A well-formed call that fails for a reason of its own keeps its own status.
    let anonymous = app.read("tokens/list", &[("filter[limit]", "5")]).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn set_up_names_the_field_of_a_short_password(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app
        .call(
            "set_up",
            &[
                ("code", app.setup_code.as_str()),
                ("email", ADMIN_EMAIL),
                ("display_name", "Ada"),
                ("password", "short"),
            ],
        )
        .await;
    let error = app_error(response).await;
    assert_eq!(error.field(), Some("password"));
    assert!(error.to_string().contains("at least 12 characters"));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn set_up_creates_the_first_administrator_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.set_up_admin().await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("latchkey_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    let (role, hash): (String, String) = sqlx::query_as(
        "SELECT r.name, u.password_hash FROM users u JOIN roles r ON r.id = u.role_id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(role, "Administrator");
    assert!(hash.starts_with("$argon2id$") && !hash.contains(ADMIN_PASSWORD));

    // Signed in straight away; set-up is closed for everyone from now on.
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    assert_eq!(location(&app.get("/setup").await), "/");
    let again = app.set_up_admin().await;
    assert!(matches!(app_error(again).await, AppError::Forbidden(_)));
    assert!(app
        .audit_actions()
        .await
        .contains(&"user.created".to_owned()));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn pages_need_a_session_and_sign_in_opens_them(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let browser = app.another_browser();
    let response = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");

    let url = app.url("/api/sign_in");
    let signed_in = call_with(
        &browser,
        &url,
        &[("email", "ADA@example.com "), ("password", ADMIN_PASSWORD)],
    )
    .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let page = browser.get(app.url("/account")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Ada Lovelace"));
    assert!(app
        .audit_actions()
        .await
        .contains(&"sign_in.succeeded".to_owned()));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_wrong_email_and_a_wrong_password_get_the_same_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let response = app.sign_in(ADMIN_EMAIL, "not the password at all").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let wrong_password = app_error(response).await;
    let wrong_email = app_error(app.sign_in("eve@example.com", ADMIN_PASSWORD).await).await;
    assert_eq!(wrong_password, AppError::WrongCredentials);
    assert_eq!(wrong_email, wrong_password);
    let failures = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "sign_in.failed")
        .count();
    assert_eq!(failures, 2);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn sign_in_is_slowed_down_after_five_failures_a_minute(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    for _ in 0..5 {
        let error = app_error(app.sign_in(ADMIN_EMAIL, "guessing, guessing").await).await;
        assert_eq!(error, AppError::WrongCredentials);
    }
    // Even the right password waits now.
    let response = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let error = app_error(response).await;
    assert!(matches!(error, AppError::TooManyRequests(_)), "{error:?}");

    // A minute later the account may try again.
    sqlx::query("UPDATE sign_in_failures SET at = at - interval '61 seconds'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_session_ends_after_the_idle_time(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '121 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn sign_out_ends_the_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let response = app.call("sign_out", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookie(&response).contains("Max-Age=0"));
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    assert_eq!(location(&app.get("/").await), "/login");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn server_functions_refuse_an_anonymous_caller(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let stranger = app.another_browser();
    let url = app.url("/api/change_password");
    let form = [
        ("current_password", ADMIN_PASSWORD),
        ("new_password", "a brand new password"),
        ("confirm_password", "a brand new password"),
    ];
    let response = call_with(&stranger, &url, &form).await;
    assert_eq!(app_error(response).await, AppError::Unauthenticated);
    // A forged cookie is no better than none.
    let forged = stranger
        .post(&url)
        .header("accept", "application/json")
        .header("cookie", "latchkey_session=forged")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(app_error(forged).await, AppError::Unauthenticated);
    let who = read_with(&stranger, &app.url("/api/who_am_i"), &[]).await;
    assert_eq!(who.text().await.unwrap(), "null");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let laptop = app.another_browser();
    call_with(
        &laptop,
        &app.url("/api/sign_in"),
        &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
    )
    .await;

    let wrong = app
        .call(
            "change_password",
            &[
                ("current_password", "not my password"),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(app_error(wrong).await.field(), Some("current_password"));

    let changed = app
        .call(
            "change_password",
            &[
                ("current_password", ADMIN_PASSWORD),
                ("new_password", "a brand new password"),
                ("confirm_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        app.get("/").await.status(),
        StatusCode::OK,
        "this session goes on"
    );
    let other = laptop.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&other), "/login", "the other session ended");
    assert_eq!(
        app_error(app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await).await,
        AppError::WrongCredentials
    );
}

async fn change_password(app: &TestApp, current: &str) -> reqwest::Response {
    app.call(
        "change_password",
        &[
            ("current_password", current),
            ("new_password", "a brand new password"),
            ("confirm_password", "a brand new password"),
        ],
    )
    .await
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn guessing_the_current_password_is_slowed_down_like_sign_in(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    for _ in 0..5 {
        let wrong = change_password(&app, "guessing, guessing").await;
        assert_eq!(app_error(wrong).await.field(), Some("current_password"));
    }
    let right = change_password(&app, ADMIN_PASSWORD).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    // The guesses count for signing in too.
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn health_checks_answer_for_load_balancers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.get("/healthz").await.text().await.unwrap(), "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
}

#[test]
fn session_cookies_are_secure_when_served_over_https() {
    let https = latchkey_core::Settings {
        public_url: "https://latchkey.example.com".into(),
        secure_cookies: true,
        ..latchkey_core::Settings::default()
    };
    let set = sessions::set_cookie(&https, "v");
    let cookie = cookie::Cookie::parse(set.as_str()).unwrap();
    assert_eq!(cookie.secure(), Some(true), "{set}");
    // Only this host may set it: no sibling subdomain can plant a session.
    assert_eq!(
        (cookie.name(), cookie.value()),
        ("__Host-latchkey_session", "v")
    );
    assert_eq!(cookie.path(), Some("/"));
    assert_eq!(cookie.domain(), None);
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(cookie::SameSite::Strict));
    let plain = sessions::set_cookie(&latchkey_core::Settings::default(), "v");
    assert!(!plain.contains("Secure"), "{plain}");
    let ended = cookie::Cookie::parse(sessions::clear_cookie(&https)).unwrap();
    assert_eq!(ended.max_age(), Some(cookie::time::Duration::ZERO));
    assert_eq!(ended.secure(), Some(true));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn two_hundred_guesses_at_once_get_five_checked(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let guesses = (0..200).map(|i| {
        let browser = app.another_browser();
        let url = app.url("/api/sign_in");
        async move {
            let password = format!("guess number {i}");
            call_with(
                &browser,
                &url,
                &[("email", ADMIN_EMAIL), ("password", &password)],
            )
            .await
            .status()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((wrong, throttled), (5, 195), "{statuses:?}");
    let checked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'sign_in.failed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(checked, 5, "passwords checked");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_flood_of_refused_sign_ins_is_one_line_in_the_audit_log(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    for _ in 0..25 {
        app.sign_in(ADMIN_EMAIL, "guessing, guessing").await;
    }
    let count = |action: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_events WHERE action = $1")
                .bind(action)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("sign_in.failed").await, 5);
    assert_eq!(count("sign_in.throttled").await, 1, "once a minute");

    // An "email" longer than any address is refused before it reaches a table.
    let long = format!("{}@example.com", "a".repeat(4000));
    let refused = app_error(app.another_sign_in(&long).await).await;
    assert_eq!(refused, AppError::WrongCredentials);
    let stored: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM audit_events WHERE length(target) > 254)
              + (SELECT count(*) FROM sign_in_failures WHERE length(key) > 300)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn housekeeping_deletes_ended_sessions_old_failures_and_old_audit_events(pool: PgPool) {
    let settings = latchkey_core::Settings {
        audit_retention_days: Some(30),
        ..latchkey_core::Settings::default()
    };
    let app = TestApp::spawn_with(
        pool,
        Settings {
            core: settings.clone(),
            ..Settings::default()
        },
    )
    .await;
    app.set_up_admin().await;
    app.sign_in(ADMIN_EMAIL, "guessing, guessing").await;
    let other = app.another_browser();
    call_with(
        &other,
        &app.url("/api/sign_in"),
        &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
    )
    .await;
    // One session, the failure (its address row: signing in forgave the account's) and
    // its event from long ago.
    for ageing in [
        "UPDATE sessions SET last_seen_at = now() - interval '3 hours'
         WHERE ctid = (SELECT ctid FROM sessions LIMIT 1)",
        "UPDATE sign_in_failures SET at = now() - interval '2 hours'",
        "UPDATE audit_events SET at = now() - interval '31 days' WHERE action = 'sign_in.failed'",
    ] {
        sqlx::query(ageing).execute(&app.pool).await.unwrap();
    }
    let pruned = latchkey_core::maintenance::run_once(&app.pool, &settings)
        .await
        .unwrap();
    assert_eq!(
        (pruned.sessions, pruned.throttle_rows, pruned.audit_events),
        (1, 1, 1)
    );
    let left: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM sign_in_failures),
                (SELECT count(*) FROM audit_events WHERE action = 'sign_in.failed')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(left, (1, 0, 0));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn set_up_refuses_a_password_that_is_easy_to_guess(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for weak in ["password1234", "lovelaceada12"] {
        let response = app
            .call(
                "set_up",
                &[
                    ("code", app.setup_code.as_str()),
                    ("email", ADMIN_EMAIL),
                    ("display_name", "Ada Lovelace"),
                    ("password", weak),
                ],
            )
            .await;
        let error = app_error(response).await;
        assert_eq!(error.field(), Some("password"), "{weak}");
        assert!(error.to_string().contains("too easy to guess"), "{error}");
    }
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn changes_sent_from_another_sites_page_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let member_role: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = 'Member'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let role = member_role.to_string();
    let person = |email: &'static str, name: &'static str, password: &'static str| {
        [
            ("new[kind]", "human".to_owned()),
            ("new[email]", email.to_owned()),
            ("new[display_name]", name.to_owned()),
            ("new[password]", password.to_owned()),
            ("new[role_id]", role.clone()),
        ]
    };
    let form = person("mallory@example.com", "Mallory", "a password mallory chose");
    let own = format!("http://{}", app.addr);
    for (origin, fetch_site) in [
        (Some("http://127.0.0.1:4444"), None),
        (Some("https://latchkey.example.com.evil.test"), None),
        (None, Some("same-site")),
        (None, Some("cross-site")),
        // A page that sends no referrer posts its forms with `Origin: null`: only the
        // browser's own word that it came from here lets one through.
        (Some("null"), None),
        (Some("null"), Some("cross-site")),
        (Some("null"), Some("same-site")),
    ] {
        let mut request = app.client.post(app.url("/api/users/create")).form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{origin:?} {fetch_site:?}"
        );
    }
    let mallory: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'mallory@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(mallory, 0);

    // The console's own pages, and clients that are not browsers, go through.
    let response = app
        .client
        .post(app.url("/api/users/create"))
        .header("origin", &own)
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A plain form of the console's own (no Wasm running): `Origin: null`, same origin.
    let form = person("nora@example.com", "Nora", "a password nora chose");
    let response = app
        .client
        .post(app.url("/api/users/create"))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn every_answer_carries_the_security_headers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let page = app.get("/setup").await;
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let policy = header(&page, "content-security-policy");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "referrer-policy"), "no-referrer");
    assert_eq!(header(&page, "cache-control"), "no-store");
    assert_eq!(
        header(&page, "strict-transport-security"),
        "",
        "not over http"
    );
    // The page's inline scripts carry the nonce its policy names, fresh each time.
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    let again = header(&app.get("/setup").await, "content-security-policy");
    assert!(!again.contains(&nonce));

    let api = app.get("/api/v1/me").await;
    assert_eq!(
        header(&api, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(header(&api, "cache-control"), "no-store");

    let https = Settings {
        core: latchkey_core::Settings {
            public_url: "https://latchkey.example.com".into(),
            secure_cookies: true,
            ..latchkey_core::Settings::default()
        },
        ..Settings::default()
    };
    let secure = TestApp::spawn_with(app.pool.clone(), https).await;
    let page = secure.get("/healthz").await;
    assert!(header(&page, "strict-transport-security").starts_with("max-age="));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn slow_clients_cannot_hold_a_connection(pool: PgPool) {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let settings = Settings {
        timeouts: server::listener::Timeouts {
            header_read: Duration::from_secs(1),
            request: Duration::from_secs(1),
        },
        ..Settings::default()
    };
    let app = TestApp::spawn_with(pool, settings).await;

    // Headers that never end: the connection is closed.
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: latchkey\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "still open after 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // A body that never arrives: 408, and the connection is not held.
    let mut slow = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(
        b"POST /api/sign_in HTTP/1.1\r\nHost: latchkey\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // Everyone else is served as usual.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_session_ends_a_week_after_sign_in_however_busy(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    sqlx::query("UPDATE sessions SET created_at = now() - interval '7 days 1 minute'")
        .execute(&app.pool)
        .await
        .unwrap();
    let response = app.get("/").await;
    assert_eq!(location(&response), "/login", "signed out after 7 days");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn people_see_their_sessions_and_end_the_others(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    // A second browser, a phone say.
    let phone = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent("Phone Browser/1.0")
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = call_with(
        &phone,
        &app.url("/api/sign_in"),
        &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
    )
    .await;
    assert!(signed_in.status().is_success() || signed_in.status().is_redirection());

    let sessions: Vec<SessionInfo> = app.read("sessions/list", &[]).await.json().await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    let other = sessions.iter().find(|s| !s.current).unwrap();
    assert_eq!(other.user_agent.as_deref(), Some("Phone Browser/1.0"));
    assert_eq!(other.client_addr.as_deref(), Some("127.0.0.1"));

    let id = other.id.to_string();
    let ended = app.call("sessions/end", &[("id", id.as_str())]).await;
    assert_eq!(ended.status(), StatusCode::OK);
    let on_phone = phone.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&on_phone), "/login", "the phone is signed out");
    assert_eq!(
        app.get("/").await.status(),
        StatusCode::OK,
        "this browser is not"
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"session.ended".to_owned()));

    // Nobody ends a session that is not theirs.
    let member_role: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = 'Member'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mine: i64 = sqlx::query_scalar("SELECT id FROM sessions LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mia = app.another_browser();
    let role = member_role.to_string();
    let created = app
        .call(
            "users/create",
            &[
                ("new[kind]", "human"),
                ("new[email]", "mia@example.com"),
                ("new[display_name]", "Mia"),
                ("new[password]", "member password 123"),
                ("new[role_id]", role.as_str()),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    call_with(
        &mia,
        &app.url("/api/sign_in"),
        &[
            ("email", "mia@example.com"),
            ("password", "member password 123"),
        ],
    )
    .await;
    let mine = mine.to_string();
    let refused = call_with(
        &mia,
        &app.url("/api/sessions/end"),
        &[("id", mine.as_str())],
    )
    .await;
    assert_eq!(
        app_error(refused).await,
        AppError::NotFound("That session".into())
    );
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn guesses_at_the_set_up_code_and_the_current_password_are_audited(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for _ in 0..3 {
        app.call(
            "set_up",
            &[
                ("code", "WRNG-CODE-XXXX"),
                ("email", ADMIN_EMAIL),
                ("display_name", "Ada"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    }
    app.set_up_admin().await;
    change_password(&app, "not my current password").await;
    let actions = app.audit_actions().await;
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(
        count("setup.failed"),
        1,
        "once a minute per address: {actions:?}"
    );
    assert_eq!(count("user.password_change_failed"), 1, "{actions:?}");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn guessing_slows_an_account_down_without_locking_its_owner_out(pool: PgPool) {
    // Behind a reverse proxy on 127.0.0.1, which names each client in X-Forwarded-For.
    let settings = Settings {
        trusted_proxies: server::proxies::TrustedProxies::parse("127.0.0.1").unwrap(),
        ..Settings::default()
    };
    let app = TestApp::spawn_with(pool, settings).await;
    app.set_up_admin().await;
    let sign_in_from = |client: &'static str, password: &'static str| {
        let url = app.url("/api/sign_in");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("x-forwarded-for", client)
                .header("accept", "application/json")
                .form(&[("email", ADMIN_EMAIL), ("password", password)])
                .send()
                .await
                .unwrap()
        }
    };
    // Someone guesses from one address: five tries, then that address waits a minute...
    for _ in 0..5 {
        let guess = sign_in_from("203.0.113.7", "guessing, guessing").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = sign_in_from("203.0.113.7", "guessing, guessing").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...but the owner, from an address that has not failed, is not held back by the
    // guesser's failures: the right password is checked, and signs them in at once.
    let owner = sign_in_from("198.51.100.1", ADMIN_PASSWORD).await;
    assert!(owner.status().is_success(), "{}", owner.status());
    // The log names the clients, not the proxy.
    let addresses: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT client_addr FROM audit_events WHERE action LIKE 'sign_in.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        addresses.first().cloned().flatten().as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(
        addresses.last().cloned().flatten().as_deref(),
        Some("198.51.100.1")
    );
}

//! Two-step sign-in: an authenticator app set up on the Account page, asked for at every
//! sign-in after; recovery codes; wrong, reused and old codes refused and throttled; and
//! the policy that leads people whose role is powerful to set one up first.

use crate::helpers::{
    api, app_error, call_with, location, read_with, set_cookie, TestApp, ADMIN_EMAIL,
    ADMIN_PASSWORD,
};
use latchkey_core::factors::totp;
use reqwest::StatusCode;
use sqlx::PgPool;
use types::{
    factors::{FactorStatus, TotpEnrolment},
    AppError, CurrentUser,
};

fn now_step() -> i64 {
    totp::step_at(chrono::Utc::now().timestamp())
}

fn code_at(secret: &[u8], step: i64) -> String {
    format!("{:06}", totp::code(secret, step))
}

/// Sets up the signed-in browser's authenticator app; its secret and recovery codes.
async fn enrol(app: &TestApp, browser: &reqwest::Client, email: &str) -> (Vec<u8>, Vec<String>) {
    let begun = call_with(browser, &app.url("/api/factors/totp/begin"), &[]).await;
    assert_eq!(begun.status(), StatusCode::OK);
    let enrolment: TotpEnrolment = begun.json().await.unwrap();
    let secret: Vec<u8> = sqlx::query_scalar(
        "SELECT f.secret FROM totp_factors f JOIN users u ON u.id = f.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // What the page shows is that secret, as text and in the QR code's address.
    assert_eq!(enrolment.secret, totp::secret_text(&secret));
    assert!(enrolment.uri.starts_with("otpauth://totp/Latchkey:"));
    assert!(enrolment.qr_svg.contains("<svg"));
    let wrong = call_with(
        browser,
        &app.url("/api/factors/totp/confirm"),
        &[("code", "000000")],
    )
    .await;
    assert!(matches!(app_error(wrong).await, AppError::Invalid { field, .. } if field == "code"));
    let confirmed = call_with(
        browser,
        &app.url("/api/factors/totp/confirm"),
        &[("code", &code_at(&secret, now_step()))],
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let codes: Vec<String> = confirmed.json().await.unwrap();
    (secret, codes)
}

async fn who(app: &TestApp, browser: &reqwest::Client) -> Option<CurrentUser> {
    read_with(browser, &app.url("/api/who_am_i"), &[])
        .await
        .json()
        .await
        .unwrap()
}

/// Signs in with the password from a new browser: it is then waiting for its code.
async fn first_step(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let browser = app.another_browser();
    let signed_in = call_with(
        &browser,
        &app.url("/api/sign_in"),
        &[("email", email), ("password", password)],
    )
    .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(location(&signed_in), "/login/code");
    let cookie = set_cookie(&signed_in);
    assert!(cookie.starts_with("latchkey_sign_in="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    browser
}

async fn second_step(app: &TestApp, browser: &reqwest::Client, code: &str) -> reqwest::Response {
    call_with(browser, &app.url("/api/sign_in/code"), &[("code", code)]).await
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn an_authenticator_app_is_asked_for_at_every_sign_in_and_each_code_works_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.set_up_admin().await.status(), StatusCode::OK);
    let (secret, recovery) = enrol(&app, &app.client, ADMIN_EMAIL).await;
    assert_eq!(recovery.len(), 10);
    assert!(recovery.iter().all(|c| c.len() == 19), "{recovery:?}");
    let status: FactorStatus = app.read("factors/status", &[]).await.json().await.unwrap();
    assert!(status.totp_since.is_some());
    assert_eq!(status.recovery_codes_left, 10);
    assert!(app
        .audit_actions()
        .await
        .contains(&"user.second_factor_changed".to_owned()));

    // The password alone no longer signs in: the browser waits at the code page.
    let browser = first_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(who(&app, &browser).await, None);
    let home = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(location(&home), "/login");
    let page = browser.get(app.url("/login/code")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // Without a sign-in under way, the code page leads back to the sign-in page.
    let stranger = app.another_browser();
    let page = stranger.get(app.url("/login/code")).send().await.unwrap();
    assert_eq!(location(&page), "/login");

    // Wrong, already used (the one that confirmed the app) and too old: each refused.
    let now = now_step();
    for code in [
        "123456".to_owned(),
        code_at(&secret, now),
        code_at(&secret, now - 2),
    ] {
        let refused = second_step(&app, &browser, &code).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert!(
            matches!(app_error(refused).await, AppError::Invalid { field, .. } if field == "code")
        );
    }
    // A code the app shows next (one step of drift) signs in.
    let next = code_at(&secret, now + 1);
    let done = second_step(&app, &browser, &next).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("latchkey_session=")));
    assert_eq!(who(&app, &browser).await.unwrap().email, ADMIN_EMAIL);
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'sign_in.succeeded' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(details["second_factor"], "authenticator app");

    // The same code, at once, in another browser: used already.
    let other = first_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let reused = second_step(&app, &other, &next).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A recovery code, typed in capitals without its dashes, signs in once.
    let typed = recovery[0].replace('-', "").to_uppercase();
    assert_eq!(
        second_step(&app, &other, &typed).await.status(),
        StatusCode::OK
    );
    let third = first_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let again = second_step(&app, &third, &recovery[0]).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let status: FactorStatus = app.read("factors/status", &[]).await.json().await.unwrap();
    assert_eq!(status.recovery_codes_left, 9);
    // A sign-in's cookie is taken once: after it finished, it starts nothing again.
    let replay = second_step(&app, &other, &recovery[1]).await;
    assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn wrong_codes_end_the_sign_in_and_are_throttled_like_passwords(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.set_up_admin().await.status(), StatusCode::OK);
    let (secret, _) = enrol(&app, &app.client, ADMIN_EMAIL).await;
    let browser = first_step(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut last = None;
    for _ in 0..5 {
        last = Some(app_error(second_step(&app, &browser, "999999").await).await);
    }
    let Some(AppError::Invalid { message, .. }) = last else {
        panic!("{last:?}")
    };
    assert!(message.contains("Too many wrong codes"), "{message}");
    // That sign-in is over: even the right code does not finish it.
    let over = second_step(&app, &browser, &code_at(&secret, now_step() + 1)).await;
    let Some(AppError::Invalid { message, .. }) = Some(app_error(over).await) else {
        unreachable!()
    };
    assert!(message.contains("expired"), "{message}");
    // The guesses count against the person (from whatever address) and against this
    // address, as wrong passwords do: from here, even the right password waits.
    let failures: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sign_in_failures WHERE key LIKE 'second-factor:%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(failures, 5);
    let again = call_with(
        &app.another_browser(),
        &app.url("/api/sign_in"),
        &[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)],
    )
    .await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_policy_leads_a_powerful_role_to_set_up_a_second_factor_first(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    let (_, mia) = app.signed_in_member(&admin_token).await;
    let policy = app
        .call(
            "settings/update",
            &[
                ("policy[require_sso]", "false"),
                ("policy[session_idle_minutes]", "120"),
                ("policy[session_max_days]", "7"),
                ("policy[require_second_factor]", "true"),
                ("policy[second_factor_permissions][0]", "tokens:admin"),
                ("policy[second_factor_permissions][1]", "users:write"),
            ],
        )
        .await;
    assert_eq!(policy.status(), StatusCode::OK);

    // The administrator holds nothing until they set one up: every page leads to the
    // Account page, and every other call is refused by name.
    let me = who(&app, &app.client).await.unwrap();
    assert!(me.must_enrol && me.permissions.is_empty());
    assert_eq!(location(&app.get("/").await), "/account");
    assert_eq!(location(&app.get("/users").await), "/account");
    assert_eq!(app.get("/account").await.status(), StatusCode::OK);
    let refused = app.read("settings/get", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(app_error(refused).await, AppError::SecondFactorRequired);
    let status: FactorStatus = app.read("factors/status", &[]).await.json().await.unwrap();
    assert!(status.required && status.totp_since.is_none());

    // A Member's role names none of those permissions: nothing changes for them.
    let member = who(&app, &mia).await.unwrap();
    assert!(!member.must_enrol && !member.permissions.is_empty());
    assert_eq!(
        mia.get(app.url("/")).send().await.unwrap().status(),
        StatusCode::OK
    );

    // Once set up, everything is back; and the only factor cannot be removed.
    enrol(&app, &app.client, ADMIN_EMAIL).await;
    assert_eq!(app.get("/users").await.status(), StatusCode::OK);
    assert_eq!(app.read("settings/get", &[]).await.status(), StatusCode::OK);
    let removed = app.call("factors/totp/remove", &[]).await;
    assert!(matches!(app_error(removed).await, AppError::Forbidden(_)));
}

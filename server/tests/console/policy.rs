//! The console's sign-in policy on its Settings page: who may read and change it, single
//! sign-on required with break-glass accounts, and the session length it sets.

use crate::helpers::{
    api, app_error, call_with, location, read_with, settings, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD,
};
use latchkey_core::sso::SsoSettings;
use reqwest::StatusCode;
use sqlx::PgPool;
use types::{
    session::{SignInPolicy, SECOND_FACTOR_PERMISSIONS},
    AppError,
};

/// Latchkey with single sign-on configured (the provider is never asked: these tests sign
/// in with passwords).
fn with_sso() -> server::config::Settings {
    let mut settings = settings();
    settings.core.sso = Some(SsoSettings {
        issuer: "http://127.0.0.1:9".into(),
        client_id: "latchkey".into(),
        client_secret: "secret".into(),
        name: "Acme SSO".into(),
        roles_claim: None,
        extra_scopes: Vec::new(),
        default_role: "Member".into(),
    });
    settings
}

async fn update(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    call_with(client, &app.url("/api/settings/update"), fields).await
}

async fn sign_in_from(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    call_with(
        &app.another_browser(),
        &app.url("/api/sign_in"),
        &[("email", email), ("password", password)],
    )
    .await
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn only_those_with_settings_permissions_see_or_change_the_policy(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );

    // The administrator reads the defaults the server was started with.
    let policy: SignInPolicy = app.read("settings/get", &[]).await.json().await.unwrap();
    assert_eq!(
        policy,
        SignInPolicy {
            require_sso: false,
            break_glass: vec![],
            session_idle_minutes: 120,
            session_max_days: 7,
            require_second_factor: false,
            second_factor_permissions: SECOND_FACTOR_PERMISSIONS.map(String::from).to_vec(),
        }
    );

    // A Member may neither read nor change it.
    let (_, mia) = app.signed_in_member(&admin_token).await;
    let read = read_with(&mia, &app.url("/api/settings/get"), &[]).await;
    assert!(matches!(
        app_error(read).await,
        AppError::MissingPermission { .. }
    ));
    let changed = update(
        &app,
        &mia,
        &[
            ("policy[require_sso]", "false"),
            ("policy[session_idle_minutes]", "5"),
            ("policy[session_max_days]", "1"),
        ],
    )
    .await;
    assert!(matches!(
        app_error(changed).await,
        AppError::MissingPermission { .. }
    ));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_shorter_idle_time_ends_sessions_sooner(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let saved = update(
        &app,
        &app.client,
        &[
            ("policy[require_sso]", "false"),
            ("policy[session_idle_minutes]", "15"),
            ("policy[session_max_days]", "1"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);

    // Sixteen minutes idle: past the new limit, well within the server's default of 120.
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let page = app.get("/").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&page), "/login");

    // Out of range: refused, naming the field.
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    let refused = update(
        &app,
        &app.client,
        &[
            ("policy[require_sso]", "false"),
            ("policy[session_idle_minutes]", "0"),
            ("policy[session_max_days]", "1"),
        ],
    )
    .await;
    assert_eq!(
        app_error(refused).await.field(),
        Some("session_idle_minutes")
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"settings.changed".to_owned()));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn requiring_single_sign_on_needs_a_provider(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.set_up_admin().await;
    let refused = update(
        &app,
        &app.client,
        &[
            ("policy[require_sso]", "true"),
            ("policy[break_glass][0]", ADMIN_EMAIL),
            ("policy[session_idle_minutes]", "120"),
            ("policy[session_max_days]", "7"),
        ],
    )
    .await;
    assert_eq!(app_error(refused).await.field(), Some("require_sso"));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn with_single_sign_on_required_only_break_glass_accounts_use_passwords(pool: PgPool) {
    let app = TestApp::spawn_with(pool, with_sso()).await;
    let (_, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    app.member(&admin_token, "mia@example.com", "Mia").await;
    assert_eq!(
        app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    let required = |break_glass: &'static str| {
        vec![
            ("policy[require_sso]", "true"),
            ("policy[break_glass][0]", break_glass),
            ("policy[session_idle_minutes]", "120"),
            ("policy[session_max_days]", "7"),
        ]
    };

    // Nobody left to let in when the provider is down: refused.
    let none = update(
        &app,
        &app.client,
        &[
            ("policy[require_sso]", "true"),
            ("policy[session_idle_minutes]", "120"),
            ("policy[session_max_days]", "7"),
        ],
    )
    .await;
    assert_eq!(app_error(none).await.field(), Some("break_glass"));
    // A break-glass account must be a person who can sign in with a password.
    let nobody = update(&app, &app.client, &required("nobody@example.com")).await;
    let error = app_error(nobody).await;
    assert_eq!(error.field(), Some("break_glass"));
    assert!(error.to_string().contains("nobody@example.com"), "{error}");

    let saved = update(&app, &app.client, &required(ADMIN_EMAIL)).await;
    assert_eq!(saved.status(), StatusCode::OK);

    // Mia's right password no longer signs her in; a wrong one is still just wrong.
    let mia = sign_in_from(&app, "mia@example.com", api::MEMBER_PASSWORD).await;
    assert_eq!(app_error(mia).await, AppError::SsoRequired);
    let wrong = sign_in_from(&app, "mia@example.com", "not her password").await;
    assert_eq!(app_error(wrong).await, AppError::WrongCredentials);
    // The break-glass administrator still may.
    let admin = sign_in_from(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(admin.status(), StatusCode::OK);

    // Turned off again, passwords work for everyone.
    let off = update(
        &app,
        &app.client,
        &[
            ("policy[require_sso]", "false"),
            ("policy[session_idle_minutes]", "120"),
            ("policy[session_max_days]", "7"),
        ],
    )
    .await;
    assert_eq!(off.status(), StatusCode::OK);
    let mia = sign_in_from(&app, "mia@example.com", api::MEMBER_PASSWORD).await;
    assert_eq!(mia.status(), StatusCode::OK);
}

//! Tokens from the command line.

use crate::helpers::{api::json, *};
use server::config::Settings;
use sqlx::PgPool;

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_command_line_creates_working_tokens(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.admin().await;
    let token = server::cli::create_token(
        app.pool.clone(),
        Settings::default(),
        ADMIN_EMAIL,
        "Provisioning script".into(),
        vec!["users:read".into()],
        Some("30d"),
        None,
    )
    .await
    .unwrap();
    let me = json(app.api_get("/me", &token).await).await;
    assert_eq!(me["token"]["name"], "Provisioning script");
    assert!(me["token"]["expires_at"].is_string());
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"token.created".to_owned()));
}

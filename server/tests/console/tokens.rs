//! The console's server functions for tokens and the API page check who is asking.

use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::PgPool;
use types::{
    api_docs::{ApiGroup, ApiOperation},
    audit::AuditEvent,
    tokens::TokenSummary,
    AppError, Page,
};

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn token_functions_refuse_an_anonymous_caller(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    app.token_for(admin, "Existing", &["users:read"]).await;
    let stranger = app.another_browser();
    let list = read_with(
        &stranger,
        &app.url("/api/tokens/list"),
        &[("filter[limit]", "5")],
    )
    .await;
    assert_eq!(list.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app_error(list).await, AppError::Unauthenticated);

    // The signed-in administrator sees the token through the same function.
    let mine = app.read("tokens/list", &[("filter[limit]", "5")]).await;
    assert_eq!(mine.status(), StatusCode::OK);
    let page: Page<TokenSummary> = mine.json().await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name, "Existing");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_api_page_lists_every_operation_with_its_scope(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.admin().await;
    let response = app.read("api_reference", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A read is a GET, and no cache keeps what it answers.
    assert_eq!(response.headers()["cache-control"], "no-store");
    let groups: Vec<ApiGroup> = response.json().await.unwrap();
    // Grouped as the document orders its tags, webhooks last.
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["tokens", "users", "roles", "audit", "webhooks"]);
    let ops: Vec<&ApiOperation> = groups.iter().flat_map(|g| &g.operations).collect();
    let create = ops
        .iter()
        .find(|o| o.method == "POST" && o.path == "/api/v1/tokens")
        .unwrap();
    assert_eq!(create.scope.as_deref(), Some("tokens:write"));
    assert!(create.summary_html.contains("plaintext"));
    // The examples are addressed to this instance.
    assert!(create.example_request.starts_with(&format!(
        "curl -X POST '{}/api/v1/tokens'",
        app.state.settings.public_url
    )));
    assert!(ops
        .iter()
        .any(|o| o.path == "/api/v1/me" && o.scope.as_deref() == Some("")));
    // The leak reports are signed, not sent with a token: the page says so.
    assert!(ops
        .iter()
        .any(|o| o.path == "/api/v1/leaks" && o.scope.is_none()));
    assert_eq!(ops.len(), 32);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn only_token_admins_may_ask_about_another_owners_token_names(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    let (_, mia) = app.signed_in_member(&admin_token).await;

    let url = app.url("/api/tokens/check_name");
    let admin_id = admin.to_string();
    let theirs = read_with(
        &mia,
        &url,
        &[("owner_id", admin_id.as_str()), ("name", "Provisioning")],
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
    assert!(matches!(
        app_error(theirs).await,
        AppError::MissingPermission { .. }
    ));
    let mine = read_with(&mia, &url, &[("name", "Provisioning")]).await;
    assert_eq!(mine.status(), StatusCode::OK, "the name is free for Mia");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_owner_sees_the_tokens_history_without_reading_the_audit_log(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    let (mia_id, mia) = app.signed_in_member(&admin_token).await;
    let token = app
        .token_for(mia_id, "Mia's script", &["tokens:read"])
        .await;
    let public_id = token.split('_').nth(1).unwrap().to_owned();
    let admins_public_id = admin_token.split('_').nth(1).unwrap().to_owned();

    let audit = read_with(&mia, &app.url("/api/audit/list"), &[("filter[limit]", "5")]).await;
    assert!(matches!(
        app_error(audit).await,
        AppError::MissingPermission { .. }
    ));
    let url = app.url("/api/tokens/events");
    let history = read_with(&mia, &url, &[("id", public_id.as_str())]).await;
    assert_eq!(history.status(), StatusCode::OK);
    let events: Vec<AuditEvent> = history.json().await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["token.created"]
    );
    assert!(events
        .iter()
        .all(|e| e.target.as_deref() == Some(&public_id)));

    let others = read_with(&mia, &url, &[("id", admins_public_id.as_str())]).await;
    assert_eq!(others.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_token_history_holds_only_its_own_events_whatever_others_are_named(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    let token = app
        .token_for(admin, "Nightly export", &["users:read"])
        .await;
    let public_id = token.split('_').nth(1).unwrap().to_owned();
    // A role and a service account named exactly like the token's public id.
    let role = app.role(&admin_token, &public_id, &["users:read"]).await;
    app.service_account(&admin_token, &public_id, role).await;

    let history = app
        .read("tokens/events", &[("id", public_id.as_str())])
        .await;
    let events: Vec<AuditEvent> = history.json().await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["token.created"]
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_filtered_list_exports_as_csv_without_secrets_or_formulas(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.admin().await;
    let sap = app.token_for(admin, "SAP, export", &["users:read"]).await;
    app.token_for(admin, "=HYPERLINK(\"http://evil\")", &["users:read"])
        .await;
    app.token_for(admin, "Power BI", &["audit:read"]).await;

    let csv = app.get("/tokens/export.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "name,token,owner,owner_email,scopes,created_at,last_used_at,expires_at,status"
    );
    assert_eq!(lines.len(), 4, "{text}");
    let public_id = sap.split('_').nth(1).unwrap();
    assert!(
        text.contains(&format!(
            "\"SAP, export\",lk_{public_id}_••••••,Ada Lovelace"
        )),
        "{text}"
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{text}"
    );
    assert!(!text.contains(sap.split('_').nth(2).unwrap()), "no secret");

    // The list's filters apply.
    let filtered = app
        .get("/tokens/export.csv?name=power")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(filtered.lines().count(), 2, "{filtered}");
    assert!(filtered.contains("Power BI"));

    // Without a session, the export is not given.
    let stranger = app
        .another_browser()
        .get(app.url("/tokens/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn several_tokens_are_revoked_in_one_step_all_or_none(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    let (mia_id, mia) = app.signed_in_member(&admin_token).await;
    let erp = app.token_for(mia_id, "ERP", &["tokens:read"]).await;
    let bi = app.token_for(mia_id, "BI", &["tokens:read"]).await;
    let wms = app.token_for(mia_id, "WMS", &["tokens:read"]).await;
    let id = |token: &str| token.split('_').nth(1).unwrap().to_owned();
    let url = app.url("/api/tokens/revoke_many");

    // One of the tokens named is not Mia's: nothing is revoked, hers included.
    let admins = id(&admin_token);
    let mixed = call_with(&mia, &url, &[("ids[0]", &id(&erp)), ("ids[1]", &admins)]).await;
    assert_eq!(mixed.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.api_get("/me", &erp).await.status(), StatusCode::OK);
    assert_eq!(
        app.api_get("/me", &admin_token).await.status(),
        StatusCode::OK
    );

    let both = call_with(&mia, &url, &[("ids[0]", &id(&erp)), ("ids[1]", &id(&bi))]).await;
    assert_eq!(both.status(), StatusCode::OK);
    let revoked: Vec<types::tokens::Revoked> = both.json().await.unwrap();
    assert_eq!(
        revoked
            .iter()
            .map(|r| r.token.name.as_str())
            .collect::<Vec<_>>(),
        ["ERP", "BI"]
    );
    assert!(revoked.iter().all(|r| r.token.revoked_at.is_some()));
    // From the next request on, both are refused; the third still works.
    assert_eq!(
        app.api_get("/me", &erp).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.api_get("/me", &bi).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.api_get("/me", &wms).await.status(), StatusCode::OK);
    let actions = app.audit_actions().await;
    assert_eq!(
        actions.iter().filter(|a| *a == "token.revoked").count(),
        2,
        "{actions:?}"
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn requests_per_day_are_counted_in_batches_and_drawn_for_those_who_may_see_them(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    let (mia_id, mia) = app.signed_in_member(&admin_token).await;
    let script = app
        .token_for(mia_id, "Mia's script", &["tokens:read"])
        .await;
    let id = script.split('_').nth(1).unwrap().to_owned();
    let counted = || async {
        sqlx::query_as::<_, (i64, Option<i64>)>(
            "SELECT count(*), sum(d.requests)::bigint FROM token_usage_daily d
             JOIN api_tokens t ON t.id = d.token_id WHERE t.public_id = $1",
        )
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    for _ in 0..5 {
        assert_eq!(app.api_get("/me", &script).await.status(), StatusCode::OK);
    }
    assert_eq!(
        counted().await,
        (0, None),
        "nothing is written on the request path"
    );
    app.state.usage.flush(&app.pool).await.unwrap();
    assert_eq!(counted().await, (1, Some(5)));
    app.api_get("/me", &script).await;
    app.state.usage.flush(&app.pool).await.unwrap();
    assert_eq!(counted().await, (1, Some(6)), "one row a day, added to");

    let token: TokenSummary = read_with(&mia, &app.url("/api/tokens/get"), &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(token.requests_30d, 6);
    let chart_url = |id: &str| app.url(&format!("/tokens/{id}/usage.svg"));
    let chart = mia.get(chart_url(&id)).send().await.unwrap();
    assert_eq!(chart.status(), StatusCode::OK);
    assert!(chart.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("image/svg+xml"));
    let svg = chart.text().await.unwrap();
    assert!(
        svg.contains("<title>6 requests in the last 30 days</title>"),
        "{svg}"
    );
    assert_eq!(svg.matches("<rect").count(), 30);

    // Another user's token is not found; a stranger is sent to sign in.
    let admins = admin_token.split('_').nth(1).unwrap();
    let theirs = mia.get(chart_url(admins)).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    let stranger = app
        .another_browser()
        .get(chart_url(&id))
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
    assert!(location(&stranger).starts_with("/login"));

    // Days are kept 90 days: housekeeping deletes older ones.
    app.used_days_ago(&id, 91, 3).await;
    let pruned = latchkey_core::maintenance::run_once(&app.pool, &app.state.settings)
        .await
        .unwrap();
    assert_eq!(pruned.usage_days, 1);
    assert_eq!(counted().await, (1, Some(6)));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_expiry_banner_counts_everyone_s_tokens_for_token_admins_and_her_own_for_a_member(
    pool: PgPool,
) {
    use types::tokens::ExpiringSoon;
    let app = TestApp::spawn(pool).await;
    let (admin, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    let (mia, mia_browser) = app.signed_in_member(&admin_token).await;
    let soon = chrono::Utc::now() + chrono::Duration::days(3);
    for (owner, name) in [
        (mia, "Mia's export"),
        (admin, "Ada's sync"),
        (admin, "Ada's backup"),
    ] {
        let response = app
            .api_post(
                "/tokens",
                &admin_token,
                serde_json::json!({ "name": name, "owner_id": owner, "scopes": ["tokens:read"],
                                    "expires_at": soon }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let asked = |browser: reqwest::Client| {
        let url = app.url("/api/tokens/expiring");
        async move {
            let response = read_with(&browser, &url, &[]).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<ExpiringSoon>().await.unwrap()
        }
    };
    let for_admin = asked(app.client.clone()).await;
    assert_eq!(
        for_admin,
        ExpiringSoon {
            yours: 2,
            all: Some(3)
        }
    );
    assert!(for_admin
        .warning()
        .unwrap()
        .starts_with("3 tokens (2 of them yours) expire within 7 days"));
    let for_mia = asked(mia_browser).await;
    assert_eq!(
        for_mia,
        ExpiringSoon {
            yours: 1,
            all: None
        }
    );
    let stranger = read_with(
        &app.another_browser(),
        &app.url("/api/tokens/expiring"),
        &[],
    )
    .await;
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_member_plants_a_canary_from_the_console_and_it_never_authorizes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, admin_token) = app.admin_with_token(api::ALL_ADMIN).await;
    let (mia, mia_browser) = app.signed_in_member(&admin_token).await;
    let created = call_with(
        &mia_browser,
        &app.url("/api/tokens/create_canary"),
        &[
            ("new[name]", "CI variables"),
            ("new[description]", "planted in the build"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::OK);
    let canary: types::tokens::CreatedToken = created.json().await.unwrap();
    assert!(canary.summary.canary);
    assert!(canary.summary.scopes.is_empty());
    assert_eq!(canary.summary.owner.id, mia);
    let used = app.api_get("/me", &canary.token).await;
    assert_eq!(used.status(), StatusCode::UNAUTHORIZED);
    // Anonymous callers plant nothing.
    let stranger = call_with(
        &app.another_browser(),
        &app.url("/api/tokens/create_canary"),
        &[("new[name]", "Nope")],
    )
    .await;
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
}

/// The list's count of the last 30 days and the chart drawn beside it count the same days:
/// today and the 29 before it, the day before those left out of both.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn the_count_and_the_chart_of_30_days_count_the_same_days(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin_id, _) = app.admin_with_token(api::ALL_ADMIN).await;
    let script = app
        .token_for(admin_id, "Nightly export", &["users:read"])
        .await;
    let id = script.split('_').nth(1).unwrap().to_owned();
    // Today and 29 days ago are in the window; 30 days ago is not.
    app.used_days_ago(&id, 0, 1).await;
    app.used_days_ago(&id, 29, 10).await;
    app.used_days_ago(&id, 30, 100).await;

    let token: TokenSummary = read_with(&app.client, &app.url("/api/tokens/get"), &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(token.requests_30d, 11, "the list's count");
    let svg = app
        .client
        .get(app.url(&format!("/tokens/{id}/usage.svg?size=chart")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        svg.contains("<title>11 requests in the last 30 days"),
        "the chart: {svg}"
    );
}

//! `/scim/v2` as a directory meets it: provisioning people and groups, filters, PATCH,
//! versions, errors in SCIM's shape; a deactivation that stops every token the person
//! owns or made on every instance, with its receipt in the audit log; and the whole story
//! driven by scim2-client (PyPI), a client someone else wrote.

use crate::helpers::TestApp;
use reqwest::{header, Method, Response, StatusCode};
use serde_json::{json, Value};
use std::{path::Path, process::Command};

const SCIM_TYPE: &str = "application/scim+json";

impl TestApp {
    async fn scim(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Response {
        let mut request = self
            .another_browser()
            .request(method, self.url(&format!("/scim/v2{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, SCIM_TYPE)
                .body(body.to_string());
        }
        request.send().await.unwrap()
    }
}

/// An answer's status, SCIM content type checked, and body.
async fn answer(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    if status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED {
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_TYPE);
    }
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// POST /Users: the answer's status and body.
async fn provision(app: &TestApp, token: &str, person: Value) -> (StatusCode, Value) {
    answer(app.scim(Method::POST, "/Users", token, Some(person)).await).await
}

fn patch(ops: Value) -> Value {
    json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops })
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_directory_provisions_finds_and_changes_people(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, token) = app.admin_with_token(&["scim:write"]).await;

    let (status, bj) = provision(
        &app,
        &token,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "BJensen@Example.com", "externalId": "hr-42",
            "name": { "givenName": "Barbara", "familyName": "Jensen" },
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bj}");
    assert_eq!(bj["userName"], "bjensen@example.com");
    assert_eq!(bj["displayName"], "Barbara Jensen");
    assert_eq!(bj["active"], true);
    assert_eq!(
        bj["groups"][0]["display"], "Member",
        "a new person is a Member"
    );
    let id = bj["id"].as_str().unwrap().to_owned();
    let version = bj["meta"]["version"].as_str().unwrap().to_owned();

    // The same address again: a conflict, in SCIM's words.
    let (status, error) =
        provision(&app, &token, json!({ "userName": "bjensen@example.com" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["scimType"], "uniqueness");
    assert_eq!(error["status"], "409");
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    // Found by filter, paged.
    let (_, list) = answer(
        app.scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22bjensen%40EXAMPLE.com%22",
            &token,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(list["totalResults"], 1);
    assert_eq!(list["Resources"][0]["id"], id.as_str());
    let (_, list) = answer(
        app.scim(Method::GET, "/Users?startIndex=1&count=0", &token, None)
            .await,
    )
    .await;
    assert_eq!(list["totalResults"], 2, "Barbara and the administrator");
    assert_eq!(list["itemsPerPage"], 0);
    let (status, error) = answer(
        app.scim(
            Method::GET,
            "/Users?filter=userName%20gt%20%22a%22",
            &token,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["scimType"], "invalidFilter");
    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .contains("“gt” is not supported"),
        "{error}"
    );

    // Versions: a read that has the version is told nothing changed; a write that names an
    // old version is refused.
    let unchanged = app
        .another_browser()
        .get(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&token)
        .header(header::IF_NONE_MATCH, &version)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    let renamed = patch(json!([{ "op": "replace", "path": "displayName", "value": "Babs" }]));
    let (status, babs) = answer(
        app.scim(
            Method::PATCH,
            &format!("/Users/{id}"),
            &token,
            Some(renamed.clone()),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(babs["displayName"], "Babs");
    assert_ne!(
        babs["meta"]["version"],
        version.as_str(),
        "the version changed"
    );
    let stale = app
        .another_browser()
        .patch(app.url(&format!("/scim/v2/Users/{id}")))
        .bearer_auth(&token)
        .header(header::IF_MATCH, &version)
        .body(renamed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);

    // A group is a role: joining gives it, leaving gives Member back.
    let (status, group) = answer(
        app.scim(
            Method::POST,
            "/Groups",
            &token,
            Some(json!({
                "displayName": "Warehouse", "members": [{ "value": id }],
            })),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["members"][0]["value"], id.as_str());
    let role: String = sqlx::query_scalar(
        "SELECT r.name FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = $1::bigint",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(role, "Warehouse");
    let leave = patch(json!([{ "op": "remove", "path": format!("members[value eq \"{id}\"]") }]));
    let (_, group) = answer(
        app.scim(
            Method::PATCH,
            &format!("/Groups/{group_id}"),
            &token,
            Some(leave),
        )
        .await,
    )
    .await;
    assert_eq!(group["members"], json!([]));
    let (_, bj) = answer(
        app.scim(Method::GET, &format!("/Users/{id}"), &token, None)
            .await,
    )
    .await;
    assert_eq!(bj["groups"][0]["display"], "Member");
    let (status, _) = answer(
        app.scim(Method::DELETE, &format!("/Groups/{group_id}"), &token, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // Discovery.
    let (_, config) = answer(
        app.scim(Method::GET, "/ServiceProviderConfig", &token, None)
            .await,
    )
    .await;
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["etag"]["supported"], true);
    let (_, types) = answer(app.scim(Method::GET, "/ResourceTypes", &token, None).await).await;
    assert_eq!(types["totalResults"], 2);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn only_a_token_with_a_scim_scope_reaches_the_directory(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    let (admin, token) = app.admin_with_token(&["users:write"]).await;
    let (status, error) = answer(app.scim(Method::GET, "/Users", &token, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        error["detail"].as_str().unwrap().contains("scim:read"),
        "{error}"
    );
    let reader = app
        .token_for(admin, "Directory reader", &["scim:read"])
        .await;
    let (status, _) = answer(app.scim(Method::GET, "/Users", &reader, None).await).await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = provision(&app, &reader, json!({ "userName": "x@example.com" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        error["detail"].as_str().unwrap().contains("scim:write"),
        "{error}"
    );
    let (status, _) = answer(app.scim(Method::GET, "/Users", "lk_nothing", None).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_leaver_stops_everywhere_with_a_receipt_and_comes_back_with_nothing(pool: sqlx::PgPool) {
    let (first, second) = TestApp::spawn_pair(pool).await;
    let (admin, token) = first.admin_with_token(&["scim:write"]).await;
    let (_, person) = answer(
        first
            .scim(
                Method::POST,
                "/Users",
                &token,
                Some(json!({ "userName": "leaver@example.com" })),
            )
            .await,
    )
    .await;
    let id: i64 = person["id"].as_str().unwrap().parse().unwrap();
    // A token of theirs, and one they made for a service account.
    let own = first.token_for(id, "Laptop", &["tokens:read"]).await;
    let role: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = 'Member'")
        .fetch_one(&first.pool)
        .await
        .unwrap();
    let admin_token = first
        .token_for(admin, "Admin", crate::helpers::api::ALL_ADMIN)
        .await;
    let robot = first
        .service_account(&admin_token, "Nightly export", role)
        .await;
    let made = first.token_for(robot, "Export", &["tokens:read"]).await;
    let public_id = made.split('_').nth(1).unwrap();
    sqlx::query("UPDATE api_tokens SET created_by = $1 WHERE public_id = $2")
        .bind(id)
        .bind(public_id)
        .execute(&first.pool)
        .await
        .unwrap();
    for t in [&own, &made] {
        let me = second.api_get("/me", t).await;
        assert_eq!(me.status(), StatusCode::OK, "cached on the second instance");
    }

    let off = patch(json!([{ "op": "Replace", "value": { "active": "False" } }]));
    let (status, gone) = answer(
        first
            .scim(Method::PATCH, &format!("/Users/{id}"), &token, Some(off))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{gone}");
    assert_eq!(gone["active"], false);
    for t in [&own, &made] {
        let me = second.api_get("/me", t).await;
        assert_eq!(
            me.status(),
            StatusCode::UNAUTHORIZED,
            "refused on the second instance at once"
        );
    }
    let revoked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL AND (owner_id = $1 OR created_by = $1)",
    )
    .bind(id)
    .fetch_one(&first.pool)
    .await
    .unwrap();
    assert_eq!(revoked, 2, "revoked, not only refused");
    let receipt: Value = sqlx::query_scalar(
        "SELECT details FROM audit_events WHERE action = 'user.deprovisioned' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&first.pool)
    .await
    .unwrap();
    assert_eq!(receipt["servers_confirmed"], "2 of 2", "{receipt}");
    assert_eq!(receipt["revoked_tokens"].as_array().unwrap().len(), 2);
    println!("deactivation receipt: {receipt}");

    // Back again: enabled, and nothing of before works.
    let on = patch(json!([{ "op": "replace", "path": "active", "value": true }]));
    let (_, back) = answer(
        first
            .scim(Method::PATCH, &format!("/Users/{id}"), &token, Some(on))
            .await,
    )
    .await;
    assert_eq!(back["active"], true);
    assert_eq!(
        second.api_get("/me", &own).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Deleted: gone from the directory's view, kept disabled for the audit log; the same
    // address provisioned again is the same person, with no token.
    let (status, _) = answer(
        first
            .scim(Method::DELETE, &format!("/Users/{id}"), &token, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = answer(
        first
            .scim(Method::GET, &format!("/Users/{id}"), &token, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, again) = answer(
        first
            .scim(
                Method::POST,
                "/Users",
                &token,
                Some(json!({ "userName": "leaver@example.com" })),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["id"], id.to_string());
    assert_eq!(
        second.api_get("/me", &own).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn scim2_client_provisions_and_deprovisions(pool: sqlx::PgPool) {
    let Some(python) = std::env::var_os("SCIM2_CLIENT_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run scim2-client: set SCIM2_CLIENT_PYTHON to its Python"
        );
        eprintln!("skipped: set SCIM2_CLIENT_PYTHON (scripts/test.sh does)");
        return;
    };
    let (first, second) = TestApp::spawn_pair(pool).await;
    let (_, token) = first
        .admin_with_token(&["scim:write", "tokens:admin", "tokens:write"])
        .await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scim/client.py");
    let (one, two) = (first.url(""), second.url(""));
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("LATCHKEY_FIRST", one)
            .env("LATCHKEY_SECOND", two)
            .env("LATCHKEY_TOKEN", token)
            .output()
            .expect("python runs")
    })
    .await
    .unwrap();
    println!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "scim2-client found a problem (above)"
    );
}

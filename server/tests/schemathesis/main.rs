//! Schemathesis (from PyPI, someone else's fuzzer) drives `/api/v1` from its published
//! OpenAPI document with an all-scopes token: every phase, stateful included, and every
//! check. Its verdict is the test's: no server error, no undocumented status or header, no
//! schema-valid request refused, no schema-violating request accepted.
//!
//! `scripts/test.sh` installs it in a virtual environment and names it in `SCHEMATHESIS`.

#[path = "../helpers/mod.rs"]
mod helpers;

use helpers::TestApp;
use serde_json::Value;
use std::{path::Path, process::Command};

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn schemathesis_finds_nothing_wrong_with_the_api(pool: sqlx::PgPool) {
    let Some(schemathesis) = std::env::var_os("SCHEMATHESIS") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run schemathesis: set SCHEMATHESIS to its executable"
        );
        eprintln!("skipped: set SCHEMATHESIS to a schemathesis executable (scripts/test.sh does)");
        return;
    };
    let app = TestApp::spawn(pool).await;
    // A token that may do and grant everything: each module's write (which includes
    // read) and the special permissions.
    let slugs: Vec<String> = sqlx::query_scalar("SELECT slug FROM modules ORDER BY slug")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let specials = ["tokens:admin", "tokens:introspect", "users:credentials"];
    let scopes: Vec<String> = slugs
        .iter()
        .map(|m| format!("{m}:write"))
        .chain(specials.map(String::from))
        .collect();
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let (admin, token) = app.admin_with_token(&scopes).await;
    let public_id = token.split('_').nth(1).unwrap().to_owned();
    let grantable: Vec<String> = slugs
        .iter()
        .flat_map(|m| [format!("{m}:read"), format!("{m}:write")])
        .chain(specials.map(String::from))
        .collect();

    // What the hooks need to know of the server's state (see hooks.py).
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let shape = doc["components"]["schemas"]["NewToken"]["properties"]["scopes"]["items"]
        ["pattern"]
        .as_str()
        .expect("the document states a scope's shape")
        .to_owned();
    let role_ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM roles WHERE NOT '*' = ANY(permissions) ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let role_ids: Vec<String> = role_ids.iter().map(i64::to_string).collect();
    let base = app.url("");
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis/hooks.py");

    // 25 cases an operation and phase, the same each run, unless a deeper, random run is
    // asked for (LATCHKEY_SCHEMATHESIS_EXAMPLES=500, say).
    let deep = std::env::var("LATCHKEY_SCHEMATHESIS_EXAMPLES").ok();
    let deterministic = deep.is_none();
    let examples = deep.unwrap_or_else(|| "25".into());

    // The fuzzer is a blocking child process; the server keeps answering on this runtime.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(schemathesis)
            .args(["run", &format!("{base}/api/v1/openapi.json")])
            .args(["--url", &base])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all"])
            // It would roll the run's own token (the Rust tests cover it).
            .args(["--exclude-path", "/api/v1/tokens/self/roll"])
            // Signed by a secret scanner's key, which the run does not hold (tested in Rust).
            .args(["--exclude-path", "/api/v1/leaks"])
            .args(["--phases", "examples,coverage,fuzzing,stateful"])
            .args(["--max-examples", &examples])
            .args(["--no-color"])
            .args(deterministic.then_some("--generation-deterministic"))
            .env("SCHEMATHESIS_HOOKS", hooks)
            .env("LATCHKEY_USER_IDS", admin.to_string())
            .env("LATCHKEY_PROTECTED_TOKEN", public_id)
            .env("LATCHKEY_GRANTABLE", grantable.join(","))
            .env("LATCHKEY_ROLE_IDS", role_ids.join(","))
            .env("LATCHKEY_PERMISSION_PATTERN", shape)
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "schemathesis found problems (above)"
    );
}

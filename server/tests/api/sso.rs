//! Single sign-on against a real, certified OpenID provider the test starts itself (the
//! npm package oidc-provider, end2end/peers/oidc-provider.mjs), driven over HTTP as a
//! browser would: its login and consent forms, its redirects, Latchkey's callback. And
//! the answers an attacker would send instead: replayed, forged, for another client,
//! with another nonce, to another browser, too late.

use crate::helpers::{location, set_cookie, TestApp};
use latchkey_core::sso::SsoSettings;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::{path::Path, process::Stdio};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// Where the provider sends people back: Latchkey's public URL in the tests' settings.
const REDIRECT_URI: &str = "http://127.0.0.1:3000/auth/oidc/callback";

/// The identity provider, running until dropped.
struct IdP {
    port: u16,
    issuer: String,
    _child: Child,
}

impl IdP {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Self::start_on(port).await
    }

    /// Starts it on `port`: started again on the same port, it signs with a new key.
    async fn start_on(port: u16) -> Self {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/peers/oidc-provider.mjs");
        let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../end2end/node_modules/oidc-provider/package.json");
        assert!(
            installed.exists(),
            "the OpenID provider is not installed: run `npm ci --prefix end2end`"
        );
        let mut child = Command::new("node")
            .arg(&script)
            .arg(port.to_string())
            .arg(REDIRECT_URI)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs the OpenID provider");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("the OpenID provider started within 20 s")
            .unwrap()
            .unwrap_or_default();
        let issuer = ready
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the OpenID provider said {ready:?}"))
            .to_owned();
        // Kept reading: the provider writes notices later, and a closed pipe would kill it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            port,
            issuer,
            _child: child,
        }
    }

    fn settings(&self) -> server::config::Settings {
        server::config::Settings {
            core: latchkey_core::Settings {
                sso: Some(SsoSettings {
                    issuer: self.issuer.clone(),
                    client_id: "latchkey".into(),
                    client_secret: "latchkey-secret".into(),
                    name: "Test IdP".into(),
                    roles_claim: Some("groups".into()),
                    extra_scopes: vec!["groups".into()],
                    default_role: "Member".into(),
                }),
                ..crate::helpers::core_settings()
            },
            ..crate::helpers::settings()
        }
    }
}

/// Where a sign-in ended: the provider's answer, addressed to the app the test runs.
struct Answer(String);

impl TestApp {
    /// Starts a sign-in in `browser`: the provider's authorization address.
    async fn start_sso(&self, browser: &Client) -> String {
        let started = browser
            .get(self.url("/auth/oidc/start"))
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), StatusCode::SEE_OTHER);
        let cookie = set_cookie(&started);
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        location(&started).to_owned()
    }

    /// The provider's answer as the test's app's address.
    fn answer_here(&self, answer: &str) -> Answer {
        Answer(answer.replacen("http://127.0.0.1:3000", &self.url(""), 1))
    }

    async fn callback(&self, browser: &Client, answer: &Answer) -> reqwest::Response {
        browser.get(&answer.0).send().await.unwrap()
    }

    /// The whole sign-in as `login`, through the provider's pages: the callback's answer.
    async fn sso_sign_in(&self, browser: &Client, login: &str) -> reqwest::Response {
        let authorize = self.start_sso(browser).await;
        let answer = at_provider(browser, &authorize, login).await;
        self.callback(browser, &self.answer_here(&answer)).await
    }

    async fn who(&self, browser: &Client) -> Value {
        let response = browser
            .get(self.url("/api/who_am_i"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }
}

/// Follows the provider's redirects and fills in its login (as `login`, any password)
/// and consent forms, until it sends the browser back to Latchkey: that address.
async fn at_provider(browser: &Client, authorize: &str, login: &str) -> String {
    let action_re = regex::Regex::new(r#"<form[^>]*action="([^"]+)""#).unwrap();
    let prompt_re = regex::Regex::new(r#"name="prompt" value="(\w+)""#).unwrap();
    let mut response = browser.get(authorize).send().await.unwrap();
    for _ in 0..12 {
        let base = response.url().clone();
        if response.status().is_redirection() {
            let next = base.join(location(&response)).unwrap().to_string();
            if next.starts_with(REDIRECT_URI) {
                return next;
            }
            response = browser.get(next).send().await.unwrap();
            continue;
        }
        let page = response.text().await.unwrap();
        let action = action_re
            .captures(&page)
            .unwrap_or_else(|| panic!("no form on the provider's page: {page}"))[1]
            .replace("&amp;", "&");
        let prompt = prompt_re
            .captures(&page)
            .unwrap_or_else(|| panic!("no prompt on the provider's page: {page}"))[1]
            .to_owned();
        let form: Vec<(&str, &str)> = match prompt.as_str() {
            "login" => vec![("prompt", "login"), ("login", login), ("password", "any")],
            _ => vec![("prompt", "consent")],
        };
        response = browser
            .post(base.join(&action).unwrap())
            .form(&form)
            .send()
            .await
            .unwrap();
    }
    panic!("the provider never sent the browser back");
}

/// The sign-in page's word for why the sign-in failed, from the answer's redirect.
fn refused_as(response: &reqwest::Response) -> String {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a refusal"
    );
    let to = location(response);
    to.strip_prefix("/login?failed=")
        .unwrap_or_else(|| panic!("refused to {to}"))
        .to_owned()
}

fn signed_in(response: &reqwest::Response) {
    assert_eq!(response.status(), StatusCode::OK, "expected a session");
    let cookies: Vec<_> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("latchkey_session=") && c.contains("SameSite=Strict")),
        "{cookies:?}"
    );
}

/// Maps an identity-provider group to a built-in role through the REST API.
async fn map_group(app: &TestApp, token: &str, role: &str, groups: &[&str]) {
    let id: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = $1")
        .bind(role)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let response = app
        .api(
            Method::PATCH,
            &format!("/roles/{id}"),
            token,
            Some(json!({ "sso_groups": groups })),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn people_sign_in_through_their_provider_and_are_created_just_in_time(pool: sqlx::PgPool) {
    let idp = IdP::start().await;
    let app = TestApp::spawn_with(pool, idp.settings()).await;
    let (_, token) = app.admin_with_token(crate::helpers::api::ALL_ADMIN).await;
    // No token may hand out every permission (`*`): the console's administrator maps it.
    sqlx::query("UPDATE roles SET sso_groups = '{latchkey-admins}' WHERE name = 'Administrator'")
        .execute(&app.pool)
        .await
        .unwrap();

    // The sign-in page offers the provider by its name.
    let page = app
        .another_browser()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains(r#"<meta name="latchkey-sso" content="Test IdP">"#),
        "{page}"
    );
    assert!(page.contains(r#"href="/auth/oidc/start" rel="external" class="btn btn-primary btn-sso">Sign in with Test IdP"#), "{page}");

    // Carol is in no mapped group: she arrives as a Member.
    let browser = app.another_browser();
    let answer = app.sso_sign_in(&browser, "carol").await;
    signed_in(&answer);
    let page = answer.text().await.unwrap();
    assert!(
        page.contains(r#"http-equiv="refresh" content="0;url=/""#),
        "{page}"
    );
    let carol = app.who(&browser).await;
    assert_eq!(carol["email"], "carol@example.com");
    assert_eq!(carol["display_name"], "Carol Cho");
    assert_eq!(carol["role"], "Member");

    // Alice's group is mapped to Administrator.
    let alices = app.another_browser();
    signed_in(&app.sso_sign_in(&alices, "alice").await);
    assert_eq!(app.who(&alices).await["role"], "Administrator");

    // Signing in again finds the same person.
    let again = app.another_browser();
    signed_in(&app.sso_sign_in(&again, "carol").await);
    assert_eq!(app.who(&again).await["id"], carol["id"]);
    let carols: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'carol@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(carols, 1);
    let actions = app.audit_actions().await;
    // The administrator, then Carol and Alice, just in time.
    assert_eq!(
        actions.iter().filter(|a| *a == "user.created").count(),
        3,
        "{actions:?}"
    );
    assert!(actions.iter().filter(|a| *a == "sign_in.succeeded").count() >= 3);

    // Leaving the group narrows the role at the next sign-in: the mapping moves.
    sqlx::query("UPDATE roles SET sso_groups = '{}' WHERE name = 'Administrator'")
        .execute(&app.pool)
        .await
        .unwrap();
    map_group(&app, &token, "Auditor", &["latchkey-admins"]).await;
    let later = app.another_browser();
    signed_in(&app.sso_sign_in(&later, "alice").await);
    assert_eq!(app.who(&later).await["role"], "Auditor");

    // A disabled person is not let in.
    sqlx::query("UPDATE users SET active = false WHERE email = 'carol@example.com'")
        .execute(&app.pool)
        .await
        .unwrap();
    let refused = app.sso_sign_in(&app.another_browser(), "carol").await;
    assert_eq!(refused_as(&refused), "disabled");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn an_account_is_linked_only_by_a_verified_address(pool: sqlx::PgPool) {
    let idp = IdP::start().await;
    let app = TestApp::spawn_with(pool, idp.settings()).await;
    let (_, token) = app.admin_with_token(crate::helpers::api::ALL_ADMIN).await;
    let bob = app.member(&token, "bob@example.com", "Bob").await;
    let _admin_lookalike = app.member(&token, "admin@example.com", "The admin").await;

    // Mallory's provider account claims admin@example.com without having verified it.
    let browser = app.another_browser();
    let refused = app.sso_sign_in(&browser, "mallory").await;
    assert_eq!(refused_as(&refused), "sso-unverified");
    assert!(app.who(&browser).await.is_null());

    // Bob's address is verified: his existing account is linked, not duplicated.
    let browser = app.another_browser();
    signed_in(&app.sso_sign_in(&browser, "bob").await);
    assert_eq!(app.who(&browser).await["id"], bob);
    let linked: i64 =
        sqlx::query_scalar("SELECT user_id FROM user_identities WHERE subject = 'bob'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(linked, bob);
    assert!(app
        .audit_actions()
        .await
        .contains(&"user.sso_linked".to_owned()));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn forged_replayed_and_late_answers_are_refused(pool: sqlx::PgPool) {
    let idp = IdP::start().await;
    let app = TestApp::spawn_with(pool, idp.settings()).await;
    app.admin().await;

    // Replayed: the same answer a second time.
    let browser = app.another_browser();
    let authorize = app.start_sso(&browser).await;
    let answer = app.answer_here(&at_provider(&browser, &authorize, "carol").await);
    signed_in(&app.callback(&browser, &answer).await);
    let replayed = app.callback(&app.another_browser(), &answer).await;
    assert_eq!(refused_as(&replayed), "sso-expired");
    let replayed_here = app.callback(&browser, &answer).await;
    assert_eq!(refused_as(&replayed_here), "sso-expired");

    // A state Latchkey never issued.
    let browser = app.another_browser();
    let authorize = app.start_sso(&browser).await;
    let answer = at_provider(&browser, &authorize, "carol").await;
    let forged = regex::Regex::new(r"state=[^&]+")
        .unwrap()
        .replace(&answer, "state=forged");
    let refused = app.callback(&browser, &app.answer_here(&forged)).await;
    assert_eq!(refused_as(&refused), "sso-expired");
    assert!(app.who(&browser).await.is_null());

    // A genuine answer delivered to a browser that did not start the sign-in (login CSRF).
    let browser = app.another_browser();
    let authorize = app.start_sso(&browser).await;
    let answer = app.answer_here(&at_provider(&browser, &authorize, "carol").await);
    let victim = app.another_browser();
    assert_eq!(
        refused_as(&app.callback(&victim, &answer).await),
        "sso-expired"
    );
    assert!(app.who(&victim).await.is_null());

    // An ID token minted for another nonce than the one this sign-in expects.
    let browser = app.another_browser();
    let authorize = app.start_sso(&browser).await;
    let other_nonce = regex::Regex::new(r"nonce=[^&]+")
        .unwrap()
        .replace(&authorize, "nonce=someone-elses");
    let answer = app.answer_here(&at_provider(&browser, &other_nonce, "carol").await);
    assert_eq!(
        refused_as(&app.callback(&browser, &answer).await),
        "sso-rejected"
    );
    assert!(app.who(&browser).await.is_null());

    // A code the provider issued to another client (another audience).
    let browser = app.another_browser();
    let authorize = app.start_sso(&browser).await;
    let other_client = authorize.replace("client_id=latchkey", "client_id=other-app");
    let answer = app.answer_here(&at_provider(&browser, &other_client, "carol").await);
    assert_eq!(
        refused_as(&app.callback(&browser, &answer).await),
        "sso-rejected"
    );

    // Came back after the ten minutes a sign-in has.
    let browser = app.another_browser();
    let authorize = app.start_sso(&browser).await;
    let answer = app.answer_here(&at_provider(&browser, &authorize, "carol").await);
    sqlx::query("UPDATE sso_attempts SET created_at = now() - interval '11 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        refused_as(&app.callback(&browser, &answer).await),
        "sso-expired"
    );

    // The person cancelled at the provider.
    let browser = app.another_browser();
    let authorize = app.start_sso(&browser).await;
    let interaction = browser.get(&authorize).send().await.unwrap();
    let abort = interaction
        .url()
        .join(&format!("{}/abort", location(&interaction)))
        .unwrap();
    let back = browser.get(abort).send().await.unwrap();
    let back = back.url().join(location(&back)).unwrap().to_string();
    let mut answer = back;
    while !answer.starts_with(REDIRECT_URI) {
        let next = browser.get(&answer).send().await.unwrap();
        answer = next.url().join(location(&next)).unwrap().to_string();
    }
    assert!(answer.contains("error=access_denied"), "{answer}");
    let refused = app.callback(&browser, &app.answer_here(&answer)).await;
    assert_eq!(refused_as(&refused), "sso-denied");

    // None of them made a session; each refusal was audited (once a minute per address).
    let sessions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'carol@example.com'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        sessions, 1,
        "only the first, genuine answer started a session"
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"sign_in.failed".to_owned()));
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_rotated_signing_key_is_fetched_and_trusted(pool: sqlx::PgPool) {
    let idp = IdP::start().await;
    let port = idp.port;
    let app = TestApp::spawn_with(pool, idp.settings()).await;
    app.admin().await;
    signed_in(&app.sso_sign_in(&app.another_browser(), "carol").await);

    // The provider restarts with a new key; Latchkey still holds the old key set.
    drop(idp);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let _idp = IdP::start_on(port).await;
    let browser = app.another_browser();
    signed_in(&app.sso_sign_in(&browser, "carol").await);
    assert_eq!(app.who(&browser).await["email"], "carol@example.com");
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn without_a_provider_there_is_no_single_sign_on(pool: sqlx::PgPool) {
    let app = TestApp::spawn(pool).await;
    app.admin().await;
    let page = app
        .another_browser()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(
        !page.contains("latchkey-sso") && !page.contains("Sign in with"),
        "{page}"
    );
    let started = app
        .another_browser()
        .get(app.url("/auth/oidc/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused_as(&started), "sso-unavailable");
}

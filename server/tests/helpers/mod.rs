//! Spawns the real Latchkey router on a random port against the test's own database and
//! talks HTTP to it, as a browser's server-function calls would.
#![allow(dead_code)]

pub mod api;
pub mod logs;

use reqwest::{redirect::Policy, Response, StatusCode};
use server::{config::Settings, startup::Application, AppState};
use sqlx::PgPool;
use std::net::SocketAddr;
use types::AppError;

pub const ADMIN_EMAIL: &str = "ada@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub addr: SocketAddr,
    pub pool: PgPool,
    pub state: AppState,
    /// The set-up code the server printed in its log.
    pub setup_code: String,
    /// A browser: keeps cookies, does not follow redirects.
    pub client: reqwest::Client,
}

impl TestApp {
    /// Latchkey with the test's settings: webhooks may reach this machine's loopback
    /// receivers (`LATCHKEY_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8, ::1`).
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, settings()).await
    }

    /// Latchkey as `main` builds it, on a free port of 127.0.0.1.
    pub async fn spawn_with(pool: PgPool, settings: Settings) -> Self {
        let listen = "127.0.0.1:0".parse().unwrap();
        let app = Application::build(pool.clone(), settings, listen)
            .await
            .unwrap();
        let addr = app.addr();
        let state = app.state().clone();
        let setup_code = state.setup.code().unwrap_or_default();
        tokio::spawn(app.run_until(std::future::pending()));
        Self {
            addr,
            pool,
            state,
            setup_code,
            client: new_browser(),
        }
    }

    /// Two instances on one database, each listening for the other's changes: what
    /// the verifier's cross-instance tests start from.
    pub async fn spawn_pair(pool: PgPool) -> (Self, Self) {
        let first = Self::spawn(pool.clone()).await;
        let second = Self::spawn(pool).await;
        first.listening().await;
        second.listening().await;
        (first, second)
    }

    /// Waits until the instance's verifier listens for changes (and so uses its cache).
    pub async fn listening(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let ready = self.get("/readyz").await.text().await.unwrap();
            if ready.contains("listening for changes") {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the verifier never listened: {ready}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A second browser, with no cookies of its own.
    pub fn another_browser(&self) -> reqwest::Client {
        new_browser()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Calls a server function the way the hydrated console does.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        call_with(&self.client, &self.url(&format!("/api/{endpoint}")), form).await
    }

    /// A server function that only reads: a `GET` with its arguments in the query.
    pub async fn read(&self, endpoint: &str, query: &[(&str, &str)]) -> Response {
        read_with(&self.client, &self.url(&format!("/api/{endpoint}")), query).await
    }

    pub async fn set_up_admin(&self) -> Response {
        self.call(
            "set_up",
            &[
                ("code", self.setup_code.as_str()),
                ("email", ADMIN_EMAIL),
                ("display_name", "Ada Lovelace"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.call("sign_in", &[("email", email), ("password", password)])
            .await
    }

    /// Signs in from a browser of its own, with a wrong password.
    pub async fn another_sign_in(&self, email: &str) -> Response {
        call_with(
            &self.another_browser(),
            &self.url("/api/sign_in"),
            &[("email", email), ("password", "not the password")],
        )
        .await
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_events ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

/// A browser with its own cookies that never follows redirects (tests read them). A
/// request that gets no whole answer within a minute fails the test rather than holding
/// the suite up (the server answers 408 after 30 seconds itself).
fn new_browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The settings tests start from: the defaults, with the loopback receivers of webhook
/// tests allowed.
pub fn settings() -> Settings {
    Settings {
        core: core_settings(),
        ..Settings::default()
    }
}

/// The domain's settings of the tests: webhooks may reach the tests' receivers on loopback.
pub fn core_settings() -> latchkey_core::Settings {
    latchkey_core::Settings {
        webhook_destinations: latchkey_core::webhooks::destinations::Destinations::parse(
            "127.0.0.0/8, ::1",
        )
        .unwrap(),
        ..latchkey_core::Settings::default()
    }
}

pub async fn call_with(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> Response {
    client
        .post(url)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A call of a server function that only reads, as the browser makes it: `GET`, the
/// arguments in the query.
pub async fn read_with(client: &reqwest::Client, url: &str, query: &[(&str, &str)]) -> Response {
    client
        .get(url)
        .header("accept", "application/json")
        .query(query)
        .send()
        .await
        .unwrap()
}

/// The console error a failed server-function call carries.
pub async fn app_error(response: Response) -> AppError {
    assert_ne!(
        response.status(),
        StatusCode::OK,
        "expected the call to fail"
    );
    let body = response.text().await.unwrap();
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("not an AppError ({e}): {body}"))
}

pub fn location(response: &Response) -> &str {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

pub fn set_cookie(response: &Response) -> String {
    response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

//! Helpers for talking to `/api/v1` as an integration does.
#![allow(dead_code)]

use super::TestApp;
use latchkey_core::{principal::Principal, tokens};
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};
use types::tokens::NewToken;

/// The JSON body of an answer.
pub async fn json(response: Response) -> Value {
    response.json().await.unwrap()
}

/// Every scope an administrator's provisioning token may carry.
pub const ALL_ADMIN: &[&str] = &[
    "tokens:admin",
    "tokens:write",
    "users:write",
    "users:credentials",
    "roles:write",
    "audit:read",
];

/// The password of people made with [`TestApp::member`].
pub const MEMBER_PASSWORD: &str = "a long enough password";

impl TestApp {
    /// Creates the first administrator directly and returns their id.
    pub async fn admin(&self) -> i64 {
        let response = self.set_up_admin().await;
        assert_eq!(response.status(), StatusCode::OK);
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(super::ADMIN_EMAIL)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// The first administrator and a token of theirs with `scopes`.
    pub async fn admin_with_token(&self, scopes: &[&str]) -> (i64, String) {
        let admin = self.admin().await;
        (admin, self.token_for(admin, "Provisioning", scopes).await)
    }

    /// A token made from the command line, as a provisioning script would.
    pub async fn token_for(&self, owner_id: i64, name: &str, scopes: &[&str]) -> String {
        let new = NewToken {
            name: name.into(),
            owner_id: Some(owner_id),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..NewToken::default()
        };
        tokens::create(
            &self.pool,
            &self.state.settings.token_policy(),
            &Principal::command_line(),
            new,
        )
        .await
        .unwrap_or_else(|e| panic!("{:?}", e.into_answer()))
        .token
    }

    /// `requests` made with the token `public_id` on the day `days_ago`, as that day's
    /// usage batches would have left them.
    pub async fn used_days_ago(&self, public_id: &str, days_ago: i32, requests: i64) {
        sqlx::query(
            "INSERT INTO token_usage_daily (token_id, day, requests)
             SELECT id, current_date - $2, $3 FROM api_tokens WHERE public_id = $1",
        )
        .bind(public_id)
        .bind(days_ago)
        .bind(requests)
        .execute(&self.pool)
        .await
        .unwrap();
    }

    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .another_browser()
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn api_get(&self, path: &str, token: &str) -> Response {
        self.api(Method::GET, path, token, None).await
    }

    pub async fn api_post(&self, path: &str, token: &str, body: Value) -> Response {
        self.api(Method::POST, path, token, Some(body)).await
    }

    /// A token made through the API with `token`; returns the whole answer (201 asserted).
    pub async fn token_made(&self, token: &str, body: Value) -> Value {
        let response = self.api_post("/tokens", token, body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        json(response).await
    }

    /// A role with `permissions`, made through the API; returns its id.
    pub async fn role(&self, admin_token: &str, name: &str, permissions: &[&str]) -> i64 {
        let response = self
            .api_post(
                "/roles",
                admin_token,
                json!({ "name": name, "permissions": permissions }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// Mia, a Member (she may create tokens for herself, and has no audit:read), created
    /// by the administrator and signed in to her own browser: her id and that browser.
    pub async fn signed_in_member(&self, admin_token: &str) -> (i64, reqwest::Client) {
        let id = self.member(admin_token, "mia@example.com", "Mia").await;
        let mia = self.another_browser();
        let signed_in = super::call_with(
            &mia,
            &self.url("/api/sign_in"),
            &[("email", "mia@example.com"), ("password", MEMBER_PASSWORD)],
        )
        .await;
        assert_eq!(signed_in.status(), StatusCode::OK);
        (id, mia)
    }

    /// A person with the built-in Member role (tokens of their own), made through the API
    /// with the password [`MEMBER_PASSWORD`]; returns their id.
    pub async fn member(&self, admin_token: &str, email: &str, name: &str) -> i64 {
        let role: i64 = sqlx::query_scalar("SELECT id FROM roles WHERE name = 'Member'")
            .fetch_one(&self.pool)
            .await
            .unwrap();
        let response = self
            .api_post(
                "/users",
                admin_token,
                json!({ "email": email, "display_name": name,
                        "password": MEMBER_PASSWORD, "role_id": role }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// A service account with `role_id`, made through the API; returns its id.
    pub async fn service_account(&self, admin_token: &str, name: &str, role_id: i64) -> i64 {
        let response = self
            .api_post(
                "/users",
                admin_token,
                json!({ "kind": "service", "display_name": name, "role_id": role_id }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }
}

/// A JSON string's text.
pub fn text(v: &Value) -> String {
    v.as_str().unwrap().to_owned()
}

/// The parts of a problem+json answer a client reads.
pub struct Problem {
    pub status: StatusCode,
    pub kind: String,
    pub detail: String,
    pub body: Value,
    pub www_authenticate: String,
}

pub async fn problem(response: Response) -> Problem {
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    Problem {
        status,
        kind: body["type"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned(),
        detail: body["detail"].as_str().unwrap().to_owned(),
        body,
        www_authenticate,
    }
}

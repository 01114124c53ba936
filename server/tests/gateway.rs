//! A real nginx (Debian's, with `auth_request`) in front of a small upstream, asking two
//! Latchkey instances on one database through `/forward-auth`: the upstream answers a
//! token with the scope and sees the identity headers; the wrong scope gets 403; a token
//! revoked through one instance is refused through nginx (whichever instance it asks) on
//! the next request.
//!
//! `scripts/test.sh` installs nginx; the test finds it on PATH or in /usr/sbin.

#[path = "helpers/mod.rs"]
mod helpers;

use axum::{http::HeaderMap, routing::get, Json, Router};
use helpers::{
    api::{json, ALL_ADMIN},
    logs::capture_logs,
    TestApp,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command},
    time::{Duration, Instant},
};

fn nginx_binary() -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|p| p.is_file())
}

/// The upstream: tells what identity headers nginx handed it.
async fn upstream() -> SocketAddr {
    async fn echo(headers: HeaderMap) -> Json<Value> {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Json(json!({
            "token_id": get("x-latchkey-token-id"),
            "owner_id": get("x-latchkey-owner-id"),
            "scopes": get("x-latchkey-scopes"),
            "authorization": get("authorization"),
        }))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/{*path}", get(echo));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx, in the foreground, with everything it writes in `dir`; stopped when dropped.
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The configuration the README shows, with test paths: `/shipping/` needs
/// `shipping:read`, `/admin/` needs `shipping:write`.
fn config(dir: &Path, port: u16, latchkeys: &[SocketAddr], upstream: SocketAddr) -> String {
    let vouching = free_port();
    let servers: String = latchkeys.iter().map(|a| format!("server {a};\n")).collect();
    let dir = dir.display();
    format!(
        r#"
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream latchkey {{ {servers} }}
    upstream app {{ server {upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        location = /_latchkey {{
            internal;
            proxy_pass http://latchkey/forward-auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Latchkey-Scope $latchkey_scope;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
        location /shipping/ {{
            set $latchkey_scope "shipping:read";
            proxy_set_header X-Forwarded-For $remote_addr;
            auth_request /_latchkey;
            auth_request_set $token_id $upstream_http_x_latchkey_token_id;
            auth_request_set $owner_id $upstream_http_x_latchkey_owner_id;
            auth_request_set $scopes $upstream_http_x_latchkey_scopes;
            auth_request_set $challenge $upstream_http_www_authenticate;
            add_header WWW-Authenticate $challenge always;
            proxy_set_header X-Latchkey-Token-Id $token_id;
            proxy_set_header X-Latchkey-Owner-Id $owner_id;
            proxy_set_header X-Latchkey-Scopes $scopes;
            proxy_pass http://app;
        }}
        location /admin/ {{
            set $latchkey_scope "shipping:write";
            auth_request /_latchkey;
            auth_request_set $challenge $upstream_http_www_authenticate;
            add_header WWW-Authenticate $challenge always;
            proxy_pass http://app;
        }}
    }}
    # An edge tier that saw the client at 192.0.2.10 and says so: the same block, with the
    # address it vouches for instead of its own peer's (VOUCHING_PORT).
    server {{
        listen 127.0.0.1:{vouching};
        location = /_latchkey {{
            internal;
            proxy_pass http://latchkey/forward-auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Latchkey-Scope "shipping:read";
            proxy_set_header X-Forwarded-For 192.0.2.10;
        }}
        location /shipping/ {{
            auth_request /_latchkey;
            proxy_pass http://app;
        }}
    }}
}}
# VOUCHING_PORT={vouching}
"#
    )
}

/// The port of the block that vouches for 192.0.2.10, read back from the configuration.
fn vouching_port(nginx: &Nginx) -> u16 {
    let conf = std::fs::read_to_string(nginx.dir.join("nginx.conf")).unwrap();
    conf.rsplit("VOUCHING_PORT=")
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

async fn start_nginx(latchkeys: &[SocketAddr], upstream: SocketAddr) -> Option<Nginx> {
    let Some(binary) = nginx_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the nginx test: install Debian's nginx"
        );
        eprintln!("skipped: no nginx on this machine (scripts/test.sh installs it)");
        return None;
    };
    let dir = std::env::temp_dir().join(format!("latchkey-nginx-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config(&dir, port, latchkeys, upstream)).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .spawn()
        .expect("nginx starts");
    let nginx = Nginx {
        child,
        port,
        dir: dir.clone(),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "nginx did not start: see {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Some(nginx)
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn nginx_forward_auth_lets_through_only_what_a_token_may_do(pool: sqlx::PgPool) {
    let (first, second) = TestApp::spawn_pair(pool).await;
    let upstream = upstream().await;
    let Some(nginx) = start_nginx(&[first.addr, second.addr], upstream).await else {
        return;
    };
    let (admin, admin_token) = first.admin_with_token(ALL_ADMIN).await;
    let module = first
        .api_post("/modules", &admin_token, json!({ "slug": "shipping" }))
        .await;
    assert_eq!(module.status(), StatusCode::CREATED);
    let token = first
        .token_for(admin, "Carrier portal", &["shipping:read"])
        .await;
    let public_id = token.split('_').nth(1).unwrap().to_owned();
    let http = reqwest::Client::new();
    let through = |path: &str, token: &str| {
        http.get(format!("http://127.0.0.1:{}{path}", nginx.port))
            .bearer_auth(token)
            .send()
    };

    // The scope it has: the upstream answers and sees who is asking. Several times, so
    // that both Latchkey instances are asked.
    for _ in 0..4 {
        let ok = through("/shipping/orders", &token).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let seen = json(ok).await;
        assert_eq!(seen["token_id"], public_id.as_str());
        assert_eq!(seen["owner_id"], admin.to_string());
        assert_eq!(seen["scopes"], "shipping:read");
    }

    // A scope it lacks: 403, with the scope named.
    let refused = through("/admin/rates", &token).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains("scope=\"shipping:write\""),
        "{challenge}"
    );

    // No token, or a made-up one: 401 with the bearer challenge.
    let anonymous = http
        .get(format!("http://127.0.0.1:{}/shipping/orders", nginx.port))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Revoked through the first instance: refused through nginx from the next request
    // on, whichever instance nginx asks.
    let revoked = first
        .api(
            Method::DELETE,
            &format!("/tokens/{public_id}"),
            &admin_token,
            None,
        )
        .await;
    let receipt = json(revoked).await;
    assert_eq!(receipt["propagation"]["confirmed"], 2, "{receipt}");
    for _ in 0..4 {
        let after = through("/shipping/orders", &token).await.unwrap();
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
        let challenge = after.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }
    println!(
        "revocation confirmed by {} instances, the slowest after {} ms",
        receipt["propagation"]["confirmed"], receipt["propagation"]["slowest_ms"]
    );
}

/// Behind nginx configured as the README shows, a client's own `X-Forwarded-For` is not
/// believed: nginx writes the address it saw, and Latchkey trusts only nginx.
#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn a_forged_forwarded_address_does_not_pass_an_allowlist(pool: sqlx::PgPool) {
    let logs = capture_logs();
    let settings = server::config::Settings {
        trusted_proxies: server::proxies::TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap(),
        ..helpers::settings()
    };
    let app = TestApp::spawn_with(pool, settings).await;
    assert!(
        !logs
            .lines_with(&["LATCHKEY_TRUSTED_PROXIES trusts 10.0.0.0/8", "WARN"])
            .is_empty(),
        "a trusted /8 is warned about at start-up"
    );
    app.listening().await;
    let upstream = upstream().await;
    let Some(nginx) = start_nginx(&[app.addr], upstream).await else {
        return;
    };
    let (admin, admin_token) = app.admin_with_token(ALL_ADMIN).await;
    let module = app
        .api_post("/modules", &admin_token, json!({ "slug": "shipping" }))
        .await;
    assert_eq!(module.status(), StatusCode::CREATED);
    let admin_token = app
        .token_for(
            admin,
            "Gateway provisioning",
            &["tokens:write", "shipping:read"],
        )
        .await;
    let create = |name: &'static str, allowed: &'static str| {
        let (app, admin_token) = (&app, &admin_token);
        async move {
            let made = app
                .api_post(
                    "/tokens",
                    admin_token,
                    json!({ "name": name, "scopes": ["shipping:read"], "allowed_ips": [allowed] }),
                )
                .await;
            assert_eq!(made.status(), StatusCode::CREATED);
            json(made).await["token"].as_str().unwrap().to_owned()
        }
    };
    let office = create("Office scanner", "192.0.2.10").await;
    let second_host = create("Second host", "127.0.0.2").await;

    let from = |source: &str| {
        reqwest::Client::builder()
            .local_address(source.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let through = |client: reqwest::Client,
                   port: u16,
                   token: String,
                   forged: Option<&'static str>| async move {
        let mut request = client
            .get(format!("http://127.0.0.1:{port}/shipping/orders"))
            .bearer_auth(token);
        if let Some(forged) = forged {
            request = request.header("x-forwarded-for", forged);
        }
        request.send().await.unwrap().status()
    };

    // The real client is 127.0.0.1; what it writes itself is not believed.
    for forged in [
        Some("192.0.2.10"),
        Some("192.0.2.10, 127.0.0.1"),
        Some("::ffff:192.0.2.10"),
        None,
    ] {
        assert_eq!(
            through(from("127.0.0.1"), nginx.port, office.clone(), forged).await,
            StatusCode::FORBIDDEN,
            "{forged:?}"
        );
    }
    // A client really at another address is seen at it.
    assert_eq!(
        through(from("127.0.0.2"), nginx.port, second_host.clone(), None).await,
        StatusCode::OK
    );
    assert_eq!(
        through(
            from("127.0.0.1"),
            nginx.port,
            second_host.clone(),
            Some("127.0.0.2")
        )
        .await,
        StatusCode::FORBIDDEN
    );
    // Where the gateway itself vouches for 192.0.2.10, the token is let through.
    assert_eq!(
        through(
            from("127.0.0.1"),
            vouching_port(&nginx),
            office.clone(),
            None
        )
        .await,
        StatusCode::OK
    );
}

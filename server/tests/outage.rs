//! A PostgreSQL outage under load: Latchkey answers 503 with Retry-After quickly, never
//! 500 and never hangs, and recovers by itself when PostgreSQL is back, losing no token
//! whose plaintext it handed out.

use clap::Parser;
use latchkey_core::{principal::Principal, tokens};
use reqwest::StatusCode;
use serde_json::json;
use server::{
    config::{Config, Settings},
    embedded_pg::EmbeddedPostgres,
    startup::{self, Application},
};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use types::tokens::NewToken;

/// One answer seen by the load.
struct Seen {
    at: Instant,
    status: StatusCode,
    took: Duration,
    retry_after: bool,
    problem: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_outage_is_answered_503_and_survived() {
    let dir = std::env::temp_dir().join(format!("latchkey-outage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config::try_parse_from([
        "server",
        "--database-url",
        "",
        "--data-dir",
        dir.to_str().unwrap(),
    ])
    .unwrap();
    let (pool, pg) = startup::connect(&config).await.unwrap();
    let mut pg = pg.expect("an embedded cluster");
    let owner: i64 = sqlx::query_scalar(
        "INSERT INTO users (display_name, kind, role_id)
         SELECT 'Load', 'service', id FROM roles WHERE name = 'Administrator' RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let new = NewToken {
        name: "Load".into(),
        owner_id: Some(owner),
        scopes: vec!["tokens:write".into()],
        ..NewToken::default()
    };
    let token = tokens::create(
        &pool,
        &latchkey_core::Settings::default().token_policy(),
        &Principal::command_line(),
        new,
    )
    .await
    .map_err(|e| e.into_answer())
    .unwrap()
    .token;
    let app = Application::build(
        pool.clone(),
        Settings::default(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until(std::future::pending()));

    // Eight clients: who-am-I calls, and now and then a new token.
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let handed_out = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop_at = Arc::new(Mutex::new(None::<Instant>));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut workers = Vec::new();
    for worker in 0..8 {
        let (seen, handed_out, stop_at) = (seen.clone(), handed_out.clone(), stop_at.clone());
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        workers.push(tokio::spawn(async move {
            for i in 0..100_000 {
                if stop_at
                    .lock()
                    .unwrap()
                    .is_some_and(|at| Instant::now() > at)
                {
                    break;
                }
                let started = Instant::now();
                let request = if i % 5 == 0 {
                    client.post(format!("{base}/api/v1/tokens")).json(
                        &json!({ "name": format!("Load {worker}-{i}"), "scopes": ["tokens:read"] }),
                    )
                } else {
                    client.get(format!("{base}/api/v1/me"))
                };
                let response = request.bearer_auth(&token).send().await.unwrap();
                let status = response.status();
                let headers = response.headers().clone();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                if status == StatusCode::CREATED {
                    handed_out
                        .lock()
                        .unwrap()
                        .push(body["token"].as_str().unwrap().to_owned());
                }
                seen.lock().unwrap().push(Seen {
                    at: started,
                    status,
                    took: started.elapsed(),
                    retry_after: headers.contains_key("retry-after"),
                    problem: headers
                        .get("content-type")
                        .is_some_and(|v| v == "application/problem+json"),
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }

    tokio::time::sleep(Duration::from_secs(1)).await;
    let down_at = Instant::now();
    pg = tokio::task::spawn_blocking(move || {
        pg.stop();
        pg
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(
        ready.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "/readyz while down"
    );
    drop(pg);
    let restart_dir = dir.clone();
    let pg = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&restart_dir, false))
        .await
        .unwrap()
        .expect("PostgreSQL starts again")
        .0;
    let up_at = Instant::now();
    *stop_at.lock().unwrap() = Some(up_at + Duration::from_secs(6));
    for worker in workers {
        worker.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let during: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.at >= down_at && s.at < up_at)
        .collect();
    let unavailable = during
        .iter()
        .filter(|s| s.status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    let slowest = seen.iter().map(|s| s.took).max().unwrap();
    let recovered = seen
        .iter()
        .filter(|s| s.at >= up_at && s.status.is_success())
        .map(|s| s.at + s.took - up_at)
        .min();
    eprintln!(
        "outage: {} answers while down ({} were 503), slowest answer {:?}, first success {:?} after PostgreSQL was back",
        during.len(),
        unavailable,
        slowest,
        recovered
    );
    for s in seen.iter() {
        assert!(
            [
                StatusCode::OK,
                StatusCode::CREATED,
                StatusCode::SERVICE_UNAVAILABLE
            ]
            .contains(&s.status),
            "never a 500 or anything else: {}",
            s.status
        );
        if s.status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(
                s.retry_after && s.problem,
                "a 503 says when to try again, as a problem"
            );
        }
        assert!(s.took < Duration::from_secs(3), "no hang: {:?}", s.took);
    }
    assert!(unavailable > 0, "the outage was seen");
    assert!(
        recovered.is_some_and(|r| r < Duration::from_secs(5)),
        "recovered within 5 s: {recovered:?}"
    );

    // Every token whose plaintext was handed out works.
    let handed_out = handed_out.lock().unwrap().clone();
    assert!(!handed_out.is_empty());
    for token in &handed_out {
        let me = client
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK, "a token handed out was lost");
    }
    pool.close().await;
    drop(pg);
    let _ = std::fs::remove_dir_all(&dir);
}

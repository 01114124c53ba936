//! Memory stays flat however deep the webhook queue and however many passwords are hashed:
//! the resident size of this process (a test binary of its own, running one Latchkey)
//! after 10,000 pending deliveries to 200 unreachable endpoints, and after 64 password
//! hashes, stays within 1.2x of its idle size.

#[path = "helpers/mod.rs"]
mod helpers;

use helpers::TestApp;
use sqlx::PgPool;
use std::time::Duration;

/// This process's resident memory, in kB.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn memory_stays_flat_under_a_delivery_backlog_and_password_hashing(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    // Every part started, a first hash made (the server hashes a dummy at its first
    // sign-in), then at rest.
    app.state
        .passwords
        .hash("a first password to warm up".into())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kb();

    // 200 endpoints on ports where nothing listens, 50 events each: 10,000 deliveries.
    let closed: Vec<u16> = (0..200)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    sqlx::query(
        "INSERT INTO webhook_endpoints (public_id, url, events, secret)
         SELECT 'ep_dead' || lpad(i::text, 5, '0'), 'http://127.0.0.1:' || p || '/hooks',
                '{token.created}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
         FROM unnest($1::int[]) WITH ORDINALITY AS x(p, i)",
    )
    .bind(closed.iter().map(|p| i32::from(*p)).collect::<Vec<_>>())
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_events (public_id, kind, payload)
         SELECT 'msg_backlog' || i, 'token.created',
                jsonb_build_object('type', 'token.created', 'data', repeat('x', 500))
         FROM generate_series(1, 50) i",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id)
         SELECT w.id, e.id FROM webhook_endpoints w, webhook_events e ORDER BY e.id, w.id",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("SELECT pg_notify('latchkey_webhooks', '')")
        .execute(&pool)
        .await
        .unwrap();
    // Until every endpoint has been tried twice (its first retry comes 5 s on).
    let mut tried = 0;
    for _ in 0..300 {
        tried = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM webhook_deliveries WHERE attempts >= 2",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if tried >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(tried, 200, "every endpoint's head was tried twice");
    let backlog = rss_kb();
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(pending, 10_000);

    // 64 hashes, as many requests at once as a flood would send.
    let hashes = (0..64).map(|i| {
        let passwords = app.state.passwords.clone();
        async move { passwords.hash(format!("password number {i}")).await }
    });
    for hashed in futures::future::join_all(hashes).await {
        hashed.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hashed = rss_kb();

    println!(
        "resident memory: idle {idle} kB; 10,000 deliveries pending to 200 unreachable \
         endpoints, each tried twice: {backlog} kB ({:.2}x); after 64 password hashes: \
         {hashed} kB ({:.2}x)",
        backlog as f64 / idle as f64,
        hashed as f64 / idle as f64
    );
    assert!(
        backlog as f64 <= idle as f64 * 1.2,
        "{backlog} kB against {idle} kB"
    );
    assert!(
        hashed as f64 <= idle as f64 * 1.2,
        "{hashed} kB against {idle} kB"
    );
}

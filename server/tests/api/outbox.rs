//! The outboxes' cost does not grow with their backlog: taking the next delivery (or
//! e-mail) touches about as many pages with 100,000 waiting as with 10, and PostgreSQL
//! idles while 100,000 deliveries to 200 dead endpoints wait out their backoff.

use crate::helpers::*;
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

/// The query the webhook worker used before: a correlated subquery for every due row.
const CLAIM_BEFORE: &str = "
    SELECT d.id, d.attempts, e.public_id AS event_id, e.payload, e.created_at AS event_at,
           w.url, w.secret
    FROM webhook_deliveries d
    JOIN webhook_events e ON e.id = d.event_id
    JOIN webhook_endpoints w ON w.id = d.endpoint_id
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
      AND d.id = (SELECT min(x.id) FROM webhook_deliveries x
                  WHERE x.endpoint_id = d.endpoint_id AND x.status = 'pending')
    ORDER BY d.next_attempt_at, d.id
    LIMIT 1
    FOR UPDATE OF d SKIP LOCKED";

/// Pages touched (shared hits and reads) and milliseconds of one run of `query`, with
/// `kinds` for its `$1` when it takes one; in a transaction rolled back, so nothing stays
/// locked.
async fn cost(pool: &PgPool, query: &str, kinds: Option<Vec<&str>>) -> (i64, f64) {
    let mut tx = pool.begin().await.unwrap();
    let explain = format!("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}");
    let mut q = sqlx::query_scalar::<_, Value>(&explain);
    if query.contains("$1") {
        q = q.bind(kinds);
    }
    if query.contains("$2") {
        q = q.bind(latchkey_core::webhooks::deliver::LEASE_SECONDS);
    }
    let plan: Value = q.fetch_one(&mut *tx).await.unwrap();
    tx.rollback().await.unwrap();
    let top = &plan[0];
    let node = &top["Plan"];
    let pages =
        node["Shared Hit Blocks"].as_i64().unwrap() + node["Shared Read Blocks"].as_i64().unwrap();
    (pages, top["Execution Time"].as_f64().unwrap())
}

/// 200 endpoints at dead addresses, and `per_endpoint` pending deliveries each, as a
/// backlog leaves them: each endpoint's oldest was tried and waits out its backoff (an
/// hour), the rest were never tried. One endpoint's head is due now.
async fn backlog(pool: &PgPool, per_endpoint: i64) {
    sqlx::query(
        "INSERT INTO webhook_endpoints (public_id, url, events, secret)
         SELECT 'ep_dead' || lpad(i::text, 5, '0'), 'http://127.0.0.1:9/hooks/' || i,
                '{token.created}', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
         FROM generate_series(1, 200) i",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_events (public_id, kind, payload)
         SELECT 'msg_backlog' || i, 'token.created', '{}' FROM generate_series(1, $1) i",
    )
    .bind(per_endpoint)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at)
         SELECT w.id, e.id, now() - interval '1 hour' FROM webhook_endpoints w, webhook_events e
         ORDER BY e.id, w.id",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE webhook_deliveries d SET attempts = 3, next_attempt_at = now() + interval '1 hour'
         WHERE d.id IN (SELECT min(id) FROM webhook_deliveries GROUP BY endpoint_id)",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = now()
         WHERE id = (SELECT min(id) FROM webhook_deliveries)",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("VACUUM ANALYZE webhook_deliveries")
        .execute(pool)
        .await
        .unwrap();
}

/// `n` messages in the mail outbox, tried `attempts` times, next due at `due` (SQL).
async fn mails(pool: &PgPool, n: i64, attempts: i32, due: &str) {
    sqlx::query(&format!(
        "INSERT INTO mail_outbox (recipient, subject, body, attempts, next_attempt_at)
         SELECT 'ops@example.com', 'Expiring', 'Body', $2, {due} FROM generate_series(1, $1)"
    ))
    .bind(n)
    .bind(attempts)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE mail_outbox")
        .execute(pool)
        .await
        .unwrap();
}

async fn pending(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn taking_the_next_delivery_costs_the_same_with_100000_waiting_as_with_10(pool: PgPool) {
    let claim = latchkey_core::webhooks::deliver::CLAIM;
    // Ten deliveries waiting, for ten of the 200 endpoints.
    backlog(&pool, 1).await;
    sqlx::query(
        "DELETE FROM webhook_deliveries WHERE id NOT IN
             (SELECT id FROM webhook_deliveries ORDER BY id LIMIT 10)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE webhook_deliveries")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(pending(&pool).await, 10);
    let (small_pages, small_ms) = cost(&pool, claim, None).await;

    let truncate = || async {
        sqlx::query("TRUNCATE webhook_deliveries, webhook_events, webhook_endpoints CASCADE")
            .execute(&pool)
            .await
            .unwrap();
    };
    // 10,000 and 100,000 waiting: 50 and 500 behind each endpoint's head.
    truncate().await;
    backlog(&pool, 50).await;
    assert_eq!(pending(&pool).await, 10_000);
    let (mid_pages, mid_ms) = cost(&pool, claim, None).await;
    truncate().await;
    backlog(&pool, 500).await;
    assert_eq!(pending(&pool).await, 100_000);
    let (big_pages, big_ms) = cost(&pool, claim, None).await;
    let (security_pages, _) =
        cost(&pool, claim, Some(vec!["canary.triggered", "token.leaked"])).await;
    let (before_pages, before_ms) = cost(&pool, CLAIM_BEFORE, None).await;
    println!(
        "webhook claim, 200 endpoints: 10 pending {small_pages} pages {small_ms:.2} ms; 10,000 \
         pending {mid_pages} pages {mid_ms:.2} ms; 100,000 pending {big_pages} pages \
         {big_ms:.2} ms ({:.2}x the pages of 10,000); the security lane {security_pages} \
         pages; the query before this change, 100,000 pending: {before_pages} pages \
         {before_ms:.2} ms ({:.0}x the pages)",
        big_pages as f64 / mid_pages as f64,
        before_pages as f64 / big_pages as f64,
    );
    // One probe of the pending index per endpoint, however deep each endpoint's queue: a
    // few pages an endpoint (a level of the index more for ten times the backlog), where
    // the query before read every waiting row.
    assert!(big_pages <= 8 * 200, "{big_pages} pages for 200 endpoints");
    assert!(mid_pages <= 8 * 200, "{mid_pages} pages for 200 endpoints");
    assert!(
        before_pages > big_pages * 100,
        "the baseline shows the old cost"
    );

    // The mail outbox: its due index answers whatever the backlog.
    mails(&pool, 10, 0, "now() - interval '1 minute'").await;
    let (mail_small, mail_small_ms) = cost(&pool, latchkey_core::mail::CLAIM, None).await;
    mails(&pool, 99_990, 3, "now() + interval '1 hour'").await;
    let (mail_big, mail_big_ms) = cost(&pool, latchkey_core::mail::CLAIM, None).await;
    println!(
        "mail claim: 10 pending {mail_small} pages {mail_small_ms:.2} ms; 100,000 pending \
         {mail_big} pages {mail_big_ms:.2} ms"
    );
    assert!(
        mail_big <= mail_small * 2 + 4,
        "{mail_big} pages against {mail_small}"
    );
}

/// CPU seconds PostgreSQL's processes serving this database have used so far.
fn backend_cpu(pids: &[i32]) -> Option<f64> {
    let ticks = 100.0; // USER_HZ on Linux
    let mut total = 0.0;
    for pid in pids {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        total += (utime + stime) / ticks;
    }
    Some(total)
}

#[sqlx::test(migrator = "latchkey_core::MIGRATOR")]
async fn postgres_idles_while_100000_deliveries_to_dead_endpoints_wait(pool: PgPool) {
    backlog(&pool, 500).await;
    // Nothing due: every head waits out its backoff.
    sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = now() + interval '1 hour'
         WHERE id = (SELECT min(id) FROM webhook_deliveries)",
    )
    .execute(&pool)
    .await
    .unwrap();
    // Two instances, each with its workers polling every second.
    let first = TestApp::spawn(pool.clone()).await;
    let second = TestApp::spawn(pool.clone()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pids: Vec<i32> =
        sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            .fetch_all(&pool)
            .await
            .unwrap();
    let Some(start) = backend_cpu(&pids) else {
        eprintln!("skipped: /proc cannot be read here");
        return;
    };
    let window = Duration::from_secs(5);
    tokio::time::sleep(window).await;
    let used = backend_cpu(&pids).unwrap() - start;
    let share = used / window.as_secs_f64();
    println!(
        "PostgreSQL used {:.1} % of a core over {} s while 100,000 deliveries waited \
         (two instances, {} backends)",
        share * 100.0,
        window.as_secs(),
        pids.len()
    );
    assert!(share < 0.2, "{:.1} % of a core", share * 100.0);
    assert_eq!(pending(&pool).await, 100_000);
    drop((first, second));
}

//! The verification path's speed, against a real PostgreSQL: what one API request pays to
//! learn who is asking. Run with `./scripts/bench.sh` (or `cargo bench -p server --bench
//! verify` with DATABASE_URL pointing at a server where it may create a database).
//!
//! It prints, for each case, how many verifications ran, the throughput, and the latency
//! percentiles; for contrast, one argon2id password verification (the sign-in path).

use latchkey_core::{
    passwords::Passwords,
    principal::Principal,
    tokens::{self, format, verify::verify},
    MIGRATOR,
};
use sqlx::{postgres::PgPoolOptions, Connection, PgConnection, PgPool};
use std::time::{Duration, Instant};
use types::tokens::NewToken;

const SEQUENTIAL: usize = 5_000;
const TASKS: usize = 16;
const PER_TASK: usize = 1_000;
const MALFORMED: usize = 200_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| anyhow::anyhow!("set DATABASE_URL (./scripts/bench.sh does)"))?;
    let database = format!("latchkey_bench_{}", std::process::id());
    let mut admin = PgConnection::connect(&url).await?;
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await?;
    let result = run(&url, &database).await;
    sqlx::query(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    result
}

async fn run(url: &str, database: &str) -> anyhow::Result<()> {
    let mut options: sqlx::postgres::PgConnectOptions = url.parse()?;
    options = options.database(database);
    let pool = PgPoolOptions::new()
        .min_connections(TASKS as u32)
        .max_connections(TASKS as u32)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    let token = a_token(&pool).await?;
    let unknown = format::generate().plaintext;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Latchkey's verification path, {cores} cores, PostgreSQL from DATABASE_URL");
    println!(
        "{:<44} {:>8} {:>12} {:>9} {:>9} {:>9}",
        "case", "calls", "per second", "p50", "p99", "max"
    );

    let malformed = "lk_NotARealToken_0000000000000000000000000000000000000";
    report(
        "malformed (refused before the database)",
        &sequential(&pool, malformed, MALFORMED, false).await,
    );
    report(
        "valid token, one at a time",
        &sequential(&pool, &token, SEQUENTIAL, true).await,
    );
    report(
        "unknown id, one at a time",
        &sequential(&pool, &unknown, SEQUENTIAL, false).await,
    );
    report(
        &format!("valid token, {TASKS} concurrent callers"),
        &concurrent(&pool, &token).await,
    );

    let passwords = Passwords::default();
    let hash = passwords
        .hash("correct horse battery staple".into())
        .await?;
    let started = Instant::now();
    let ok = passwords
        .verify("correct horse battery staple".into(), Some(hash))
        .await?;
    assert!(ok);
    let argon = started.elapsed();
    report(
        "for contrast: one argon2id password check",
        &Run {
            latencies: vec![argon],
            wall: argon,
        },
    );
    pool.close().await;
    Ok(())
}

/// A token of an administrator, made the way the console and the command line make one.
async fn a_token(pool: &PgPool) -> anyhow::Result<String> {
    let owner: i64 = sqlx::query_scalar(
        "INSERT INTO users (display_name, kind, role_id)
         SELECT 'Benchmark', 'service', id FROM roles WHERE name = 'Administrator'
         RETURNING id",
    )
    .fetch_one(pool)
    .await?;
    let new = NewToken {
        name: "Benchmark".into(),
        owner_id: Some(owner),
        scopes: vec!["users:read".into(), "tokens:write".into()],
        ..NewToken::default()
    };
    let created = tokens::create(
        pool,
        &latchkey_core::Settings::default().token_policy(),
        &Principal::command_line(),
        new,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.into_answer()))?;
    Ok(created.token)
}

struct Run {
    latencies: Vec<Duration>,
    wall: Duration,
}

async fn sequential(pool: &PgPool, token: &str, calls: usize, valid: bool) -> Run {
    // Warm the pool and the plan cache first.
    for _ in 0..100 {
        let _ = verify(pool, token).await;
    }
    let mut latencies = Vec::with_capacity(calls);
    let started = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        let outcome = verify(pool, token).await.expect("database reachable");
        latencies.push(t.elapsed());
        assert_eq!(outcome.is_ok(), valid);
    }
    Run {
        latencies,
        wall: started.elapsed(),
    }
}

async fn concurrent(pool: &PgPool, token: &str) -> Run {
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (pool, token) = (pool.clone(), token.to_owned());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(PER_TASK);
                for _ in 0..PER_TASK {
                    let t = Instant::now();
                    let outcome = verify(&pool, &token).await.expect("database reachable");
                    latencies.push(t.elapsed());
                    assert!(outcome.is_ok());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(TASKS * PER_TASK);
    for task in tasks {
        latencies.extend(task.await.expect("task"));
    }
    Run {
        latencies,
        wall: started.elapsed(),
    }
}

fn report(case: &str, run: &Run) {
    let mut sorted = run.latencies.clone();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    println!(
        "{:<44} {:>8} {:>12.0} {:>9} {:>9} {:>9}",
        case,
        sorted.len(),
        sorted.len() as f64 / run.wall.as_secs_f64(),
        human(at(0.5)),
        human(at(0.99)),
        human(*sorted.last().expect("at least one call")),
    );
}

fn human(d: Duration) -> String {
    if d >= Duration::from_millis(10) {
        format!("{} ms", d.as_millis())
    } else if d >= Duration::from_micros(10) {
        format!("{} µs", d.as_micros())
    } else {
        format!("{} ns", d.as_nanos())
    }
}

//! The private cluster Latchkey runs without DATABASE_URL keeps its data across restarts.

use server::embedded_pg::EmbeddedPostgres;
use sqlx::{postgres::PgPoolOptions, Connection, PgConnection};

#[tokio::test]
async fn the_embedded_cluster_keeps_its_data_across_restarts() {
    let dir = std::env::temp_dir().join(format!("latchkey-pg-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let (mut pg, _) = EmbeddedPostgres::start(&dir, false).expect("first start");
    let mut conn = PgConnection::connect_with(&pg.maintenance_options())
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE kept (v TEXT)",
        "INSERT INTO kept VALUES ('still here')",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
    pg.stop();

    let (pg, _) = EmbeddedPostgres::start(&dir, false).expect("second start");
    let pool = PgPoolOptions::new()
        .connect_with(pg.maintenance_options())
        .await
        .unwrap();
    let v: String = sqlx::query_scalar("SELECT v FROM kept")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(v, "still here");
    pool.close().await;
    drop(pg);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_empty_database_url_means_the_embedded_cluster() {
    use clap::Parser;
    let dir = std::env::temp_dir().join(format!("latchkey-pg-empty-url-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = server::config::Config::try_parse_from([
        "server",
        "--database-url",
        "",
        "--data-dir",
        dir.to_str().unwrap(),
    ])
    .unwrap();

    let (pool, embedded) = server::startup::connect(&config)
        .await
        .expect("starts its own cluster");
    assert!(embedded.is_some());
    let roles: i64 = sqlx::query_scalar("SELECT count(*) FROM roles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(roles, 3, "the migrations ran: the built-in roles exist");
    pool.close().await;
    drop(embedded);
    let _ = std::fs::remove_dir_all(&dir);
}

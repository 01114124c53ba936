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

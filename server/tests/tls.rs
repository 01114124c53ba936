//! TLS to PostgreSQL: `sslmode=require` encrypts, `verify-full` also checks the server's
//! certificate and name. Against the test cluster of scripts/test.sh, which speaks TLS with
//! a certificate from a throwaway authority (`TEST_PG_CA`).

use server::startup;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

fn url_with(params: &str) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL: run through scripts/test.sh");
    format!("{base}?{params}")
}

fn authority() -> String {
    std::env::var("TEST_PG_CA").expect("TEST_PG_CA: run through scripts/test.sh, which makes it")
}

async fn encrypted(url: &str) -> Result<bool, sqlx::Error> {
    let pool = startup::pool(PgConnectOptions::from_str(url)?).await?;
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok(ssl)
}

#[tokio::test]
async fn sslmode_require_and_verify_full_connect_encrypted() {
    assert!(encrypted(&url_with("sslmode=require")).await.unwrap());
    // The certificate is for localhost.
    let ca = authority();
    let localhost = url_with(&format!("sslmode=verify-full&sslrootcert={ca}"))
        .replace("@127.0.0.1:", "@localhost:");
    assert!(encrypted(&localhost).await.unwrap());
    // Without plain TLS the same server is reached in the clear: TLS is the URL's choice.
    assert!(!encrypted(&url_with("sslmode=disable")).await.unwrap());
}

#[tokio::test]
async fn verify_full_refuses_a_server_it_cannot_vouch_for() {
    // The system's authorities do not know the throwaway one.
    let unknown =
        encrypted(&url_with("sslmode=verify-full").replace("@127.0.0.1:", "@localhost:")).await;
    let error = unknown.expect_err("an unknown authority must be refused");
    assert!(error.to_string().contains("certificate"), "{error}");
    // The right authority, but a name the certificate is not for (127.0.0.1: the same
    // server, which plain `require` reaches).
    let ca = authority();
    let wrong_name = encrypted(&url_with(&format!("sslmode=verify-full&sslrootcert={ca}"))).await;
    let error = wrong_name.expect_err("a certificate for another name must be refused");
    assert!(error.to_string().contains("certificate"), "{error}");
}

use clap::Parser;
use server::config::{Command, Config};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = Config::parse();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("latchkey: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let (pool, mut embedded) = server::connect(&config).await?;
    let result = match config.command.clone().unwrap_or(Command::Serve) {
        Command::Serve => server::serve(&config, pool.clone()).await,
        Command::CreateToken {
            owner,
            name,
            scopes,
            expires_in,
            description,
        } => server::cli::create_token(
            pool.clone(),
            server::config::Settings::from_config(&config),
            &owner,
            name,
            scopes,
            expires_in.as_deref(),
            description,
        )
        .await
        .map(|token| println!("{token}")),
    };
    pool.close().await;
    if let Some(pg) = embedded.as_mut() {
        pg.stop();
    }
    result
}

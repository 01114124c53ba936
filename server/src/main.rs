use clap::Parser;
use server::{
    config::{Command, Config, Settings},
    startup::{self, Application},
};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
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
    let (pool, mut embedded) = startup::connect(&config).await?;
    let settings = Settings::from_config(&config);
    let result = match config.command.clone().unwrap_or(Command::Serve) {
        Command::Serve => match Application::build(pool.clone(), settings, config.listen).await {
            Ok(app) => app.run_until(startup::shutdown_signal()).await,
            Err(e) => Err(e),
        },
        Command::CreateToken {
            owner,
            name,
            scopes,
            expires_in,
            description,
        } => server::cli::create_token(
            pool.clone(),
            settings,
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

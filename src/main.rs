use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = trohet::cli::Cli::parse();
    let outcome = async {
        let config = cli.config()?;
        trohet::cli::init_tracing(&config, cli.log_level(&config));
        cli.run(config).await
    };
    match outcome.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, with the cause chain, for people and scripts alike.
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

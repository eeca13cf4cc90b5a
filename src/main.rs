use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: ingesting a batch of events allocates and
/// frees tens of thousands of small strings across threads, where glibc's allocator
/// spent a sixth of the server's time (see the README's benchmarks).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match trohet::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if error.use_stderr() => {
            eprintln!("{}", one_line(&error.render().to_string()));
            return ExitCode::from(2);
        }
        // --help and --version are not errors.
        Err(error) => {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
    };
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

/// clap's usage errors span several lines; scripts get them on one.
fn one_line(rendered: &str) -> String {
    rendered
        .lines()
        .take_while(|line| !line.starts_with("Usage:"))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

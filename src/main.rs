use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = plotline::cli::Cli::parse();
    plotline::cli::init_tracing(cli.log_format);
    match plotline::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("plotline: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = zona_utils::cli::Cli::parse();
    match zona_utils::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = zona_utils::cli::Cli::parse();
    // A sandbox worker is a plain single-threaded process: no async runtime, nothing else.
    if matches!(cli.command, zona_utils::cli::Command::SandboxWorker) {
        return zona_sandbox::worker::main();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(zona_utils::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

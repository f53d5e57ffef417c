//! A sandbox worker process (see `zona_sandbox::worker`), for this crate's tests and benchmarks;
//! the service runs the same code as `zona-utils sandbox-worker`.

fn main() -> std::process::ExitCode {
    zona_sandbox::worker::main()
}

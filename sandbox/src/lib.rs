//! The execution engine: tenants' Python utilities run in CPython compiled to WASI, under
//! wasmtime, one fresh instance of a pre-initialised snapshot per call, with fuel, memory,
//! wall-time and output limits. Pure of HTTP, storage and configuration files: it takes plain
//! values and returns typed results.

mod call;
mod engine;
mod error;
mod executor;
mod fetch;
mod guest;
mod limits;
mod manifest;
mod outcome;
mod output;
mod snapshot;
pub mod worker;

pub use call::ExecRequest;
pub use error::SandboxError;
pub use executor::{Executor, WasmExecutor, prepare_runtime};
pub use fetch::{RuntimePaths, fetch_runtime};
pub use limits::{
    DEFAULT_PRELOAD, Isolation, Limits, MAX_WALL_TIME, RuntimeConfig, default_cache_dir,
};
pub use outcome::{Execution, GuestError, Outcome};
pub use output::OutputChunk;

//! Every limit of a call and every sizing knob of the engine, each with its default. The service
//! fills these from its configuration; nothing here reads files or the environment.

use std::path::PathBuf;
use std::time::Duration;

/// Per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory the guest may grow to.
    pub memory_bytes: u64,
    /// Wasm fuel: roughly one unit per instruction executed.
    pub fuel: u64,
    /// Wall-clock deadline, enforced by epoch interruption.
    pub wall_time: Duration,
    /// Bytes of stdout and of stderr kept; beyond them the call stops with `output_limit`.
    pub stdout_bytes: usize,
    pub stderr_bytes: usize,
    /// Characters of the JSON result.
    pub result_bytes: usize,
}

/// The design's maximum wall time.
pub const MAX_WALL_TIME: Duration = Duration::from_secs(300);

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 256 * 1024 * 1024,
            // About 5 s of pure-Python work on this project's machines (see docs/benchmarks.md).
            fuel: 8_000_000_000,
            wall_time: Duration::from_secs(5),
            stdout_bytes: 1024 * 1024,
            stderr_bytes: 1024 * 1024,
            result_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Per engine.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Runtime files, compiled modules and snapshots live here, outside any repository.
    pub cache_dir: PathBuf,
    /// Calls running at once; the default is the number of cores.
    pub max_concurrency: usize,
    /// Calls waiting for a slot; beyond them a call is refused as busy.
    pub queue_depth: usize,
    /// Modules imported before the snapshot, so calls that use them skip the import.
    pub preload: Vec<String>,
    /// Ceiling of any call's memory limit; sizes the pooling allocator's slots.
    pub max_memory_bytes: u64,
    /// Epoch tick: the granularity of wall-time deadlines.
    pub epoch_tick: Duration,
    /// The `python3` that runs `pip download` for the fetch.
    pub python: PathBuf,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            cache_dir: default_cache_dir(),
            max_concurrency: cores,
            queue_depth: cores * 32,
            preload: vec!["json".into()],
            max_memory_bytes: 1024 * 1024 * 1024,
            epoch_tick: Duration::from_millis(10),
            python: PathBuf::from("python3"),
        }
    }
}

/// `$XDG_CACHE_HOME/zona-utils` or `~/.cache/zona-utils`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("zona-utils");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache").join("zona-utils")
}

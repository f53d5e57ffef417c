//! Every limit of a call and every sizing knob of the engine, each with its default. The service
//! fills these from its configuration; nothing here reads files or the environment.

use std::path::PathBuf;
use std::time::Duration;

/// Per call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
            // Pure Python burns about 8e9 units a second on this project's machines (measured
            // in docs/benchmarks.md, "Fuel"): this fits the default 5 s wall time.
            fuel: 40_000_000_000,
            wall_time: Duration::from_secs(5),
            stdout_bytes: 1024 * 1024,
            stderr_bytes: 1024 * 1024,
            result_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Where calls run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Isolation {
    /// A pool of worker processes, one call at a time each (the service's choice). Calls scale with
    /// cores: in one process, every copy-on-write fault of one call's memory flushes the TLB of
    /// every core running another call (an IPI per fault), which costs more than the calls
    /// themselves (see docs/benchmarks.md). A worker also holds nothing of the service: no
    /// environment, no secrets, no sockets.
    Processes {
        /// The program and arguments that start a worker (`zona_sandbox::worker::main`).
        program: PathBuf,
        args: Vec<String>,
    },
    /// Calls on threads of this process (tools, and the comparison in the benchmark).
    Threads,
}

/// Imported into the snapshot (and warmed up by `python-runtime/warmup.py`): calls that use
/// them skip the import. pandas alone would cost about a second per call otherwise.
pub const DEFAULT_PRELOAD: &[&str] = &[
    "json",
    "re",
    "datetime",
    "decimal",
    "statistics",
    "csv",
    "io",
    "hashlib",
    "base64",
    "collections",
    "itertools",
    "functools",
    "math",
    "random",
    "string",
    "uuid",
    "numpy",
    "numpy.ma",
    "numpy.rec",
    "pandas",
];

/// Per engine.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// Memory of a finished call kept mapped for the next one in its slot: its dirty pages are
    /// copied back from the snapshot instead of being unmapped and faulted in again.
    pub keep_resident_bytes: usize,
    pub isolation: Isolation,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            cache_dir: default_cache_dir(),
            max_concurrency: cores,
            queue_depth: cores * 32,
            preload: DEFAULT_PRELOAD.iter().map(|m| (*m).to_owned()).collect(),
            max_memory_bytes: 1024 * 1024 * 1024,
            epoch_tick: Duration::from_millis(10),
            python: PathBuf::from("python3"),
            keep_resident_bytes: 128 * 1024 * 1024,
            isolation: Isolation::Threads,
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

use std::path::PathBuf;
use std::time::Duration;

/// Failures of the host side. What the guest does (raise, time out, run out of fuel...) is an
/// `Outcome` of a successful `execute`, not one of these.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "too many calls waiting ({queued} queued, the limit is {limit}); retry after {retry_after:?}"
    )]
    Busy {
        queued: usize,
        limit: usize,
        retry_after: Duration,
    },
    #[error("fetching the Python runtime failed: {0}")]
    Fetch(String),
    #[error("{file} does not match the pinned runtime: expected sha256 {expected}, got {actual}")]
    HashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error("cache {path}: {source}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("preparing the runtime failed: {0}")]
    Prepare(String),
    #[error("the engine failed: {0}")]
    Engine(String),
    #[error("limit {name} is {value}, above the ceiling {ceiling}")]
    LimitTooHigh {
        name: &'static str,
        value: String,
        ceiling: String,
    },
}

impl SandboxError {
    pub(crate) fn cache(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Cache { path, source }
    }
}

//! What a call came to.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Every ending has a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// The utility raised.
    Error,
    Timeout,
    OutOfFuel,
    MemoryLimit,
    OutputLimit,
    /// The result is not JSON, or too large.
    InvalidResult,
    /// The engine failed; not the utility's doing.
    Internal,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Timeout => "timeout",
            Outcome::OutOfFuel => "out_of_fuel",
            Outcome::MemoryLimit => "memory_limit",
            Outcome::OutputLimit => "output_limit",
            Outcome::InvalidResult => "invalid_result",
            Outcome::Internal => "internal",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The user's exception, with a traceback whose line numbers are the utility's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub traceback: String,
}

impl GuestError {
    /// An error the host reports for the call (a limit, a lost worker): no traceback.
    pub(crate) fn from_host(kind: &str, message: String) -> Self {
        Self {
            kind: kind.into(),
            message,
            traceback: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    pub outcome: Outcome,
    pub result: Option<serde_json::Value>,
    pub error: Option<GuestError>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    pub duration: Duration,
    pub fuel_used: u64,
    pub peak_memory_bytes: u64,
    /// The code as this runtime compiled it, when the request asked for it: pass it back as
    /// `ExecRequest::bytecode` to skip compiling the same code again.
    #[serde(default, with = "serde_bytes")]
    pub bytecode: Option<Vec<u8>>,
}

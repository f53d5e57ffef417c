//! One call: a fresh instance of the snapshot, one turn, a named outcome. Runs on the thread
//! that calls it (an engine thread, or a worker process's only thread).

use crate::fetch::RuntimePaths;
use crate::guest::{self, GuestClock, GuestState, Limiter};
use crate::limits::Limits;
use crate::outcome::{Execution, GuestError, Outcome};
use crate::output::{Capture, LIMIT_TRAP, Sink, Which};
use crate::snapshot::run_turn;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::{Engine, InstancePre, Store, Trap};

/// What the host hands the guest for one call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecRequest {
    pub code: Arc<str>,
    /// The entry function: the utility's name.
    pub function: String,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub limits: Limits,
    /// The code already compiled by this runtime (`Execution::bytecode` of an earlier call of
    /// the same code): the guest skips compiling it.
    #[serde(default, with = "serde_bytes")]
    pub bytecode: Option<Vec<u8>>,
    /// Ask the guest to hand back the bytecode it compiled, for the caller to cache.
    #[serde(default)]
    pub want_bytecode: bool,
}

impl ExecRequest {
    pub fn new(code: impl Into<Arc<str>>, function: impl Into<String>, limits: Limits) -> Self {
        Self {
            code: code.into(),
            function: function.into(),
            params: serde_json::Map::new(),
            limits,
            bytecode: None,
            want_bytecode: false,
        }
    }

    /// Compiles `code` without running it: the `Execution`'s `bytecode` is the result (a syntax
    /// error is the user's error, as in a call).
    pub fn compile_only(code: impl Into<Arc<str>>, limits: Limits) -> Self {
        let mut req = Self::new(code, "", limits);
        req.want_bytecode = true;
        req
    }

    pub fn with_params(mut self, params: serde_json::Map<String, serde_json::Value>) -> Self {
        self.params = params;
        self
    }
}

/// The harness's report through the door.
#[derive(Deserialize)]
struct Report {
    #[serde(flatten)]
    kind: ReportKind,
    #[serde(default)]
    bytecode: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum ReportKind {
    /// A compile-only request: the bytecode is the result.
    Compiled,
    Ok {
        result: serde_json::Value,
    },
    Error {
        #[serde(rename = "type")]
        kind: String,
        message: String,
        traceback: String,
    },
    InvalidResult {
        #[serde(rename = "type")]
        kind: String,
        message: String,
    },
}

pub(crate) struct Prepared {
    pub engine: Engine,
    pub pre: InstancePre<GuestState>,
    pub paths: RuntimePaths,
    pub epoch_tick: Duration,
}

fn request_source(req: &ExecRequest, seed: u64) -> String {
    let body = serde_json::json!({
        "code": &*req.code,
        "function": req.function,
        "params": req.params,
        "seed": seed,
        "max_result": req.limits.result_bytes,
        "bytecode": req.bytecode.as_ref().map(|b| B64.encode(b)),
        "want_bytecode": req.want_bytecode && req.bytecode.is_none(),
    });
    // A JSON string is a Python string literal (serde_json escapes no '/', and writes non-ASCII
    // as UTF-8).
    let literal = serde_json::to_string(&body.to_string()).expect("a string serialises");
    format!("__import__('_zona').call({literal})")
}

/// How the call ended, before the output is collected.
struct Ending {
    outcome: Outcome,
    result: Option<serde_json::Value>,
    error: Option<GuestError>,
    bytecode: Option<Vec<u8>>,
}

impl Ending {
    fn failed(outcome: Outcome, kind: &str, message: String) -> Self {
        Self {
            outcome,
            result: None,
            error: Some(GuestError::from_host(kind, message)),
            bytecode: None,
        }
    }
}

pub(crate) fn execute(p: &Prepared, req: &ExecRequest, sink: Option<Sink>) -> Execution {
    let started = Instant::now();
    let limits = &req.limits;
    let stdout = Capture::new(Which::Stdout, limits.stdout_bytes, sink.clone());
    let stderr = Capture::new(Which::Stderr, limits.stderr_bytes, sink);
    let mut meter = (0u64, 0u64);
    let ending = run(p, req, &stdout, &stderr, &mut meter).unwrap_or_else(|msg| {
        tracing::error!(error = %msg, "sandbox call failed on the host side");
        Ending::failed(Outcome::Internal, "InternalError", msg)
    });
    let (out, out_cut) = stdout.take();
    let (err, err_cut) = stderr.take();
    Execution {
        outcome: ending.outcome,
        result: ending.result,
        error: ending.error,
        stdout: out,
        stderr: err,
        stdout_truncated: out_cut,
        stderr_truncated: err_cut,
        duration: started.elapsed(),
        fuel_used: meter.0,
        peak_memory_bytes: meter.1,
        bytecode: ending.bytecode,
    }
}

/// `Err` is a failure of the host side; everything the guest does is an `Ending`.
fn run(
    p: &Prepared,
    req: &ExecRequest,
    stdout: &Capture,
    stderr: &Capture,
    meter: &mut (u64, u64),
) -> Result<Ending, String> {
    let limits = &req.limits;
    let clock = GuestClock::new(Some(Instant::now() + limits.wall_time));
    let wasi = guest::wasi(&p.paths, &clock, stdout.clone(), stderr.clone())
        .map_err(|e| format!("{e:#}"))?;
    let mut store = Store::new(
        &p.engine,
        GuestState {
            wasi,
            limiter: Limiter {
                max: limits.memory_bytes as usize,
                peak: 0,
                refused: false,
            },
            report: None,
            // The report carries the result and possibly the bytecode (base64, a few times the code).
            report_cap: limits.result_bytes + 8 * req.code.len() + 64 * 1024,
            clock,
        },
    );
    store.limiter(|s| &mut s.limiter);
    store.set_fuel(limits.fuel).map_err(|e| format!("{e}"))?;
    // The ticker is not aligned with the call's start: one more tick so that the call is never
    // stopped before its limit (and at most one tick after it).
    let ticks = limits
        .wall_time
        .as_nanos()
        .div_ceil(p.epoch_tick.as_nanos().max(1)) as u64;
    store.set_epoch_deadline(ticks + 1);
    store.epoch_deadline_trap();
    let instance = p
        .pre
        .instantiate(&mut store)
        .map_err(|e| format!("instantiating: {e}"))?;
    if let Some(mem) = instance.get_memory(&mut store, "memory") {
        let size = mem.data_size(&store);
        let l = &mut store.data_mut().limiter;
        l.peak = l.peak.max(size);
    }
    let turn = run_turn(&mut store, &instance, &request_source(req, rand_seed()));
    *meter = (
        limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0)),
        store.data().limiter.peak as u64,
    );
    let refused = store.data().limiter.refused;
    let report = store.data_mut().report.take();
    drop(store);

    if let Err(e) = turn {
        let (outcome, kind, msg) = classify(&e, stdout, stderr, refused, limits);
        return Ok(Ending::failed(outcome, &kind, msg));
    }
    let Some(report) = report else {
        // The turn returned without a report: the utility ended the interpreter's turn itself
        // (for instance os._exit) before the harness could answer.
        return Ok(Ending::failed(
            Outcome::Error,
            "SystemExit",
            "the utility ended the call before returning a result".into(),
        ));
    };
    let report: Report = match serde_json::from_slice(&report) {
        Ok(r) => r,
        Err(e) => {
            return Ok(Ending::failed(
                Outcome::InvalidResult,
                "InvalidResult",
                format!("the harness's report is not valid: {e}"),
            ));
        }
    };
    let bytecode = report.bytecode.and_then(|b| B64.decode(b).ok());
    let mut ending = match report.kind {
        ReportKind::Compiled => Ending {
            outcome: Outcome::Ok,
            result: None,
            error: None,
            bytecode: None,
        },
        ReportKind::Ok { result } => Ending {
            outcome: Outcome::Ok,
            result: Some(result),
            error: None,
            bytecode: None,
        },
        ReportKind::Error {
            kind,
            message,
            traceback,
        } => {
            let outcome = if refused && kind == "MemoryError" {
                Outcome::MemoryLimit
            } else {
                Outcome::Error
            };
            Ending {
                outcome,
                result: None,
                error: Some(GuestError {
                    kind,
                    message,
                    traceback,
                }),
                bytecode: None,
            }
        }
        ReportKind::InvalidResult { kind, message } => Ending::failed(
            Outcome::InvalidResult,
            &format!("InvalidResult({kind})"),
            message,
        ),
    };
    ending.bytecode = bytecode;
    Ok(ending)
}

fn classify(
    e: &wasmtime::Error,
    stdout: &Capture,
    stderr: &Capture,
    refused: bool,
    limits: &Limits,
) -> (Outcome, String, String) {
    if stdout.truncated() || stderr.truncated() || format!("{e:#}").contains(LIMIT_TRAP) {
        let msg = format!(
            "the utility wrote more than {} bytes to stdout or {} bytes to stderr; output was truncated and the call stopped",
            limits.stdout_bytes, limits.stderr_bytes
        );
        return (Outcome::OutputLimit, "OutputLimit".into(), msg);
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => (
                Outcome::OutOfFuel,
                "OutOfFuel".into(),
                format!(
                    "the utility used its whole fuel budget ({} units) and was stopped",
                    limits.fuel
                ),
            ),
            Trap::Interrupt => (
                Outcome::Timeout,
                "Timeout".into(),
                format!(
                    "the utility ran past its wall-time limit of {:?} and was stopped",
                    limits.wall_time
                ),
            ),
            other if refused => (
                Outcome::MemoryLimit,
                "MemoryLimit".into(),
                format!(
                    "the utility needed more than {} bytes of memory ({other})",
                    limits.memory_bytes
                ),
            ),
            other => (
                Outcome::Error,
                "Trap".into(),
                format!("the utility's interpreter trapped: {other}"),
            ),
        };
    }
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return (
            Outcome::Error,
            "SystemExit".into(),
            format!("the utility exited the interpreter with status {}", exit.0),
        );
    }
    if refused {
        return (
            Outcome::MemoryLimit,
            "MemoryLimit".into(),
            format!(
                "the utility needed more than {} bytes of memory",
                limits.memory_bytes
            ),
        );
    }
    (Outcome::Internal, "InternalError".into(), format!("{e:#}"))
}

/// A fresh seed for the guest's `random` module, from the OS.
fn rand_seed() -> u64 {
    let mut b = [0u8; 8];
    if getrandom(&mut b).is_err() {
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
    }
    u64::from_le_bytes(b)
}

fn getrandom(buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}

//! One call: a fresh instance of the snapshot, one turn, a named outcome.

use crate::fetch::RuntimePaths;
use crate::guest::{self, GuestClock, GuestState, Limiter};
use crate::limits::Limits;
use crate::outcome::{Execution, GuestError, Outcome};
use crate::output::{Capture, LIMIT_TRAP, OutputChunk, Which};
use crate::snapshot::run_turn;
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use wasmtime::{Engine, InstancePre, Store, Trap};

/// What the host hands the guest for one call.
#[derive(Debug, Clone)]
pub struct ExecRequest {
    pub code: std::sync::Arc<str>,
    /// The entry function: the utility's name.
    pub function: String,
    pub params: serde_json::Map<String, serde_json::Value>,
    pub limits: Limits,
}

/// The harness's report through the door.
#[derive(Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Report {
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
    });
    // A JSON string is a Python string literal (serde_json escapes no '/', and writes non-ASCII
    // as UTF-8).
    let literal = serde_json::to_string(&body.to_string()).expect("a string serialises");
    format!("__import__('_zona').call({literal})")
}

pub(crate) fn execute(
    p: &Prepared,
    req: &ExecRequest,
    sink: Option<UnboundedSender<OutputChunk>>,
) -> Execution {
    let started = Instant::now();
    let limits = &req.limits;
    let stdout = Capture::new(Which::Stdout, limits.stdout_bytes, sink.clone());
    let stderr = Capture::new(Which::Stderr, limits.stderr_bytes, sink);
    let internal = |msg: String, stdout: &Capture, stderr: &Capture| {
        tracing::error!(error = %msg, "sandbox call failed on the host side");
        finish(
            Outcome::Internal,
            None,
            Some(("InternalError".into(), msg, String::new())),
            stdout,
            stderr,
            started,
            0,
            0,
        )
    };
    let clock = GuestClock::new(Some(started + limits.wall_time));
    let wasi = match guest::wasi(&p.paths, &clock, stdout.clone(), stderr.clone()) {
        Ok(w) => w,
        Err(e) => return internal(format!("{e:#}"), &stdout, &stderr),
    };
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
            report_cap: limits.result_bytes + 64 * 1024,
            clock,
        },
    );
    store.limiter(|s| &mut s.limiter);
    if let Err(e) = store.set_fuel(limits.fuel) {
        return internal(format!("{e}"), &stdout, &stderr);
    }
    // The ticker is not aligned with the call's start: one more tick so that the call is never
    // stopped before its limit (and at most one tick after it).
    let ticks = limits
        .wall_time
        .as_nanos()
        .div_ceil(p.epoch_tick.as_nanos().max(1)) as u64;
    store.set_epoch_deadline(ticks + 1);
    store.epoch_deadline_trap();
    let instance = match p.pre.instantiate(&mut store) {
        Ok(i) => i,
        Err(e) => return internal(format!("instantiating: {e}"), &stdout, &stderr),
    };
    if let Some(mem) = instance.get_memory(&mut store, "memory") {
        let size = mem.data_size(&store);
        let l = &mut store.data_mut().limiter;
        l.peak = l.peak.max(size);
    }
    let seed = rand_seed();
    let turn = run_turn(&mut store, &instance, &request_source(req, seed));
    let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
    let peak = store.data().limiter.peak as u64;
    let refused = store.data().limiter.refused;
    let report = store.data_mut().report.take();
    drop(store);

    match turn {
        Ok(_) => match report.as_deref().map(serde_json::from_slice::<Report>) {
            Some(Ok(Report::Ok { result })) => finish(
                Outcome::Ok,
                Some(result),
                None,
                &stdout,
                &stderr,
                started,
                fuel_used,
                peak,
            ),
            Some(Ok(Report::Error {
                kind,
                message,
                traceback,
            })) => {
                let outcome = if refused && kind == "MemoryError" {
                    Outcome::MemoryLimit
                } else {
                    Outcome::Error
                };
                finish(
                    outcome,
                    None,
                    Some((kind, message, traceback)),
                    &stdout,
                    &stderr,
                    started,
                    fuel_used,
                    peak,
                )
            }
            Some(Ok(Report::InvalidResult { kind, message })) => finish(
                Outcome::InvalidResult,
                None,
                Some((format!("InvalidResult({kind})"), message, String::new())),
                &stdout,
                &stderr,
                started,
                fuel_used,
                peak,
            ),
            Some(Err(e)) => finish(
                Outcome::InvalidResult,
                None,
                Some((
                    "InvalidResult".into(),
                    format!("the harness's report is not valid: {e}"),
                    String::new(),
                )),
                &stdout,
                &stderr,
                started,
                fuel_used,
                peak,
            ),
            None => {
                // The turn returned without a report: the utility ended the interpreter's turn
                // itself (for instance os._exit) before the harness could answer.
                let msg = "the utility ended the call before returning a result".to_owned();
                finish(
                    Outcome::Error,
                    None,
                    Some(("SystemExit".into(), msg, String::new())),
                    &stdout,
                    &stderr,
                    started,
                    fuel_used,
                    peak,
                )
            }
        },
        Err(e) => {
            let (outcome, kind, msg) = classify(&e, &stdout, &stderr, refused, limits);
            finish(
                outcome,
                None,
                Some((kind, msg, String::new())),
                &stdout,
                &stderr,
                started,
                fuel_used,
                peak,
            )
        }
    }
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

#[allow(clippy::too_many_arguments)]
fn finish(
    outcome: Outcome,
    result: Option<serde_json::Value>,
    error: Option<(String, String, String)>,
    stdout: &Capture,
    stderr: &Capture,
    started: Instant,
    fuel_used: u64,
    peak_memory_bytes: u64,
) -> Execution {
    let (out, out_cut) = stdout.take();
    let (err, err_cut) = stderr.take();
    Execution {
        outcome,
        result,
        error: error.map(|(kind, message, traceback)| GuestError {
            kind,
            message,
            traceback,
        }),
        stdout: out,
        stderr: err,
        stdout_truncated: out_cut,
        stderr_truncated: err_cut,
        duration: started.elapsed(),
        fuel_used,
        peak_memory_bytes,
    }
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

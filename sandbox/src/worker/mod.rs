//! Worker processes: each runs one call at a time on its only busy thread, so the copy-on-write
//! faults of its instance's memory never have to flush another core's TLB (in one process, every
//! such fault interrupts each core running another call; see `Isolation::Processes`).
//!
//! The parent talks to a worker over its stdin and stdout in frames: a little-endian `u32`
//! length, then a MessagePack message. `Down` goes to the worker, `Up` comes back: one `Hello`
//! answered by `Ready`, then per call one `Call` answered by output chunks as the guest writes
//! them and one `Done`.

pub(crate) mod pool;

use crate::call::{self, ExecRequest, Prepared};
use crate::engine::{self, EpochTicker};
use crate::fetch::RuntimePaths;
use crate::limits::RuntimeConfig;
use crate::outcome::Execution;
use crate::output::{OutputChunk, Sink};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Frames larger than this are refused (a call's code, params and output are far smaller).
pub(crate) const MAX_FRAME: usize = 256 << 20;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Hello {
    pub cfg: RuntimeConfig,
    /// The compiled snapshot (`.cwasm`), verified by the parent.
    pub module: PathBuf,
    pub paths: RuntimePaths,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Down {
    Hello(Box<Hello>),
    Call(Box<ExecRequest>),
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Up {
    Ready,
    Stdout(#[serde(with = "serde_bytes")] Vec<u8>),
    Stderr(#[serde(with = "serde_bytes")] Vec<u8>),
    Done(Box<Execution>),
    /// The worker cannot serve (its engine or module failed); it exits after sending this.
    Failed(String),
}

pub(crate) fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    let body = rmp_serde::to_vec_named(msg).expect("protocol messages serialise");
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    frame
}

pub(crate) fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> std::io::Result<T> {
    rmp_serde::from_slice(body).map_err(|e| std::io::Error::other(format!("bad frame: {e}")))
}

fn read_frame(r: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other(format!("frame of {len} bytes")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    Ok(Some(body))
}

type Out = Arc<Mutex<std::fs::File>>;

fn send(out: &Out, msg: &Up) -> std::io::Result<()> {
    let mut o = out.lock().unwrap_or_else(|p| p.into_inner());
    o.write_all(&encode(msg))
}

/// The worker's main: serves calls until its stdin closes. Returns the process's exit code.
///
/// A program that wants to host workers calls this when started as one (the service does it for
/// `zona-utils sandbox-worker`; this crate's `zona-sandbox-worker` binary is nothing else).
pub fn main() -> std::process::ExitCode {
    // The protocol gets a private copy of stdout; fd 1 then points at stderr, so that nothing
    // else printing to stdout can corrupt a frame.
    // SAFETY: plain descriptor calls on descriptors this process owns.
    let out: Out = unsafe {
        use std::os::fd::FromRawFd;
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            eprintln!("zona worker: cannot set up its descriptors");
            return std::process::ExitCode::FAILURE;
        }
        Arc::new(Mutex::new(std::fs::File::from_raw_fd(fd)))
    };
    let mut input = std::io::stdin().lock();
    match serve(&mut input, &out) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let _ = send(&out, &Up::Failed(e.clone()));
            eprintln!("zona worker: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn serve(input: &mut impl Read, out: &Out) -> Result<(), String> {
    let hello = match read_frame(input).map_err(|e| e.to_string())? {
        Some(body) => match decode::<Down>(&body).map_err(|e| e.to_string())? {
            Down::Hello(h) => h,
            Down::Call(_) => return Err("a call came before the hello".into()),
        },
        None => return Ok(()),
    };
    let prepared = prepare(&hello).map_err(|e| e.to_string())?;
    let _ticker = EpochTicker::start(prepared.engine.clone(), hello.cfg.epoch_tick);
    send(out, &Up::Ready).map_err(|e| e.to_string())?;
    let chunks = out.clone();
    let sink: Sink = Arc::new(move |chunk| {
        let msg = match chunk {
            OutputChunk::Stdout(b) => Up::Stdout(b.to_vec()),
            OutputChunk::Stderr(b) => Up::Stderr(b.to_vec()),
            // The parent announces the start itself, when it hands the call to a worker.
            OutputChunk::Started => return,
        };
        // A parent that stopped reading is gone; the call ends with the next frame's failure.
        let _ = send(&chunks, &msg);
    });
    while let Some(body) = read_frame(input).map_err(|e| e.to_string())? {
        let req = match decode::<Down>(&body).map_err(|e| e.to_string())? {
            Down::Call(req) => req,
            Down::Hello(_) => return Err("a second hello".into()),
        };
        let exec = call::execute(&prepared, &req, Some(sink.clone()));
        send(out, &Up::Done(Box::new(exec))).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn prepare(hello: &Hello) -> Result<Prepared, crate::SandboxError> {
    // One call at a time: two slots, so a slot being reset never delays the next call.
    let engine = engine::call_engine(&hello.cfg, 2)?;
    let module = engine::load(&engine, &hello.module, "runtime snapshot")?;
    let linker = crate::guest::linker(&engine)
        .map_err(|e| crate::SandboxError::Prepare(format!("{e:#}")))?;
    let pre = linker
        .instantiate_pre(&module)
        .map_err(|e| crate::SandboxError::Prepare(format!("{e}")))?;
    Ok(Prepared {
        engine,
        pre,
        paths: hello.paths.clone(),
        epoch_tick: hello.cfg.epoch_tick,
    })
}

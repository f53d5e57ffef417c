//! The snapshot: the runtime with the harness (and the preloaded modules) already imported, made
//! once per runtime with wizer's split API: instrument, run a setup turn, snapshot.

use crate::error::SandboxError;
use crate::fetch::RuntimePaths;
use crate::guest::{self, GuestClock, GuestState, Limiter};
use crate::manifest::{HARNESS, WARMUP};
use crate::output::{Capture, Which};
use wasmtime::{Engine, Instance, Module, Store};
use wasmtime_wizer::{WasmtimeWizer, Wizer};

const READY: &str = r#"{"status":"ready"}"#;

/// The setup turn: load the harness as the module `_zona`, import the preloads, warm them up,
/// then move every object into the collector's permanent generation (`gc.freeze`): a call's
/// collections then walk only what the call made, which costs less and dirties fewer pages.
pub(crate) fn setup_source(preload: &[String]) -> String {
    let harness = serde_json::to_string(HARNESS).expect("a string serialises");
    let preload = serde_json::to_string(preload).expect("strings serialise");
    let warmup = serde_json::to_string(WARMUP).expect("a string serialises");
    format!(
        "import sys as _s, types as _t\n\
         _m = _t.ModuleType('_zona')\n\
         exec(compile({harness}, '<zona-harness>', 'exec'), _m.__dict__)\n\
         _s.modules['_zona'] = _m\n\
         for _n in {preload}: __import__(_n)\n\
         exec(compile({warmup}, '<zona-warmup>', 'exec'), {{}})\n\
         del _s, _t, _m, _n\n\
         import gc as _gc\n\
         _gc.collect()\n\
         _gc.freeze()\n\
         del _gc\n\
         __import__('_host').call({READY:?}.encode())\n"
    )
}

/// Writes `source` into the guest and runs it as one turn; returns turn's status.
pub(crate) fn run_turn(
    store: &mut Store<GuestState>,
    instance: &Instance,
    source: &str,
) -> wasmtime::Result<i32> {
    let alloc = instance.get_typed_func::<i32, i32>(&mut *store, "host_alloc")?;
    let turn = instance.get_typed_func::<(i32, i32), i32>(&mut *store, "turn")?;
    let memory = instance
        .get_memory(&mut *store, "memory")
        .ok_or_else(|| wasmtime::format_err!("the runtime exports no memory"))?;
    let len =
        i32::try_from(source.len()).map_err(|_| wasmtime::format_err!("turn source too large"))?;
    let ptr = alloc.call(&mut *store, len)?;
    if ptr == 0 {
        wasmtime::bail!("the guest could not allocate {len} bytes for the turn");
    }
    memory.write(&mut *store, ptr as u32 as usize, source.as_bytes())?;
    turn.call(&mut *store, (ptr, len))
}

/// Builds the snapshot's wasm bytes (the caller compiles and caches them).
pub(crate) fn build(paths: &RuntimePaths, preload: &[String]) -> Result<Vec<u8>, SandboxError> {
    let prepare = |e: String| SandboxError::Prepare(e);
    let wasm = crate::engine::read_wasm(&paths.wasm)?;
    let mut wizer = Wizer::new();
    wizer.init_func("turn").keep_init_func(true);
    let (cx, instrumented) = wizer
        .instrument(&wasm)
        .map_err(|e| prepare(format!("{e:#}")))?;
    let engine: Engine = crate::engine::setup_engine()?;
    tracing::info!("compiling the runtime for the setup turn (once)");
    let module = Module::new(&engine, &instrumented).map_err(|e| prepare(format!("{e:#}")))?;
    let stdout = Capture::new(Which::Stdout, 1 << 20, None);
    let stderr = Capture::new(Which::Stderr, 1 << 20, None);
    let clock = GuestClock::new(None);
    let state = GuestState {
        wasi: guest::wasi(paths, &clock, stdout.clone(), stderr.clone())
            .map_err(|e| prepare(format!("{e:#}")))?,
        limiter: Limiter {
            max: usize::MAX,
            peak: 0,
            refused: false,
        },
        report: None,
        report_cap: 1 << 20,
        clock,
    };
    let mut store = Store::new(&engine, state);
    store
        .set_fuel(u64::MAX)
        .map_err(|e| prepare(format!("{e:#}")))?;
    store.set_epoch_deadline(u64::MAX);
    let linker = guest::linker(&engine).map_err(|e| prepare(format!("{e:#}")))?;
    let instance = linker
        .instantiate(&mut store, &module)
        .map_err(|e| prepare(format!("instantiating the runtime: {e}")))?;
    run_turn(&mut store, &instance, &setup_source(preload)).map_err(|e| {
        prepare(format!(
            "the setup turn failed: {e}; stderr: {}",
            stderr.take().0
        ))
    })?;
    let report = store.data_mut().report.take().unwrap_or_default();
    if report != READY.as_bytes() {
        return Err(prepare(format!(
            "the setup turn did not report ready (got {:?}); stderr: {}",
            String::from_utf8_lossy(&report),
            stderr.take().0
        )));
    }
    let (noise, _) = stderr.take();
    if !noise.is_empty() {
        tracing::warn!(stderr = %noise, "the snapshot's setup turn wrote to stderr");
    }
    let snapshot = futures::executor::block_on(wizer.snapshot(
        &cx,
        &mut WasmtimeWizer {
            store: &mut store,
            instance,
        },
    ))
    .map_err(|e| prepare(format!("snapshotting: {e}")))?;
    Ok(snapshot)
}

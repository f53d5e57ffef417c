//! The `Executor` seam (WASM now; Docker later) and the WASM implementation: one compiled
//! snapshot, calls on worker processes (or threads), a bounded number of calls at once and a
//! bounded queue in front of them.

use crate::call::{self, ExecRequest, Prepared};
use crate::engine::{self, EpochTicker};
use crate::error::SandboxError;
use crate::fetch::{RuntimePaths, fetch_runtime};
use crate::limits::{Isolation, Limits, MAX_WALL_TIME, RuntimeConfig};
use crate::manifest::{HARNESS, Manifest, WARMUP};
use crate::outcome::Execution;
use crate::output::{OutputChunk, Sink};
use crate::snapshot;
use crate::worker::{Hello, pool::Pool};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

#[async_trait::async_trait]
pub trait Executor: Send + Sync {
    /// Runs one call. What the utility does (raise, time out...) is the `Execution`'s outcome;
    /// `Err` is for a refused call (busy, a limit above the ceiling) or a host-side failure.
    /// With a sink, `OutputChunk::Started` goes first, once the call is admitted, then the
    /// output as it is written.
    async fn execute(
        &self,
        req: ExecRequest,
        sink: Option<UnboundedSender<OutputChunk>>,
    ) -> Result<Execution, SandboxError>;

    fn name(&self) -> &'static str;

    /// Identifies the runtime: bytecode made by one runtime is only valid for the same one.
    fn runtime_id(&self) -> &str;
}

enum Runner {
    Threads {
        prepared: Arc<Prepared>,
        _ticker: EpochTicker,
    },
    Processes(Arc<Pool>),
}

pub struct WasmExecutor {
    runner: Runner,
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue_depth: usize,
    max_memory_bytes: u64,
    runtime_id: String,
}

/// Counts a caller waiting for a slot, also when its future is dropped while it waits.
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The runtime and its compiled snapshot, ready in the cache.
struct Compiled {
    paths: RuntimePaths,
    module: PathBuf,
    id: String,
}

impl WasmExecutor {
    /// Fetches the runtime if needed, compiles and caches the snapshot with the harness if
    /// needed, then starts the workers. The first start on a machine takes minutes; later ones,
    /// a fraction of a second.
    pub async fn new(cfg: RuntimeConfig) -> Result<Self, SandboxError> {
        let c = cfg.clone();
        let compiled = tokio::task::spawn_blocking(move || {
            compile(&c, &|step| tracing::info!("runtime: {step}"))
        })
        .await
        .map_err(|e| SandboxError::Engine(format!("preparing panicked: {e}")))??;
        let workers = cfg.max_concurrency.max(1);
        let runner = match &cfg.isolation {
            Isolation::Threads => {
                let c = cfg.clone();
                let Compiled { paths, module, .. } = &compiled;
                let (paths, module) = (paths.clone(), module.clone());
                let prepared = tokio::task::spawn_blocking(move || load(&c, paths, &module))
                    .await
                    .map_err(|e| SandboxError::Engine(format!("loading panicked: {e}")))??;
                let ticker = EpochTicker::start(prepared.engine.clone(), cfg.epoch_tick);
                Runner::Threads {
                    prepared: Arc::new(prepared),
                    _ticker: ticker,
                }
            }
            Isolation::Processes { program, args } => {
                let hello = Hello {
                    cfg: cfg.clone(),
                    module: compiled.module.clone(),
                    paths: compiled.paths.clone(),
                };
                let pool = Pool::start(workers, program.clone(), args.clone(), hello).await?;
                Runner::Processes(Arc::new(pool))
            }
        };
        Ok(Self {
            runner,
            slots: Arc::new(Semaphore::new(workers)),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue_depth: cfg.queue_depth,
            max_memory_bytes: cfg.max_memory_bytes,
            runtime_id: compiled.id,
        })
    }

    fn check(&self, limits: &Limits) -> Result<(), SandboxError> {
        if limits.memory_bytes > self.max_memory_bytes {
            return Err(SandboxError::LimitTooHigh {
                name: "memory_bytes",
                value: limits.memory_bytes.to_string(),
                ceiling: self.max_memory_bytes.to_string(),
            });
        }
        if limits.wall_time > MAX_WALL_TIME {
            return Err(SandboxError::LimitTooHigh {
                name: "wall_time",
                value: format!("{:?}", limits.wall_time),
                ceiling: format!("{MAX_WALL_TIME:?}"),
            });
        }
        Ok(())
    }

    /// A slot, or `Busy` when the queue in front of the slots is full.
    async fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, SandboxError> {
        if let Ok(p) = self.slots.clone().try_acquire_owned() {
            return Ok(p);
        }
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(self.waiting.clone());
        if queued >= self.queue_depth {
            return Err(SandboxError::Busy {
                queued,
                limit: self.queue_depth,
                retry_after: Duration::from_secs(1),
            });
        }
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| SandboxError::Engine(format!("{e}")))
    }
}

/// Fetches the runtime and compiles its snapshot into the cache, unless they are there already;
/// returns the runtime's id. `WasmExecutor::new` does the same; this is for set-up scripts.
pub fn prepare_runtime(
    cfg: &RuntimeConfig,
    progress: &dyn Fn(&str),
) -> Result<String, SandboxError> {
    let compiled = compile(cfg, progress)?;
    progress(&format!("snapshot ready: {}", compiled.module.display()));
    Ok(compiled.id)
}

/// Fetches the runtime and makes sure its snapshot is compiled in the cache.
fn compile(cfg: &RuntimeConfig, progress: &dyn Fn(&str)) -> Result<Compiled, SandboxError> {
    let paths = fetch_runtime(cfg, progress)?;
    let engine = engine::call_engine(cfg, 2)?;
    let m = Manifest::pinned();
    // The snapshot depends on the runtime, the harness and the preloads.
    let mut id = Sha256::new();
    id.update(m.digest());
    id.update(HARNESS);
    id.update(WARMUP);
    id.update(cfg.preload.join(",").as_bytes());
    let id = format!("snapshot-{}", hex::encode(id.finalize()));
    let module = engine::compiled_module(&engine, cfg, &id, "the runtime snapshot", || {
        progress("building the snapshot (once per runtime; a few minutes)");
        snapshot::build(&paths, &cfg.preload)
    })?;
    Ok(Compiled { paths, module, id })
}

fn load(
    cfg: &RuntimeConfig,
    paths: RuntimePaths,
    module: &std::path::Path,
) -> Result<Prepared, SandboxError> {
    let slots = (cfg.max_concurrency * 2).max(4) as u32;
    let engine = engine::call_engine(cfg, slots)?;
    let module = engine::load(&engine, module, "runtime snapshot")?;
    let linker =
        crate::guest::linker(&engine).map_err(|e| SandboxError::Prepare(format!("{e:#}")))?;
    let pre = linker
        .instantiate_pre(&module)
        .map_err(|e| SandboxError::Prepare(format!("{e}")))?;
    Ok(Prepared {
        engine,
        pre,
        paths,
        epoch_tick: cfg.epoch_tick,
    })
}

#[async_trait::async_trait]
impl Executor for WasmExecutor {
    async fn execute(
        &self,
        req: ExecRequest,
        sink: Option<UnboundedSender<OutputChunk>>,
    ) -> Result<Execution, SandboxError> {
        self.check(&req.limits)?;
        let permit = self.admit().await?;
        if let Some(tx) = &sink {
            let _ = tx.send(OutputChunk::Started);
        }
        // The call runs to its end in a task of its own even if the caller stops waiting, so
        // that a worker is never abandoned mid-call.
        match &self.runner {
            Runner::Threads { prepared, .. } => {
                let prepared = prepared.clone();
                let sink: Option<Sink> = sink.map(|tx| {
                    Arc::new(move |chunk| {
                        let _ = tx.send(chunk);
                    }) as Sink
                });
                tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    call::execute(&prepared, &req, sink)
                })
                .await
                .map_err(|e| SandboxError::Engine(format!("a call panicked: {e}")))
            }
            Runner::Processes(pool) => {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    pool.call(&req, sink).await
                })
                .await
                .map_err(|e| SandboxError::Engine(format!("a call panicked: {e}")))?
            }
        }
    }

    fn name(&self) -> &'static str {
        "wasm"
    }

    fn runtime_id(&self) -> &str {
        &self.runtime_id
    }
}

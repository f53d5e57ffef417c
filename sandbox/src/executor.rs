//! The `Executor` seam (WASM now; Docker later) and the WASM implementation: one engine, one
//! compiled snapshot, a bounded number of calls at once and a bounded queue in front of them.

use crate::call::{self, ExecRequest, Prepared};
use crate::engine::{self, EpochTicker};
use crate::error::SandboxError;
use crate::fetch::fetch_runtime;
use crate::limits::{Limits, MAX_WALL_TIME, RuntimeConfig};
use crate::manifest::{HARNESS, Manifest};
use crate::outcome::Execution;
use crate::output::OutputChunk;
use crate::snapshot;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::UnboundedSender;

#[async_trait::async_trait]
pub trait Executor: Send + Sync {
    /// Runs one call. What the utility does (raise, time out...) is the `Execution`'s outcome;
    /// `Err` is for a refused call (busy) or a host-side failure.
    async fn execute(
        &self,
        req: ExecRequest,
        sink: Option<UnboundedSender<OutputChunk>>,
    ) -> Result<Execution, SandboxError>;

    fn name(&self) -> &'static str;
}

pub struct WasmExecutor {
    prepared: Arc<Prepared>,
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue_depth: usize,
    max_memory_bytes: u64,
    _ticker: EpochTicker,
}

impl WasmExecutor {
    /// Fetches the runtime if needed, then loads (or compiles and caches) the snapshot with the
    /// harness. The first start on a machine takes minutes; later ones, milliseconds.
    pub async fn new(cfg: RuntimeConfig) -> Result<Self, SandboxError> {
        let c = cfg.clone();
        let prepared = tokio::task::spawn_blocking(move || prepare(&c))
            .await
            .map_err(|e| SandboxError::Engine(format!("preparing panicked: {e}")))??;
        let ticker = EpochTicker::start(prepared.engine.clone(), cfg.epoch_tick);
        Ok(Self {
            prepared: Arc::new(prepared),
            slots: Arc::new(Semaphore::new(cfg.max_concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            queue_depth: cfg.queue_depth,
            max_memory_bytes: cfg.max_memory_bytes,
            _ticker: ticker,
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
}

fn prepare(cfg: &RuntimeConfig) -> Result<Prepared, SandboxError> {
    let paths = fetch_runtime(cfg, &|step| tracing::info!("runtime: {step}"))?;
    let engine = engine::call_engine(cfg)?;
    let m = Manifest::pinned();
    // The snapshot depends on the runtime, the harness and the preloads.
    let mut id = Sha256::new();
    id.update(m.digest());
    id.update(HARNESS);
    id.update(cfg.preload.join(",").as_bytes());
    let id = format!("snapshot-{}", hex::encode(id.finalize()));
    let module = engine::cached_module(&engine, cfg, &id, "the runtime snapshot", || {
        snapshot::build(&paths, &cfg.preload)
    })?;
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
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
                if queued >= self.queue_depth {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(SandboxError::Busy {
                        queued,
                        limit: self.queue_depth,
                        retry_after: Duration::from_secs(1),
                    });
                }
                let p = self.slots.clone().acquire_owned().await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                p.map_err(|e| SandboxError::Engine(format!("{e}")))?
            }
        };
        let prepared = self.prepared.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            call::execute(&prepared, &req, sink)
        })
        .await
        .map_err(|e| SandboxError::Engine(format!("a call panicked: {e}")))
    }

    fn name(&self) -> &'static str {
        "wasm"
    }
}

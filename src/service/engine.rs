//! The execution engine as the service sees it: prepared in the background at start (the first
//! start on a machine fetches and compiles the runtime, which takes minutes), then ready.

use super::ServiceError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use zona_sandbox::{Executor, RuntimeConfig, WasmExecutor};

#[derive(Clone)]
enum State {
    Preparing,
    Ready(Arc<dyn Executor>),
    Failed(String),
}

#[derive(Clone)]
pub struct Engine {
    state: watch::Receiver<State>,
}

impl Engine {
    /// Starts preparing the runtime; calls get 503 until it is ready.
    pub fn start(rt: RuntimeConfig) -> Self {
        let (tx, rx) = watch::channel(State::Preparing);
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let state = match WasmExecutor::new(rt).await {
                Ok(ex) => {
                    tracing::info!(
                        secs = started.elapsed().as_secs_f64(),
                        runtime = ex.runtime_id(),
                        "execution engine ready"
                    );
                    State::Ready(Arc::new(ex))
                }
                Err(e) => {
                    tracing::error!(error = %e, "the execution engine could not start");
                    State::Failed(e.to_string())
                }
            };
            let _ = tx.send(state);
        });
        Self { state: rx }
    }

    /// An engine that is ready at once (tests, tools).
    pub fn ready(ex: Arc<dyn Executor>) -> Self {
        let (_tx, rx) = watch::channel(State::Ready(ex));
        Self { state: rx }
    }

    pub fn get(&self) -> Result<Arc<dyn Executor>, ServiceError> {
        match &*self.state.borrow() {
            State::Ready(ex) => Ok(ex.clone()),
            State::Preparing => Err(ServiceError::Unavailable {
                message: "the Python runtime is still being prepared (the first start on a machine takes a few minutes); retry shortly".into(),
                cause: None,
            }),
            State::Failed(why) => Err(ServiceError::Unavailable {
                message: "the execution engine failed to start; the service's log has the cause"
                    .into(),
                cause: Some(why.clone()),
            }),
        }
    }

    /// Waits until the engine is ready or has failed.
    pub async fn wait_ready(&self) -> Result<(), String> {
        let mut rx = self.state.clone();
        let state = rx
            .wait_for(|s| !matches!(s, State::Preparing))
            .await
            .map_err(|_| "the engine's preparation was abandoned".to_owned())?
            .clone();
        match state {
            State::Failed(why) => Err(why),
            _ => Ok(()),
        }
    }

    /// For /health: `Ok(true)` ready, `Ok(false)` preparing, `Err` failed.
    pub fn status(&self) -> Result<bool, String> {
        match &*self.state.borrow() {
            State::Ready(_) => Ok(true),
            State::Preparing => Ok(false),
            State::Failed(why) => Err(why.clone()),
        }
    }

    /// How long a caller should wait before retrying while the engine prepares.
    pub const RETRY_AFTER: Duration = Duration::from_secs(10);
}

//! Wiring: from one `Config` to a running server.

use crate::api::{AppState, app};
use crate::auth::Authenticator;
use crate::cache::Cache;
use crate::config::Config;
use crate::crypto::Sealer;
use crate::domain::TenantCode;
use crate::secrets::Secrets;
use crate::service::audit::AuditLog;
use crate::service::code::CodeChecker;
use crate::service::engine::Engine;
use crate::service::execute::Runner;
use crate::service::executions::ExecutionLog;
use crate::service::recorder::{Recorder, RecorderConfig};
use crate::service::utilities::Utilities;
use crate::store::{Store, embedded, mongo};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use zona_validation::PolicySet;

pub async fn open_store(cfg: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if let Some(uri) = &cfg.storage.mongodb_uri {
        return mongo::open(uri, &cfg.storage)
            .await
            .context("opening the MongoDB store (storage.mongodb_uri)");
    }
    embedded::open(&cfg.storage.data_dir).with_context(|| {
        format!(
            "opening the embedded store in {}",
            cfg.storage.data_dir.display()
        )
    })
}

/// Reads `default.toml` and every tenant overlay once; a bad file stops the start, naming the
/// file and the key.
pub fn load_policies(cfg: &Config) -> anyhow::Result<Arc<PolicySet>> {
    let dir = &cfg.validation.policies_dir;
    let set = PolicySet::load(dir)
        .with_context(|| format!("loading the validation policies from {}", dir.display()))?;
    for tenant in set.tenants() {
        TenantCode::parse(tenant).with_context(|| {
            format!(
                "validation policy {}: the file name must be a tenant code",
                dir.join("tenants").join(format!("{tenant}.toml")).display()
            )
        })?;
    }
    Ok(Arc::new(set))
}

/// Builds the state the router needs. Secrets are read or generated here, once.
pub async fn build_state(cfg: &Config) -> anyhow::Result<AppState> {
    let policies = load_policies(cfg)?;
    let secrets = Secrets::load(cfg)?;
    for name in &secrets.generated {
        tracing::warn!(
            key = name,
            dir = %cfg.storage.data_dir.join("secrets").display(),
            "no {name} configured: generated a development one into the data directory; configure one in production"
        );
    }
    let auth = Authenticator::new(&cfg.auth, &secrets.jwt_secret)?;
    let store = open_store(cfg).await?;
    let audit = AuditLog::new(store.clone());
    let cache = Cache::new(&cfg.cache)?;
    let sealer = Sealer::new(&secrets.encryption_key)?;
    let checker = CodeChecker::new(cfg.limits.code_max_bytes, policies);
    let utilities = Utilities::new(
        store.clone(),
        cache.clone(),
        sealer.clone(),
        checker.clone(),
        audit.clone(),
        cfg.limits.clone(),
    );
    let recorder = Recorder::start(store.clone(), RecorderConfig::default());
    // Workers are this executable (`zona-utils sandbox-worker`) unless configured otherwise.
    let engine = Engine::start(cfg.sandbox.runtime(std::env::current_exe().ok()));
    let runner = Runner::new(
        utilities.clone(),
        checker,
        engine,
        recorder.clone(),
        cache,
        sealer,
        &cfg.sandbox,
    );
    Ok(AppState {
        auth,
        utilities,
        runner,
        executions_log: ExecutionLog::new(store.clone(), audit.clone()),
        recorder,
        audit,
        store,
        limits: cfg.limits.clone(),
        body_limit: cfg.server.body_limit_bytes,
        started: Instant::now(),
    })
}

/// A bound, not yet serving, instance: tests bind port 0 and read the address.
pub struct Server {
    listener: TcpListener,
    state: AppState,
}

impl Server {
    pub async fn build(cfg: &Config) -> anyhow::Result<Self> {
        let state = build_state(cfg).await?;
        let listener = TcpListener::bind(cfg.server.listen)
            .await
            .with_context(|| format!("binding {}", cfg.server.listen))?;
        Ok(Self { listener, state })
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), store = self.state.store.backend(), "serving");
        let recorder = self.state.recorder.clone();
        axum::serve(self.listener, app(self.state))
            .with_graceful_shutdown(shutdown)
            .await?;
        // Requests are done; write what they recorded before the process goes.
        recorder.shutdown().await;
        tracing::info!("stopped cleanly");
        Ok(())
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

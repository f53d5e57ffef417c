//! Running a utility: load it (through the cache), check the caller may run it and the
//! arguments against its `input_params`, make sure its saved code still passes the tenant's
//! policy, run it in the sandbox from its cached bytecode, and record the execution.
//!
//! Split in two so that streaming can answer errors (404, 400...) with a status before it
//! starts the event stream: `prepare` does every check, `Prepared::run` runs and records.

use super::audit::entry;
use super::code::{CodeChecker, ValidatedCode};
use super::engine::Engine;
use super::recorder::Recorder;
use super::utilities::{Selector, Utilities};
use super::{Ctx, ServiceError};
use crate::cache::{Cache, Key};
use crate::config::SandboxConfig;
use crate::crypto::Sealer;
use crate::domain::{InputParams, TenantCode, UtilityName, now_millis};
use crate::store::{ExecutionRecord, UtilityRecord};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use zona_sandbox::{ExecRequest, Execution, Limits, Outcome, OutputChunk, SandboxError};

/// Lines of output kept in an execution record's `logs`.
const LOG_LINES: usize = 200;

#[derive(Clone)]
pub struct Runner {
    utilities: Utilities,
    checker: CodeChecker,
    engine: Engine,
    recorder: Arc<Recorder>,
    cache: Cache,
    sealer: Sealer,
    /// Code already checked under the current policies, by tenant and content.
    checked: moka::future::Cache<(TenantCode, String), Arc<ValidatedCode>>,
    defaults: Limits,
    max_wall_time: Duration,
}

/// What the caller may ask of one run besides its arguments.
#[derive(Debug, Default, Clone)]
pub struct RunOptions {
    /// A shorter or longer wall time than the default, up to `sandbox.max_wall_time_secs`.
    pub timeout: Option<Duration>,
}

/// A run that passed every check and is ready to start.
pub struct Prepared {
    runner: Runner,
    ctx: Ctx,
    tenant: TenantCode,
    utility: UtilityRecord,
    args: Map<String, Value>,
    request: ExecRequest,
}

/// The result of a run, as the API returns it (and as its record keeps it).
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub execution_id: String,
    pub taskid: i64,
    pub name: String,
    pub version: i64,
    pub outcome: Outcome,
    pub result: Option<Value>,
    pub error: Option<zona_sandbox::GuestError>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// Seconds, as the design's `execution_time`.
    pub execution_time: f64,
    pub fuel_used: u64,
    pub peak_memory_bytes: u64,
    pub runtime: &'static str,
}

fn sandbox_error(e: SandboxError) -> ServiceError {
    match e {
        SandboxError::Busy { retry_after, .. } => ServiceError::Busy { retry_after },
        SandboxError::LimitTooHigh { name, .. } => ServiceError::invalid(name, e.to_string()),
        other => ServiceError::Internal(other.to_string()),
    }
}

impl Runner {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        utilities: Utilities,
        checker: CodeChecker,
        engine: Engine,
        recorder: Arc<Recorder>,
        cache: Cache,
        sealer: Sealer,
        cfg: &SandboxConfig,
    ) -> Self {
        Self {
            utilities,
            checker,
            engine,
            recorder,
            cache,
            sealer,
            checked: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            defaults: cfg.limits(),
            max_wall_time: Duration::from_secs(cfg.max_wall_time_secs),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The call's limits: the defaults, with the wall time (and the fuel, in proportion) the
    /// caller asked for.
    fn limits(&self, opts: &RunOptions) -> Result<Limits, ServiceError> {
        let mut limits = self.defaults.clone();
        if let Some(t) = opts.timeout {
            if t.is_zero() || t > self.max_wall_time {
                return Err(ServiceError::invalid(
                    "timeout",
                    format!(
                        "timeout must be more than 0 and at most {} seconds",
                        self.max_wall_time.as_secs()
                    ),
                ));
            }
            let scale = t.as_secs_f64() / self.defaults.wall_time.as_secs_f64();
            if scale > 1.0 {
                limits.fuel = (limits.fuel as f64 * scale) as u64;
            }
            limits.wall_time = t;
        }
        Ok(limits)
    }

    /// Every check before a run: RBAC, the arguments, the policy; then the bytecode.
    pub async fn prepare(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        sel: Selector,
        args: Value,
        opts: RunOptions,
    ) -> Result<Prepared, ServiceError> {
        let limits = self.limits(&opts)?;
        let utility = self.utilities.for_execution(ctx, tenant, sel).await?;
        let params = InputParams::from_value(&Value::String(utility.draft.input_params.clone()))
            .map_err(|e| ServiceError::Internal(format!("stored input_params: {e}")))?;
        let args = params.check_call(&args).map_err(|e| {
            use crate::domain::ParamsError as P;
            let param = match &e {
                P::Missing(name) | P::Unknown { name, .. } | P::WrongType { name, .. } => {
                    name.clone()
                }
                _ => String::new(),
            };
            ServiceError::BadParam {
                param,
                message: e.to_string(),
            }
        })?;
        let engine = self.engine.get()?;
        let code = self.validated(tenant, &utility, &params).await?;
        let mut request = ExecRequest::new(code.as_str(), utility.draft.name.clone(), limits)
            .with_params(args.clone());
        request.bytecode = self.bytecode(tenant, &utility, &code, &*engine).await;
        Ok(Prepared {
            runner: self.clone(),
            ctx: ctx.clone(),
            tenant: tenant.clone(),
            utility,
            args,
            request,
        })
    }

    /// The saved code, re-checked under the tenant's current policy (a policy tightened since
    /// the code was saved applies to it too); checked once per content.
    async fn validated(
        &self,
        tenant: &TenantCode,
        utility: &UtilityRecord,
        params: &InputParams,
    ) -> Result<Arc<ValidatedCode>, ServiceError> {
        let key = (
            tenant.clone(),
            format!("{}:{}", utility.draft.filehash, utility.draft.name),
        );
        let load = async {
            let code = self.utilities.open_code(tenant, &utility.draft.code)?;
            let name = UtilityName::parse(&utility.draft.name, usize::MAX)
                .map_err(|e| ServiceError::Internal(format!("stored name: {e}")))?;
            match self.checker.check(tenant, &name, params, code).await {
                Ok(v) => Ok(Arc::new(v)),
                Err(ServiceError::CodeRejected { message, findings }) => {
                    Err(ServiceError::CodeRejected {
                        message: format!(
                            "this utility's saved code no longer passes the tenant's policy; update it ({message})"
                        ),
                        findings,
                    })
                }
                Err(e) => Err(e),
            }
        };
        self.checked
            .try_get_with(key, load)
            .await
            .map_err(|e: Arc<ServiceError>| match &*e {
                ServiceError::CodeRejected { message, findings } => ServiceError::CodeRejected {
                    message: message.clone(),
                    findings: findings.clone(),
                },
                other => ServiceError::Internal(other.to_string()),
            })
    }

    /// The utility version's bytecode through the two-level cache: compiled once (a compile-only
    /// call in the sandbox), then shared by every call and instance. Sealed with the service's
    /// key: an entry that does not open (tampered with, another key) is not used.
    async fn bytecode(
        &self,
        tenant: &TenantCode,
        utility: &UtilityRecord,
        code: &ValidatedCode,
        engine: &dyn zona_sandbox::Executor,
    ) -> Option<Vec<u8>> {
        if !self.cache.enabled() {
            return None;
        }
        let key = format!(
            "bytecode:{}:{}:{}:{}",
            utility.id,
            utility.version,
            &code.hash()[..16],
            engine.runtime_id()
        );
        let compile = async {
            let req = ExecRequest::compile_only(code.as_str(), self.defaults.clone());
            match engine.execute(req, None).await {
                Ok(Execution {
                    outcome: Outcome::Ok,
                    bytecode: Some(b),
                    ..
                }) => Ok(self.sealer.seal(tenant.as_str(), &b)),
                // A syntax error or a busy engine: the call compiles (and reports) by itself.
                Ok(e) => Err(format!("compiling gave {}", e.outcome)),
                Err(e) => Err(e.to_string()),
            }
        };
        let sealed: Arc<Vec<u8>> = self
            .cache
            .get_or_load(tenant, Key::Fixed(&key), compile)
            .await
            .ok()?;
        match self.sealer.open(tenant.as_str(), &sealed) {
            Ok(b) => Some(b),
            Err(e) => {
                tracing::warn!(key, error = %e, "cached bytecode does not open; compiling instead");
                None
            }
        }
    }
}

impl Prepared {
    pub fn utility(&self) -> &UtilityRecord {
        &self.utility
    }

    /// Runs the call (streaming its output to `sink` if given) and records it.
    pub async fn run(
        self,
        sink: Option<UnboundedSender<OutputChunk>>,
    ) -> Result<RunView, ServiceError> {
        let engine = self.runner.engine.get()?;
        let started = now_millis();
        let exec = engine
            .execute(self.request.clone(), sink)
            .await
            .map_err(sandbox_error)?;
        let view = RunView {
            execution_id: uuid::Uuid::now_v7().to_string(),
            taskid: self.utility.id,
            name: self.utility.draft.name.clone(),
            version: self.utility.version,
            outcome: exec.outcome,
            result: exec.result,
            error: exec.error,
            stdout: exec.stdout,
            stderr: exec.stderr,
            stdout_truncated: exec.stdout_truncated,
            stderr_truncated: exec.stderr_truncated,
            execution_time: exec.duration.as_secs_f64(),
            fuel_used: exec.fuel_used,
            peak_memory_bytes: exec.peak_memory_bytes,
            runtime: engine.name(),
        };
        self.record(&view, started).await;
        if view.outcome == Outcome::Internal {
            let why = view
                .error
                .as_ref()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            return Err(ServiceError::Internal(format!(
                "execution {} failed on the host side: {why}",
                view.execution_id
            )));
        }
        Ok(view)
    }

    async fn record(&self, view: &RunView, started: i64) {
        let logs: Vec<String> = view
            .stdout
            .lines()
            .map(|l| format!("stdout: {l}"))
            .chain(view.stderr.lines().map(|l| format!("stderr: {l}")))
            .take(LOG_LINES)
            .collect();
        let (response, error_message) = match (&view.result, &view.error) {
            (Some(r), _) => (r.to_string(), String::new()),
            (None, Some(e)) => (
                serde_json::json!({"type": e.kind, "message": e.message}).to_string(),
                format!("{}: {}", e.kind, e.message),
            ),
            (None, None) => (String::new(), String::new()),
        };
        let record = ExecutionRecord {
            id: view.execution_id.clone(),
            taskid: view.taskid,
            userid: self.ctx.who.user,
            tenantcode: self.tenant.to_string(),
            createddate: started,
            request: Value::Object(self.args.clone()).to_string(),
            response,
            status: if view.outcome == Outcome::Ok {
                "completed".into()
            } else {
                "failed".into()
            },
            outcome: view.outcome.as_str().into(),
            execution_time: view.execution_time,
            error_message,
            logs,
            name: view.name.clone(),
            fuel_used: view.fuel_used,
            peak_memory_bytes: view.peak_memory_bytes,
            runtime: view.runtime.into(),
        };
        let audit = entry(
            &self.ctx,
            "execute",
            format!("utility:{}", view.taskid),
            serde_json::json!({"execution_id": view.execution_id, "name": view.name,
                               "version": view.version, "outcome": view.outcome}),
        );
        if self
            .runner
            .recorder
            .record(self.tenant.clone(), record, audit)
            .await
            .is_err()
        {
            tracing::error!(execution = %view.execution_id, "shutting down: this execution was not recorded");
        }
    }
}

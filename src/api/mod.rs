//! The HTTP edge: routes per resource, the auth extractor, the envelope, one `ApiError`.

mod audit;
mod caller;
pub mod envelope;
pub mod error;
mod execute;
mod executions;
mod health;
mod input;
mod request_id;
mod utilities;
mod validate;
mod versions;

use crate::auth::Authenticator;
use crate::config::LimitsConfig;
use crate::service::audit::AuditLog;
use crate::service::execute::Runner;
use crate::service::executions::ExecutionLog;
use crate::service::recorder::Recorder;
use crate::service::utilities::Utilities;
use crate::store::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// What the handlers share. Cheap to clone: everything inside is reference-counted.
#[derive(Clone)]
pub struct AppState {
    pub auth: Authenticator,
    pub utilities: Utilities,
    pub runner: Runner,
    pub audit: AuditLog,
    pub executions_log: ExecutionLog,
    pub recorder: Arc<Recorder>,
    pub store: Arc<dyn Store>,
    pub limits: LimitsConfig,
    pub body_limit: usize,
    pub started: Instant,
}

impl AppState {
    /// Waits until the execution engine is ready (or failed to start).
    pub async fn wait_ready(&self) -> anyhow::Result<()> {
        self.runner
            .engine()
            .wait_ready()
            .await
            .map_err(anyhow::Error::msg)
    }
}

pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let body_limit = state.body_limit;
    let v1 = Router::new()
        .route(
            "/custom-utils",
            post(utilities::upsert).delete(utilities::delete_by_body),
        )
        .route(
            "/custom-utils/{tenant}/{id}",
            get(utilities::get_by_id).delete(utilities::delete_by_id),
        )
        .route(
            "/custom-utils/{tenant}/{userid}/{name}",
            get(utilities::get_by_name),
        )
        .route("/versions/{tenant}/{id}", get(versions::list))
        .route("/versions/{tenant}/{id}/{version}", get(versions::get))
        .route(
            "/versions/{tenant}/{id}/{version}/restore",
            post(versions::restore),
        )
        .route("/audit/{tenant}", get(audit::list))
        .route("/executions/{tenant}", get(executions::list))
        .route("/validate", post(validate::validate))
        .route("/execute/{tenant}/{utility}", post(execute::execute));
    Router::new()
        .route("/health", get(health::health))
        .nest("/utils/v1", v1)
        .fallback(not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(request_id::scope))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %req.method(), uri = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        axum::Json(envelope::ResponseModel::failure(
            "NOT_FOUND",
            "no such endpoint; see the README for the API".into(),
        )),
    )
}

fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default();
    error::ApiError::Service(crate::service::ServiceError::Internal(format!(
        "panic: {detail}"
    )))
    .into_response()
}

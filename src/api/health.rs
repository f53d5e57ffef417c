//! GET /health: public; 200 when healthy or degraded, 503 when unhealthy.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Serialize)]
pub struct Check {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    latency_ms: f64,
}

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    uptime_secs: u64,
    checks: BTreeMap<&'static str, Check>,
}

pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let mut checks = BTreeMap::new();
    let started = Instant::now();
    let db = state.store.ping().await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let db_ok = db.is_ok();
    checks.insert(
        "database",
        Check {
            status: if db_ok { "healthy" } else { "unhealthy" },
            message: db.err().map(|e| e.to_string()),
            latency_ms,
        },
    );
    // Redis is optional: without it the service still serves (from L1 and the store).
    let started = Instant::now();
    let mut cache_ok = true;
    if let Some(redis) = state.utilities.cache().check().await {
        cache_ok = redis.is_ok();
        checks.insert(
            "redis",
            Check {
                status: if cache_ok { "healthy" } else { "unhealthy" },
                message: redis.err(),
                latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            },
        );
    }
    // The engine: utilities can be managed without it, so preparing or failed is `degraded`.
    let engine = state.runner.engine().status();
    let engine_ok = engine == Ok(true);
    checks.insert(
        "execution_engine",
        Check {
            status: match &engine {
                Ok(true) => "healthy",
                Ok(false) => "preparing",
                Err(_) => "unhealthy",
            },
            message: engine.err(),
            latency_ms: 0.0,
        },
    );
    let status = match (db_ok, cache_ok && engine_ok) {
        (false, _) => "unhealthy",
        (true, false) => "degraded",
        (true, true) => "healthy",
    };
    let code = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        Json(Health {
            status,
            version: env!("CARGO_PKG_VERSION"),
            uptime_secs: state.started.elapsed().as_secs(),
            checks,
        }),
    )
}

//! The request id (`x-request-id`, generated when absent) is kept in a task-local for the
//! handler's duration, so that audit entries and opaque 500 bodies can carry it.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub async fn scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_default();
    REQUEST_ID.scope(id, next.run(req)).await
}

pub fn current() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

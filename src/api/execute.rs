//! POST /utils/v1/execute/{tenant}/{name or id}: runs a utility with the JSON body as its
//! arguments. Every run that starts answers 200 with its `outcome` (ok, error, timeout,
//! out_of_fuel, memory_limit, output_limit, invalid_result) and `success` true only for `ok`;
//! what stops a run from starting answers with its own status (400, 401, 403, 404, 422, 429,
//! 503). With `Accept: text/event-stream` the output streams as `stdout`/`stderr` events while
//! the utility runs, then one `result` event carries the same envelope.

use super::AppState;
use super::caller::Caller;
use super::envelope::ResponseModel;
use super::error::ApiError;
use super::input::{ApiBytes, ApiQuery, tenant};
use crate::service::execute::{RunOptions, RunView};
use crate::service::utilities::Selector;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::StreamExt;
use std::time::Duration;
use zona_sandbox::{Outcome, OutputChunk};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecQuery {
    /// Wall-time limit of this run in seconds (default `sandbox.wall_time_ms`).
    timeout: Option<f64>,
}

fn envelope(view: RunView) -> ResponseModel<RunView> {
    let ok = view.outcome == Outcome::Ok;
    let message = match (&view.error, ok) {
        (_, true) => "Utility executed".to_owned(),
        (Some(e), false) => format!("{}: {}", e.kind, e.message),
        (None, false) => view.outcome.to_string(),
    };
    let mut m = ResponseModel::ok(view, message);
    if !ok {
        m.success = false;
        m.status = "failed".into();
        m.error = m
            .data
            .as_ref()
            .map(|v| v.outcome.as_str().to_ascii_uppercase())
            .unwrap_or_default();
    }
    m
}

/// The body is the arguments: a JSON object (or nothing, for a utility without parameters).
fn arguments(headers: &HeaderMap, body: &Bytes) -> Result<serde_json::Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    let ct = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !ct.starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType(
            "send the arguments as application/json, e.g. {\"data\": \"...\"}".into(),
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad("params", format!("the body is not valid JSON: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::bad(
            "params",
            "the body must be a JSON object of parameter name to value",
        ));
    }
    Ok(v)
}

pub async fn execute(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((tenant_raw, utility)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ExecQuery>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<Response, ApiError> {
    let tenant = tenant(&tenant_raw)?;
    let sel = match utility.parse::<i64>() {
        Ok(id) => Selector::Id(id),
        Err(_) => Selector::Name(utility),
    };
    let timeout = match q.timeout {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(_) => {
            return Err(ApiError::bad(
                "timeout",
                "timeout must be a positive number of seconds",
            ));
        }
    };
    let args = arguments(&headers, &body)?;
    let prepared = state
        .runner
        .prepare(&ctx, &tenant, sel, args, RunOptions { timeout })
        .await?;
    let streaming = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/event-stream"));
    if !streaming {
        let view = prepared.run(None).await?;
        return Ok(Json(envelope(view)).into_response());
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let run = tokio::spawn(prepared.run(Some(tx)));
    // Until the call has a slot, a refusal (a full queue, an engine not ready) is still an
    // answer with a status of its own, such as 429 with Retry-After; once admitted (`Started`
    // comes first), stream. The channel closes without `Started` only when the run ended.
    let first = rx.recv().await;
    let run = match first {
        Some(_) => futures::future::Either::Left(run),
        None => match run.await {
            Ok(Err(e)) => return Err(e.into()),
            ended => futures::future::Either::Right(std::future::ready(ended)),
        },
    };
    let output = futures::stream::iter(first)
        .chain(tokio_stream_from(rx))
        .filter_map(|chunk| async move {
            let (name, bytes) = match chunk {
                OutputChunk::Started => return None,
                OutputChunk::Stdout(b) => ("stdout", b),
                OutputChunk::Stderr(b) => ("stderr", b),
            };
            let text = String::from_utf8_lossy(&bytes).into_owned();
            Some(Ok::<_, std::convert::Infallible>(
                Event::default()
                    .event(name)
                    .json_data(serde_json::json!({ "text": text }))
                    .unwrap_or_default(),
            ))
        });
    // The sink closes when the run ends; then the result.
    let result = futures::stream::once(async move {
        let body = match run.await {
            Ok(Ok(view)) => serde_json::to_value(envelope(view)),
            Ok(Err(e)) => Ok(error_body(ApiError::from(e))),
            Err(e) => Ok(error_body(ApiError::from(
                crate::service::ServiceError::Internal(format!("the run panicked: {e}")),
            ))),
        }
        .unwrap_or_default();
        Ok(Event::default()
            .event("result")
            .json_data(body)
            .unwrap_or_default())
    });
    Ok(Sse::new(output.chain(result))
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// The envelope an error would have had as a response, for the stream's last event.
fn error_body(e: ApiError) -> serde_json::Value {
    let r = e.render();
    let mut v = serde_json::to_value(r.body).unwrap_or_default();
    v["statuscode"] = r.status.as_u16().into();
    v
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<T>,
) -> impl futures::Stream<Item = T> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

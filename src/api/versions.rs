//! /utils/v1/versions: a utility's history, one version's code, and restoring one.

use super::AppState;
use super::caller::Caller;
use super::envelope::{Reply, ResponseModel, reply};
use super::error::ApiError;
use super::input::{ApiBytes, int, tenant};
use crate::service::views::{UtilityView, VersionView};
use axum::extract::{Path, State};

pub async fn list(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((t, id)): Path<(String, String)>,
) -> Result<Reply<Vec<VersionView>>, ApiError> {
    let versions = state
        .utilities
        .versions(&ctx, &tenant(&t)?, int("id", &id)?)
        .await?;
    let n = versions.len() as u64;
    Ok(axum::Json(
        ResponseModel::ok(versions, "").with_count(n, None),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((t, id, v)): Path<(String, String, String)>,
) -> Result<Reply<VersionView>, ApiError> {
    let view = state
        .utilities
        .version(&ctx, &tenant(&t)?, int("id", &id)?, int("version", &v)?)
        .await?;
    Ok(reply(view, ""))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    /// Optional optimistic-concurrency check, as on update.
    filehash: Option<String>,
}

pub async fn restore(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path((t, id, v)): Path<(String, String, String)>,
    ApiBytes(body): ApiBytes,
) -> Result<Reply<UtilityView>, ApiError> {
    // The body is optional: empty means no filehash check.
    let filehash = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<RestoreBody>(&body)
            .map_err(|e| {
                ApiError::bad(
                    "body",
                    format!(
                        "the body is not valid JSON of the form {{\"filehash\": \"...\"}}: {e}"
                    ),
                )
            })?
            .filehash
    };
    let view = state
        .utilities
        .restore(
            &ctx,
            &tenant(&t)?,
            int("id", &id)?,
            int("version", &v)?,
            filehash,
        )
        .await?;
    let msg = format!("Version {v} restored as version {}", view.version);
    Ok(reply(view, msg))
}

//! /utils/v1/executions/{tenant}: the record of past runs.

use super::AppState;
use super::caller::Caller;
use super::envelope::{Reply, ResponseModel};
use super::error::ApiError;
use super::input::{ApiQuery, PageParams, tenant};
use crate::domain::UserId;
use crate::store::{ExecutionQuery, ExecutionRecord, TimeRange};
use axum::extract::{Path, State};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// The utility's id (the design's `taskid`).
    utility: Option<i64>,
    user: Option<i64>,
    /// completed or failed
    status: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    limit: Option<u32>,
    offset: Option<u64>,
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    Path(t): Path<String>,
    ApiQuery(q): ApiQuery<Query>,
) -> Result<Reply<Vec<ExecutionRecord>>, ApiError> {
    if let Some(s) = q.status.as_deref()
        && !matches!(s, "completed" | "failed")
    {
        return Err(ApiError::bad(
            "status",
            "status must be completed or failed",
        ));
    }
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor,
    }
    .resolve(state.limits.page_default, state.limits.page_max)?;
    let query = ExecutionQuery {
        taskid: q.utility,
        user: q.user.map(UserId),
        status: q.status,
        range: TimeRange {
            from: q.from,
            to: q.to,
        },
        page,
    };
    let page = state.executions_log.list(&ctx, &tenant(&t)?, query).await?;
    Ok(axum::Json(
        ResponseModel::ok(page.items, "").with_count(page.total, page.next_cursor),
    ))
}

//! /utils/v1/audit/{tenant}: the tenant's audit trail, for admins.

use super::AppState;
use super::caller::Caller;
use super::envelope::{Reply, ResponseModel};
use super::error::ApiError;
use super::input::{ApiQuery, PageParams, tenant};
use crate::domain::UserId;
use crate::store::{AuditQuery, AuditRecord, TimeRange};
use axum::extract::{Path, State};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    user: Option<i64>,
    action: Option<String>,
    /// Milliseconds since the epoch, inclusive.
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
) -> Result<Reply<Vec<AuditRecord>>, ApiError> {
    let query = AuditQuery {
        user: q.user.map(UserId),
        action: q.action,
        range: TimeRange {
            from: q.from,
            to: q.to,
        },
        page: PageParams {
            limit: q.limit,
            offset: q.offset,
            cursor: q.cursor.clone(),
        }
        .resolve(state.limits.page_default, state.limits.page_max)?,
    };
    let page = state.audit.list(&ctx, &tenant(&t)?, &query).await?;
    Ok(axum::Json(
        ResponseModel::ok(page.items, "").with_count(page.total, page.next_cursor),
    ))
}

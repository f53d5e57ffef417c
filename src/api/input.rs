//! Extractors whose rejections are `ApiError`s, so malformed input gets the envelope.

use super::error::ApiError;
use crate::domain::{TenantCode, UserId};
use crate::store::{Cursor, PageRequest};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// `Json<T>` with the envelope on rejection.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(r) => Err(json_rejection(r)),
        }
    }
}

/// The raw body (for endpoints whose body is optional), with the envelope on rejection: over
/// the size limit is 413 like everywhere else.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(Self)
            .map_err(|r| ApiError::from_rejection(r.status(), r.body_text()))
    }
}

pub fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let text = match &r {
        JsonRejection::JsonDataError(e) => format!(
            "the JSON body does not have the expected shape: {}",
            source_text(e)
        ),
        JsonRejection::JsonSyntaxError(e) => {
            format!("the body is not valid JSON: {}", source_text(e))
        }
        _ => r.body_text(),
    };
    // Wrong-shaped JSON is as malformed as broken JSON to the client: both are 400.
    let status = if status == axum::http::StatusCode::UNPROCESSABLE_ENTITY {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        status
    };
    ApiError::from_rejection(status, text)
}

fn source_text(e: &dyn std::error::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// `Query<T>` with the envelope on rejection.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::bad(
                "query",
                format!("bad query string: {}", source_text(&e)),
            )),
            Err(other) => Err(ApiError::bad("query", other.body_text())),
        }
    }
}

pub fn tenant(raw: &str) -> Result<TenantCode, ApiError> {
    TenantCode::parse(raw).map_err(|e| ApiError::bad("tenant-code", e.to_string()))
}

pub fn int(field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::bad(field, format!("{field} must be an integer, got {raw:?}")))
}

/// `-` means any user.
pub fn user_filter(raw: &str) -> Result<Option<UserId>, ApiError> {
    if raw == "-" {
        return Ok(None);
    }
    int("userid", raw).map(|u| Some(UserId(u)))
}

/// The pagination part of a list query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub offset: Option<u64>,
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn resolve(&self, default: u32, max: u32) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(default);
        if limit == 0 || limit > max {
            return Err(ApiError::bad(
                "limit",
                format!("limit must be between 1 and {max}"),
            ));
        }
        let cursor = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                ApiError::bad(
                    "cursor",
                    "cursor is not one this service issued; pass next_cursor from the last page",
                )
            })?),
        };
        Ok(PageRequest {
            limit,
            offset: self.offset.unwrap_or(0),
            cursor,
        })
    }
}

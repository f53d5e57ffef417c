//! The one error type of the HTTP edge: each failure becomes a status code and the envelope.
//! A 500 is opaque to the client; its cause goes to the log with the request id.

use super::envelope::ResponseModel;
use super::request_id;
use crate::auth::AuthError;
use crate::service::ServiceError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request itself could not be read: malformed JSON or multipart, bad path or query.
    #[error("{message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
}

impl ApiError {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Maps an axum body rejection: too large is 413, the rest is the client's malformed input.
    pub fn from_rejection(status: StatusCode, text: String) -> Self {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::TooLarge(format!("request body is too large: {text}"))
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType(text),
            _ => Self::BadRequest {
                field: None,
                message: text,
            },
        }
    }
}

/// An error as it goes out: status, envelope and headers.
pub struct Rendered {
    pub status: StatusCode,
    pub body: ResponseModel<serde_json::Value>,
    retry_after: Option<u64>,
    www_auth: bool,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let Rendered {
            status,
            body,
            retry_after,
            www_auth,
        } = self.render();
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if www_auth {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl ApiError {
    pub fn render(self) -> Rendered {
        let message = self.to_string();
        let mut retry_after = None;
        let mut www_auth = false;
        let (status, code, mut body) = match self {
            ApiError::Service(e) => match e {
                ServiceError::Invalid { field, .. } => {
                    let mut b = ResponseModel::failure("VALIDATION_ERROR", message);
                    b.field = vec![field.to_owned()];
                    b.errorpath = field.to_owned();
                    (StatusCode::BAD_REQUEST, "", b)
                }
                ServiceError::BadParam { param, .. } => {
                    let mut b = ResponseModel::failure("BAD_PARAMETER", message);
                    b.errorpath = format!("params.{param}");
                    b.field = vec![param];
                    (StatusCode::BAD_REQUEST, "", b)
                }
                ServiceError::Denied(_) => (
                    StatusCode::FORBIDDEN,
                    "FORBIDDEN",
                    ResponseModel::failure("", message),
                ),
                ServiceError::NotFound(_) => (
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    ResponseModel::failure("", message),
                ),
                ServiceError::Conflict(_) => (
                    StatusCode::CONFLICT,
                    "CONFLICT",
                    ResponseModel::failure("", message),
                ),
                ServiceError::Stale => (
                    StatusCode::CONFLICT,
                    "STALE_FILEHASH",
                    ResponseModel::failure("", message),
                ),
                ServiceError::CodeRejected { findings, .. } => {
                    let mut b = ResponseModel::failure("CODE_REJECTED", message);
                    b.data = Some(serde_json::json!({"valid": false, "findings": findings}));
                    b.field = vec!["code".into()];
                    (StatusCode::UNPROCESSABLE_ENTITY, "", b)
                }
                ServiceError::TooLarge { what, .. } => {
                    let mut b = ResponseModel::failure("PAYLOAD_TOO_LARGE", message);
                    b.field = vec![what.to_owned()];
                    (StatusCode::PAYLOAD_TOO_LARGE, "", b)
                }
                ServiceError::Busy { retry_after: ra } => {
                    retry_after = Some(ra.as_secs().max(1));
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        "BUSY",
                        ResponseModel::failure("", message),
                    )
                }
                ServiceError::Unavailable { cause, .. } => {
                    if let Some(cause) = cause {
                        tracing::warn!(%cause, request_id = %request_id::current(), "dependency unavailable");
                    }
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "UNAVAILABLE",
                        ResponseModel::failure("", message),
                    )
                }
                ServiceError::Internal(cause) => {
                    let id = request_id::current();
                    tracing::error!(%cause, request_id = %id, "internal error");
                    let msg = format!(
                        "An unexpected error occurred. Quote request id {id} when reporting it."
                    );
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL_ERROR",
                        ResponseModel::failure("", msg),
                    )
                }
            },
            ApiError::Auth(e) => {
                // Not audited (no tenant to file it under); the log keeps it.
                tracing::info!(reason = %e, request_id = %request_id::current(), "not authenticated");
                www_auth = true;
                let mut b = ResponseModel::failure("UNAUTHORIZED", message);
                b.sessionexpired = e == AuthError::Expired;
                (StatusCode::UNAUTHORIZED, "", b)
            }
            ApiError::BadRequest { field, .. } => {
                let mut b = ResponseModel::failure("BAD_REQUEST", message);
                if let Some(f) = field {
                    b.errorpath = f.clone();
                    b.field = vec![f];
                }
                (StatusCode::BAD_REQUEST, "", b)
            }
            ApiError::TooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                ResponseModel::failure("", message),
            ),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                ResponseModel::failure("", message),
            ),
        };
        if body.error.is_empty() {
            body.error = code.to_owned();
        }
        Rendered {
            status,
            body,
            retry_after,
            www_auth,
        }
    }
}

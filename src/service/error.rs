use crate::domain::rbac::Denied;
use crate::store::StoreError;
use std::time::Duration;

/// Every way a use case can fail, in terms a caller can act on. The HTTP edge maps each variant
/// to one status code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input: 400, naming the field.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A call's argument does not match the utility's `input_params`: 400, naming it.
    #[error("{message}")]
    BadParam { param: String, message: String },
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The optimistic-concurrency check on the filehash failed (the design's wording).
    #[error("Util has been altered by other user.")]
    Stale,
    /// The code was rejected by validation: 422 with the findings.
    #[error("{message}")]
    CodeRejected {
        message: String,
        findings: serde_json::Value,
    },
    #[error("{what} is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("too many executions in progress; retry in {} ms", retry_after.as_millis())]
    Busy { retry_after: Duration },
    /// 503: `message` is for the client; `cause`, if any, only for the log.
    #[error("{message}")]
    Unavailable {
        message: String,
        cause: Option<String>,
    },
    /// Opaque to clients; the cause goes to the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("not found".into()),
            StoreError::NameTaken(n) => Self::Conflict(format!(
                "a utility named {n:?} already exists in this tenant; choose another name, or update it with its taskid and filehash"
            )),
            StoreError::Stale => Self::Stale,
            StoreError::Unavailable(m) => Self::Unavailable {
                message: "the database is unavailable, nothing was changed; retry shortly".into(),
                cause: Some(m),
            },
            StoreError::Internal(m) => Self::Internal(m),
        }
    }
}

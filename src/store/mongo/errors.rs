//! From driver errors to `StoreError`: what means "the database cannot be reached, retry"
//! (503), what is a conflict the caller caused, and what is a bug.

use crate::store::StoreError;
use mongodb::error::{
    Error, ErrorKind, RETRYABLE_WRITE_ERROR, TRANSIENT_TRANSACTION_ERROR,
    UNKNOWN_TRANSACTION_COMMIT_RESULT, WriteFailure,
};

/// A decision taken inside a transaction body that aborts it; carried through the driver's
/// error as a custom payload.
#[derive(Debug, Clone)]
pub enum Abort {
    NotFound,
    Stale,
    NameTaken(String),
}

impl From<Abort> for StoreError {
    fn from(a: Abort) -> Self {
        match a {
            Abort::NotFound => StoreError::NotFound,
            Abort::Stale => StoreError::Stale,
            Abort::NameTaken(n) => StoreError::NameTaken(n),
        }
    }
}

pub fn abort(a: Abort) -> Error {
    Error::custom(a)
}

const DUPLICATE_KEY: i32 = 11000;

/// Server codes that mean the node cannot take the operation now (stepping down, shutting
/// down, unreachable, write concern not satisfiable): the caller may retry later.
const UNAVAILABLE_CODES: &[i32] = &[
    6,     // HostUnreachable
    7,     // HostNotFound
    64,    // WriteConcernFailed
    89,    // NetworkTimeout
    91,    // ShutdownInProgress
    100,   // UnsatisfiableWriteConcern
    189,   // PrimarySteppedDown
    262,   // ExceededTimeLimit
    9001,  // SocketException
    10107, // NotWritablePrimary
    11600, // InterruptedAtShutdown
    11602, // InterruptedDueToReplStateChange
    13435, // NotPrimaryNoSecondaryOk
    13436, // NotPrimaryOrSecondary
];

fn code(e: &Error) -> Option<i32> {
    match &*e.kind {
        ErrorKind::Command(c) => Some(c.code),
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(w.code),
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => Some(w.code),
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|w| w.first().map(|w| w.code))
            .or_else(|| m.write_concern_error.as_ref().map(|w| w.code)),
        _ => None,
    }
}

pub fn is_duplicate_key(e: &Error) -> bool {
    code(e) == Some(DUPLICATE_KEY)
}

/// True when every write error of an unordered insert is a duplicate key: the documents are
/// already there (a retried batch), which is success for an idempotent insert.
pub fn only_duplicates(e: &Error) -> bool {
    match &*e.kind {
        ErrorKind::InsertMany(m) => {
            m.write_concern_error.is_none()
                && m.write_errors
                    .as_ref()
                    .is_some_and(|w| w.iter().all(|w| w.code == DUPLICATE_KEY))
        }
        _ => is_duplicate_key(e),
    }
}

pub fn is_unavailable(e: &Error) -> bool {
    matches!(
        &*e.kind,
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. }
            | ErrorKind::Shutdown
    ) || matches!(
        &*e.kind,
        ErrorKind::Write(WriteFailure::WriteConcernError(_))
    ) || e.contains_label(RETRYABLE_WRITE_ERROR)
        || e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
        || code(e).is_some_and(|c| UNAVAILABLE_CODES.contains(&c))
}

/// Worth running the transaction again: a write conflict with a concurrent transaction.
pub fn is_transient(e: &Error) -> bool {
    e.contains_label(TRANSIENT_TRANSACTION_ERROR) && !is_unavailable(e)
}

pub fn to_store(e: Error) -> StoreError {
    if let Some(a) = e.get_custom::<Abort>() {
        return a.clone().into();
    }
    if is_unavailable(&e) || e.contains_label(TRANSIENT_TRANSACTION_ERROR) {
        StoreError::Unavailable(format!("MongoDB: {e}"))
    } else {
        StoreError::Internal(format!("MongoDB: {e}"))
    }
}

//! Use cases the routes call: RBAC decisions, validation, versioning, audit, cache. No HTTP
//! types in here.

pub mod audit;
pub mod code;
pub mod engine;
mod error;
pub mod execute;
pub mod executions;
pub mod recorder;
pub mod utilities;
pub mod views;

pub use error::ServiceError;

use crate::domain::Principal;

/// Who is asking, and the request id their audit entries carry.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub who: Principal,
    pub request_id: String,
}

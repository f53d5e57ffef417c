//! Parsed types: once a value is one of these, it has passed the design's rules.

mod name;
mod params;
mod principal;
pub mod rbac;
mod tenant;
mod utility;

pub use name::{NAME_MAX_LEN, NameError, UtilityName};
pub use params::{InputParams, Param, ParamType, ParamsError};
pub use principal::{Principal, Role, UserId};
pub use tenant::{TenantCode, TenantError};
pub use utility::{Status, StatusError};

/// Milliseconds since the Unix epoch: the design's `createddate`/`updateddate` unit.
pub fn now_millis() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

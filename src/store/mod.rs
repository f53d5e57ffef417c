//! Persistence. `Store` has two implementations: `embedded` (SQLite files, no server, the
//! default) and `mongo` (production). Both keep each tenant's rows apart (a file or a database
//! per tenant) and write a change, its version and its audit entry together or not at all.
//!
//! The store never sees plaintext code: `code` fields hold sealed bytes.

pub mod embedded;
pub mod mongo;

use crate::domain::{Status, TenantCode, UserId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("a utility named {0:?} already exists in this tenant")]
    NameTaken(String),
    /// The optimistic-concurrency check on the filehash failed.
    #[error("the utility was changed since the given filehash")]
    Stale,
    /// The backend cannot be reached; the request may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Internal(String),
}

/// Everything the design keeps about a utility except its id and version counter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtilityDraft {
    pub name: String,
    pub displayname: String,
    pub description: String,
    pub category: String,
    pub status: Status,
    pub userid: UserId,
    pub createddate: i64,
    pub updateddate: i64,
    pub input_params: String,
    pub fields: String,
    pub outputfields: String,
    pub packages: Vec<String>,
    pub filehash: String,
    /// Sealed code.
    pub code: Vec<u8>,
    /// Validation warnings saved with the utility, as JSON.
    pub warnings: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtilityRecord {
    pub id: i64,
    pub version: i64,
    #[serde(flatten)]
    pub draft: UtilityDraft,
}

/// One saved state of a utility's code. `code` is empty in listings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub utility_id: i64,
    pub version: i64,
    pub name: String,
    pub filehash: String,
    pub userid: UserId,
    pub createddate: i64,
    /// What made it: create, update, rename, restore.
    pub action: String,
    pub restored_from: Option<i64>,
    pub code: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// UUIDv7: time-ordered, so it breaks ties between entries of the same millisecond.
    pub id: String,
    pub tenantcode: String,
    pub userid: UserId,
    pub role: String,
    pub action: String,
    pub resource: String,
    pub timestamp: i64,
    pub details: serde_json::Value,
    pub request_id: String,
}

/// The design's `task_execution` document, plus the meter of the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub id: String,
    pub taskid: i64,
    pub userid: UserId,
    pub tenantcode: String,
    pub createddate: i64,
    pub request: String,
    pub response: String,
    /// completed or failed
    pub status: String,
    pub outcome: String,
    /// Seconds, as in the design.
    pub execution_time: f64,
    pub error_message: String,
    pub logs: Vec<String>,
    pub name: String,
    pub fuel_used: u64,
    pub peak_memory_bytes: u64,
    pub runtime: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantRecord {
    pub tenantcode: String,
    pub status: String,
    pub createddate: i64,
}

/// Keyset position in a list sorted by (time desc, id desc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub time: i64,
    pub id: String,
}

impl Cursor {
    /// Opaque to clients: `<time>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.time, self.id)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (t, id) = s.split_once('.')?;
        let time = t.parse().ok()?;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return None;
        }
        Some(Self {
            time,
            id: id.to_owned(),
        })
    }
}

/// Where a page starts: an offset, or (cheaper on deep pages) a cursor from the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub offset: u64,
    pub cursor: Option<Cursor>,
}

/// Serialisable so that list pages can be cached in Redis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UtilityQuery {
    pub owner: Option<UserId>,
    pub statuses: Vec<Status>,
    pub category: Option<String>,
    pub name_prefix: Option<String>,
    pub page: PageRequest,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeRange {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditQuery {
    pub user: Option<UserId>,
    pub action: Option<String>,
    pub range: TimeRange,
    pub page: PageRequest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionQuery {
    pub taskid: Option<i64>,
    pub user: Option<UserId>,
    pub status: Option<String>,
    pub range: TimeRange,
    pub page: PageRequest,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Cheap liveness check for /health.
    async fn ping(&self) -> Result<(), StoreError>;
    fn backend(&self) -> &'static str;

    /// Registers the tenant in the master catalogue and prepares its storage. Idempotent.
    async fn ensure_tenant(&self, tenant: &TenantCode) -> Result<(), StoreError>;
    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError>;

    /// Assigns the next per-tenant id, writes the utility, version 1 and `audit` atomically.
    /// The version's author and action come from `audit`.
    async fn create_utility(
        &self,
        tenant: &TenantCode,
        draft: UtilityDraft,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError>;

    /// Replaces utility `id` only if its stored filehash is still `expected_hash`; appends the
    /// next version (recording `restored_from` if given) and `audit`, atomically.
    async fn update_utility(
        &self,
        tenant: &TenantCode,
        id: i64,
        expected_hash: &str,
        draft: UtilityDraft,
        restored_from: Option<i64>,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError>;

    /// Soft delete and friends: sets the status without touching code or versions.
    async fn set_status(
        &self,
        tenant: &TenantCode,
        id: i64,
        status: Status,
        updateddate: i64,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError>;

    async fn utility_by_id(
        &self,
        tenant: &TenantCode,
        id: i64,
    ) -> Result<Option<UtilityRecord>, StoreError>;
    async fn utility_by_name(
        &self,
        tenant: &TenantCode,
        name: &str,
    ) -> Result<Option<UtilityRecord>, StoreError>;
    /// Sorted by updateddate desc, then id desc. Items carry no code.
    async fn list_utilities(
        &self,
        tenant: &TenantCode,
        query: &UtilityQuery,
    ) -> Result<Page<UtilityRecord>, StoreError>;

    /// Newest first, without code.
    async fn list_versions(
        &self,
        tenant: &TenantCode,
        utility_id: i64,
    ) -> Result<Vec<VersionRecord>, StoreError>;
    async fn version(
        &self,
        tenant: &TenantCode,
        utility_id: i64,
        version: i64,
    ) -> Result<Option<VersionRecord>, StoreError>;

    async fn append_audit(&self, tenant: &TenantCode, entry: AuditRecord)
    -> Result<(), StoreError>;

    /// Several entries at once (the execution recorder's batches). Backends that can write
    /// them in one round trip or transaction override this.
    async fn append_audit_batch(
        &self,
        tenant: &TenantCode,
        entries: Vec<AuditRecord>,
    ) -> Result<(), StoreError> {
        for e in entries {
            self.append_audit(tenant, e).await?;
        }
        Ok(())
    }
    async fn list_audit(
        &self,
        tenant: &TenantCode,
        query: &AuditQuery,
    ) -> Result<Page<AuditRecord>, StoreError>;

    async fn insert_executions(
        &self,
        tenant: &TenantCode,
        records: Vec<ExecutionRecord>,
    ) -> Result<(), StoreError>;
    async fn list_executions(
        &self,
        tenant: &TenantCode,
        query: &ExecutionQuery,
    ) -> Result<Page<ExecutionRecord>, StoreError>;
}

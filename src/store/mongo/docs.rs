//! The stored documents, with the design's field names ("MongoDB Collections Schema"), and their
//! conversions from and to the store's records.

use crate::domain::{Status, UserId};
use crate::store::{AuditRecord, ExecutionRecord, UtilityDraft, UtilityRecord, VersionRecord};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson, DateTime, Document};
use serde::{Deserialize, Serialize};

/// Collection names.
pub const TENANTS: &str = "tenants";
pub const TASKS: &str = "tasks";
pub const VERSIONS: &str = "task_versions";
pub const AUDIT: &str = "audit_log";
pub const EXECUTIONS: &str = "task_execution";
pub const COUNTERS: &str = "counters";

fn binary(bytes: Vec<u8>) -> Binary {
    Binary {
        subtype: BinarySubtype::Generic,
        bytes,
    }
}

/// A utility: the design's `tasks` document. `_id` is the per-tenant integer id (also kept as
/// `id`, the design's field), so lookups by id use the primary key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskDoc {
    #[serde(rename = "_id")]
    pub key: i64,
    pub id: i64,
    pub name: String,
    pub displayname: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub fields: String,
    pub createddate: i64,
    pub updateddate: i64,
    pub status: String,
    pub tasks_tag: String,
    pub task_handler: String,
    pub method: String,
    pub tenantcode: String,
    pub filename: String,
    pub packages: Vec<String>,
    pub userid: i64,
    pub customutils: bool,
    pub integration_id: i32,
    pub utils_used: bool,
    pub rest_end: String,
    pub input_params: String,
    pub parameters: String,
    pub functionname: String,
    pub outputfields: String,
    pub playbook_name: Vec<String>,
    pub category: String,
    /// Sealed code; left out of list projections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filecontents: Option<Binary>,
    pub version: i64,
    pub filehash: String,
    pub warnings: String,
}

impl TaskDoc {
    pub fn new(tenant: &str, rec: &UtilityRecord) -> Self {
        let d = &rec.draft;
        Self {
            key: rec.id,
            id: rec.id,
            name: d.name.clone(),
            displayname: d.displayname.clone(),
            description: d.description.clone(),
            kind: "customutils".into(),
            fields: d.fields.clone(),
            createddate: d.createddate,
            updateddate: d.updateddate,
            status: d.status.as_str().into(),
            tasks_tag: format!("custom_utils_{}", d.name),
            task_handler: "Utils".into(),
            method: "POST".into(),
            tenantcode: tenant.into(),
            filename: format!("{}.py", d.name),
            packages: d.packages.clone(),
            userid: d.userid.0,
            customutils: true,
            integration_id: -1,
            utils_used: false,
            rest_end: format!("/{}/", d.name),
            input_params: d.input_params.clone(),
            parameters: String::new(),
            functionname: format!("{}()", d.name),
            outputfields: d.outputfields.clone(),
            playbook_name: vec![],
            category: d.category.clone(),
            filecontents: Some(binary(d.code.clone())),
            version: rec.version,
            filehash: d.filehash.clone(),
            warnings: d.warnings.clone(),
        }
    }

    /// The fields an update replaces: everything but the ids, `createddate` and `version`.
    pub fn update_set(&self) -> Result<Document, mongodb::bson::ser::Error> {
        let mut doc = mongodb::bson::to_document(self)?;
        for k in ["_id", "id", "createddate", "version"] {
            doc.remove(k);
        }
        Ok(doc)
    }

    pub fn into_record(self) -> UtilityRecord {
        UtilityRecord {
            id: self.id,
            version: self.version,
            draft: UtilityDraft {
                name: self.name,
                displayname: self.displayname,
                description: self.description,
                category: self.category,
                status: Status::parse(&self.status).unwrap_or(Status::Inactive),
                userid: UserId(self.userid),
                createddate: self.createddate,
                updateddate: self.updateddate,
                input_params: self.input_params,
                fields: self.fields,
                outputfields: self.outputfields,
                packages: self.packages,
                filehash: self.filehash,
                code: self.filecontents.map(|b| b.bytes).unwrap_or_default(),
                warnings: self.warnings,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionDoc {
    pub utility_id: i64,
    pub version: i64,
    pub name: String,
    pub filehash: String,
    pub userid: i64,
    pub createddate: i64,
    pub action: String,
    pub restored_from: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filecontents: Option<Binary>,
}

impl VersionDoc {
    pub fn new(rec: &UtilityRecord, audit: &AuditRecord, restored_from: Option<i64>) -> Self {
        Self {
            utility_id: rec.id,
            version: rec.version,
            name: rec.draft.name.clone(),
            filehash: rec.draft.filehash.clone(),
            userid: audit.userid.0,
            createddate: audit.timestamp,
            action: audit.action.clone(),
            restored_from,
            filecontents: Some(binary(rec.draft.code.clone())),
        }
    }

    pub fn into_record(self) -> VersionRecord {
        VersionRecord {
            utility_id: self.utility_id,
            version: self.version,
            name: self.name,
            filehash: self.filehash,
            userid: UserId(self.userid),
            createddate: self.createddate,
            action: self.action,
            restored_from: self.restored_from,
            code: self.filecontents.map(|b| b.bytes).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditDoc {
    #[serde(rename = "_id")]
    pub id: String,
    pub tenantcode: String,
    pub userid: i64,
    pub role: String,
    pub action: String,
    pub resource: String,
    pub timestamp: i64,
    pub details: Bson,
    pub request_id: String,
    /// Set from the tenant's retention; the TTL index removes the entry after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<DateTime>,
}

impl AuditDoc {
    pub fn new(
        a: &AuditRecord,
        expire_at: Option<DateTime>,
    ) -> Result<Self, mongodb::bson::ser::Error> {
        Ok(Self {
            id: a.id.clone(),
            tenantcode: a.tenantcode.clone(),
            userid: a.userid.0,
            role: a.role.clone(),
            action: a.action.clone(),
            resource: a.resource.clone(),
            timestamp: a.timestamp,
            details: mongodb::bson::to_bson(&a.details)?,
            request_id: a.request_id.clone(),
            expire_at,
        })
    }

    pub fn into_record(self) -> AuditRecord {
        AuditRecord {
            id: self.id,
            tenantcode: self.tenantcode,
            userid: UserId(self.userid),
            role: self.role,
            action: self.action,
            resource: self.resource,
            timestamp: self.timestamp,
            details: self.details.into_relaxed_extjson(),
            request_id: self.request_id,
        }
    }
}

/// The design's `task_execution` document plus the meter of the call.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionDoc {
    #[serde(rename = "_id")]
    pub id: String,
    pub taskid: i64,
    pub userid: i64,
    pub tenantcode: String,
    pub createddate: i64,
    pub request: String,
    pub response: String,
    pub status: String,
    pub outcome: String,
    pub execution_time: f64,
    pub error_message: String,
    pub logs: Vec<String>,
    pub name: String,
    pub task_handler: String,
    pub fuel_used: i64,
    pub peak_memory_bytes: i64,
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_at: Option<DateTime>,
}

impl ExecutionDoc {
    pub fn new(e: &ExecutionRecord, expire_at: Option<DateTime>) -> Self {
        Self {
            id: e.id.clone(),
            taskid: e.taskid,
            userid: e.userid.0,
            tenantcode: e.tenantcode.clone(),
            createddate: e.createddate,
            request: e.request.clone(),
            response: e.response.clone(),
            status: e.status.clone(),
            outcome: e.outcome.clone(),
            execution_time: e.execution_time,
            error_message: e.error_message.clone(),
            logs: e.logs.clone(),
            name: e.name.clone(),
            task_handler: "Utils".into(),
            fuel_used: e.fuel_used as i64,
            peak_memory_bytes: e.peak_memory_bytes as i64,
            runtime: e.runtime.clone(),
            expire_at,
        }
    }

    pub fn into_record(self) -> ExecutionRecord {
        ExecutionRecord {
            id: self.id,
            taskid: self.taskid,
            userid: UserId(self.userid),
            tenantcode: self.tenantcode,
            createddate: self.createddate,
            request: self.request,
            response: self.response,
            status: self.status,
            outcome: self.outcome,
            execution_time: self.execution_time,
            error_message: self.error_message,
            logs: self.logs,
            name: self.name,
            fuel_used: self.fuel_used.max(0) as u64,
            peak_memory_bytes: self.peak_memory_bytes.max(0) as u64,
            runtime: self.runtime,
        }
    }
}

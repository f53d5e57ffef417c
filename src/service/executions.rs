//! Running utilities and reading the record of past runs.

use super::audit::AuditLog;
use super::{Ctx, ServiceError};
use crate::domain::rbac::{Action, Target};
use crate::domain::{Role, TenantCode, UserId};
use crate::store::{ExecutionQuery, ExecutionRecord, Page, Store};
use std::sync::Arc;

#[derive(Clone)]
pub struct ExecutionLog {
    store: Arc<dyn Store>,
    audit: AuditLog,
}

impl ExecutionLog {
    pub fn new(store: Arc<dyn Store>, audit: AuditLog) -> Self {
        Self { store, audit }
    }

    /// Users and creators see their own executions; admins the tenant's.
    pub async fn list(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        mut query: ExecutionQuery,
    ) -> Result<Page<ExecutionRecord>, ServiceError> {
        if matches!(ctx.who.role, Role::User | Role::Creator) && query.user.is_none() {
            query.user = Some(ctx.who.user);
        }
        let owner: Option<UserId> = query.user.or(Some(ctx.who.user));
        self.audit
            .authorize(ctx, Action::Read, Target { tenant, owner }, "executions")
            .await?;
        Ok(self.store.list_executions(tenant, &query).await?)
    }
}

//! Managing utilities: create, update (with the filehash check), rename, read, list, soft
//! delete, versions and restore.

use super::audit::{AuditLog, entry};
use super::code::{CodeChecker, ValidatedCode};
use super::views::{UtilityView, VersionView};
use super::{Ctx, ServiceError};
use crate::cache::{Cache, Key};
use crate::config::LimitsConfig;
use crate::crypto::Sealer;
use crate::domain::rbac::{Action, Target};
use crate::domain::{InputParams, Role, Status, TenantCode, UserId, UtilityName, now_millis};
use crate::store::{
    Page, PageRequest, Store, StoreError, UtilityDraft, UtilityQuery, UtilityRecord,
};
use serde_json::json;
use std::sync::Arc;

/// The create-or-update form of the design, from multipart or JSON alike.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpsertInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub input_label: Option<String>,
    pub filter_label: Option<String>,
    pub required_filter: Option<bool>,
    pub output: Option<String>,
    pub taskid: Option<i64>,
    pub filehash: Option<String>,
    pub oldtitle: Option<String>,
    pub userid: Option<i64>,
    pub tenantcode: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub displayname: Option<String>,
    pub input_params: Option<serde_json::Value>,
    pub packages: Option<Vec<String>>,
    pub code: Option<String>,
}

/// Which utility a request names: by id or by name.
#[derive(Debug, Clone)]
pub enum Selector {
    Id(i64),
    Name(String),
}

#[derive(Debug, Clone)]
pub struct ListParams {
    pub owner: Option<UserId>,
    pub status: Option<Status>,
    pub category: Option<String>,
    pub name_prefix: Option<String>,
    pub page: PageRequest,
}

#[derive(Clone)]
pub struct Utilities {
    store: Arc<dyn Store>,
    cache: Cache,
    sealer: Sealer,
    checker: CodeChecker,
    audit: AuditLog,
    limits: LimitsConfig,
}

fn tenant_of(ctx: &Ctx, raw: Option<&str>) -> Result<TenantCode, ServiceError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(ctx.who.tenant.clone()),
        Some(s) => {
            TenantCode::parse(s).map_err(|e| ServiceError::invalid("tenantcode", e.to_string()))
        }
    }
}

fn checked_len(field: &'static str, value: &str, max: usize) -> Result<(), ServiceError> {
    let n = value.chars().count();
    if n > max {
        return Err(ServiceError::invalid(
            field,
            format!("{field} is {n} characters long; the limit is {max}"),
        ));
    }
    Ok(())
}

fn fields_json(input_label: &str, filter_label: &str, filter_required: bool) -> String {
    json!({"inputfields": [
        {"name": "data", "label": input_label, "type": "textarea", "id": "data", "required": true,
         "value": "", "placeholder": format!("Enter {input_label}")},
        {"name": "filter", "label": filter_label, "type": "textbox", "id": "filter",
         "required": filter_required, "value": "", "placeholder": format!("Enter data for {filter_label}")},
    ]})
    .to_string()
}

impl Utilities {
    pub fn new(
        store: Arc<dyn Store>,
        cache: Cache,
        sealer: Sealer,
        checker: CodeChecker,
        audit: AuditLog,
        limits: LimitsConfig,
    ) -> Self {
        Self {
            store,
            cache,
            sealer,
            checker,
            audit,
            limits,
        }
    }

    pub fn checker(&self) -> &CodeChecker {
        &self.checker
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Reads through the cache. `None` is cached too; writes invalidate both.
    async fn load(
        &self,
        tenant: &TenantCode,
        sel: &Selector,
    ) -> Result<Option<UtilityRecord>, ServiceError> {
        let store = self.store.clone();
        let t = tenant.clone();
        let found = match sel {
            Selector::Id(id) => {
                let id = *id;
                self.cache
                    .get_or_load(tenant, Key::UtilityId(id), async move {
                        store.utility_by_id(&t, id).await.map_err(Arc::new)
                    })
                    .await
            }
            Selector::Name(name) => {
                let n = name.clone();
                self.cache
                    .get_or_load(tenant, Key::UtilityName(name), async move {
                        store.utility_by_name(&t, &n).await.map_err(Arc::new)
                    })
                    .await
            }
        };
        match found {
            Ok(rec) => Ok((*rec).clone()),
            Err(e) => Err(ServiceError::from((*e).clone())),
        }
    }

    pub(crate) fn open_code(
        &self,
        tenant: &TenantCode,
        sealed: &[u8],
    ) -> Result<String, ServiceError> {
        let plain = self
            .sealer
            .open(tenant.as_str(), sealed)
            .map_err(|e| ServiceError::Internal(format!("opening stored code: {e}")))?;
        String::from_utf8(plain)
            .map_err(|e| ServiceError::Internal(format!("stored code is not UTF-8: {e}")))
    }

    async fn invalidate(&self, tenant: &TenantCode, id: i64, names: &[&str]) {
        self.cache.invalidate_utility(tenant, id, names).await;
    }

    pub async fn upsert(&self, ctx: &Ctx, input: UpsertInput) -> Result<UtilityView, ServiceError> {
        let tenant = tenant_of(ctx, input.tenantcode.as_deref())?;
        let target = match (
            input.taskid.filter(|id| *id > 0),
            input.oldtitle.as_deref().filter(|s| !s.is_empty()),
        ) {
            (Some(id), _) => Some(Selector::Id(id)),
            (None, Some(old)) => Some(Selector::Name(old.to_owned())),
            (None, None) => None,
        };
        match target {
            None => self.create(ctx, tenant, input).await,
            Some(sel) => self.update(ctx, tenant, sel, input).await,
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        tenant: TenantCode,
        input: UpsertInput,
    ) -> Result<UtilityView, ServiceError> {
        let title = input.title.as_deref().unwrap_or_default();
        let owner = UserId(input.userid.unwrap_or(ctx.who.user.0));
        self.audit
            .authorize(
                ctx,
                Action::Create,
                Target {
                    tenant: &tenant,
                    owner: Some(owner),
                },
                &format!("utility:{title}"),
            )
            .await?;
        let name = UtilityName::parse(title, self.limits.name_max_len)
            .map_err(|e| ServiceError::invalid("title", e.to_string()))?;
        let description = input.description.clone().unwrap_or_default();
        if description.trim().is_empty() {
            return Err(ServiceError::invalid(
                "description",
                "description is required",
            ));
        }
        let params = match &input.input_params {
            Some(v) => InputParams::from_value(v)
                .map_err(|e| ServiceError::invalid("input_params", e.to_string()))?,
            None => InputParams::design_default(input.required_filter.unwrap_or(false)),
        };
        let code = input
            .code
            .clone()
            .ok_or_else(|| ServiceError::invalid("code", "code is required"))?;
        let code = self.checker.check(&tenant, &name, &params, code).await?;
        let now = now_millis();
        let draft = self.draft(&tenant, &name, &input, None, owner, params, &code, now)?;
        let audit = entry(
            ctx,
            "create",
            format!("utility:{name}"),
            json!({"name": name.as_str(), "filehash": code.hash(), "userid": owner.0}),
        );
        let result = self.store.create_utility(&tenant, draft, audit).await;
        // Also on failure: a create that timed out may still have committed, and a cached
        // "no such name" must not outlive it.
        let id = result.as_ref().map_or(0, |r| r.id);
        self.invalidate(&tenant, id, &[name.as_str()]).await;
        let rec = result?;
        Ok(UtilityView::new(tenant.as_str(), &rec, None))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        tenant: TenantCode,
        sel: Selector,
        input: UpsertInput,
    ) -> Result<UtilityView, ServiceError> {
        // Authorize against what exists before saying anything about it.
        let existing = self.load(&tenant, &sel).await?;
        let owner = existing.as_ref().map(|r| r.draft.userid);
        let resource = format!("utility:{}", selector_label(&sel));
        self.audit
            .authorize(
                ctx,
                Action::Update,
                Target {
                    tenant: &tenant,
                    owner,
                },
                &resource,
            )
            .await?;
        let current = match existing {
            Some(r) if r.draft.status != Status::Inactive => r,
            _ => return Err(not_found(&sel)),
        };
        if let Some(old) = input.oldtitle.as_deref().filter(|s| !s.is_empty())
            && old != current.draft.name
        {
            return Err(ServiceError::Stale);
        }
        let expected = input
            .filehash
            .clone()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                ServiceError::invalid(
                    "filehash",
                    "filehash is required to update: send the filehash you last read",
                )
            })?;
        let title = input
            .title
            .clone()
            .unwrap_or_else(|| current.draft.name.clone());
        let name = UtilityName::parse(&title, self.limits.name_max_len)
            .map_err(|e| ServiceError::invalid("title", e.to_string()))?;
        let params = match &input.input_params {
            Some(v) => InputParams::from_value(v)
                .map_err(|e| ServiceError::invalid("input_params", e.to_string()))?,
            None if input.required_filter.is_some() => {
                InputParams::design_default(input.required_filter == Some(true))
            }
            None => InputParams::from_value(&serde_json::Value::String(
                current.draft.input_params.clone(),
            ))
            .unwrap_or_else(|_| InputParams::design_default(false)),
        };
        let code = match input.code.clone() {
            Some(c) => c,
            None => self.open_code(&tenant, &current.draft.code)?,
        };
        let code = self.checker.check(&tenant, &name, &params, code).await?;
        let draft = self.draft(
            &tenant,
            &name,
            &input,
            Some(&current),
            current.draft.userid,
            params,
            &code,
            now_millis(),
        )?;
        let renamed = name.as_str() != current.draft.name;
        let action = if renamed { "rename" } else { "update" };
        let audit = entry(
            ctx,
            action,
            format!("utility:{}", current.id),
            json!({"id": current.id, "name": name.as_str(), "oldname": current.draft.name,
                   "filehash": code.hash(), "previous_filehash": current.draft.filehash}),
        );
        let result = self
            .store
            .update_utility(&tenant, current.id, &expected, draft, None, audit)
            .await;
        // Whatever happened, what the cache holds for this utility may be stale now.
        self.invalidate(&tenant, current.id, &[&current.draft.name, name.as_str()])
            .await;
        let rec = result?;
        Ok(UtilityView::new(tenant.as_str(), &rec, None))
    }

    /// Builds the stored form from the input, falling back to the current values on update.
    #[allow(clippy::too_many_arguments)]
    fn draft(
        &self,
        tenant: &TenantCode,
        name: &UtilityName,
        input: &UpsertInput,
        current: Option<&UtilityRecord>,
        owner: UserId,
        params: InputParams,
        code: &ValidatedCode,
        now: i64,
    ) -> Result<UtilityDraft, ServiceError> {
        let cur = current.map(|c| &c.draft);
        let pick = |given: &Option<String>, old: Option<&String>| -> String {
            given.clone().or_else(|| old.cloned()).unwrap_or_default()
        };
        let description = pick(&input.description, cur.map(|c| &c.description));
        checked_len("description", &description, self.limits.description_max_len)?;
        let category = pick(&input.category, cur.map(|c| &c.category));
        checked_len("category", &category, self.limits.category_max_len)?;
        let displayname = input
            .displayname
            .clone()
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| name.display_name());
        checked_len("displayname", &displayname, self.limits.description_max_len)?;
        let status = match input.status.as_deref() {
            None => Status::Active,
            Some(s) => match Status::parse(s) {
                Ok(Status::Inactive) | Err(_) => {
                    return Err(ServiceError::invalid(
                        "status",
                        "status must be active or draft; delete to deactivate",
                    ));
                }
                Ok(s) => s,
            },
        };
        let required_filter = params
            .params
            .iter()
            .any(|p| p.name == "filter" && p.required);
        let fields = match (cur, &input.input_label, &input.filter_label) {
            (Some(c), None, None) => c.fields.clone(),
            _ => fields_json(
                input.input_label.as_deref().unwrap_or("Input"),
                input.filter_label.as_deref().unwrap_or("Filter"),
                required_filter,
            ),
        };
        let outputfields = pick(&input.output, cur.map(|c| &c.outputfields));
        checked_len("output", &outputfields, self.limits.code_max_bytes)?;
        let packages = input
            .packages
            .clone()
            .or_else(|| cur.map(|c| c.packages.clone()))
            .unwrap_or_default();
        Ok(UtilityDraft {
            name: name.to_string(),
            displayname,
            description,
            category,
            status,
            userid: owner,
            createddate: cur.map_or(now, |c| c.createddate),
            updateddate: now,
            input_params: params.to_json_string(),
            fields,
            outputfields,
            packages,
            filehash: code.hash().to_owned(),
            code: self.sealer.seal(tenant.as_str(), code.as_str().as_bytes()),
            warnings: code.warnings().to_string(),
        })
    }

    /// One live utility with its code.
    pub async fn get(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        sel: Selector,
        owner_filter: Option<UserId>,
    ) -> Result<UtilityView, ServiceError> {
        let rec = self.load(tenant, &sel).await?;
        let owner = rec.as_ref().map(|r| r.draft.userid);
        let resource = format!("utility:{}", selector_label(&sel));
        self.audit
            .authorize(ctx, Action::Read, Target { tenant, owner }, &resource)
            .await?;
        let rec = match rec {
            Some(r)
                if r.draft.status != Status::Inactive
                    && owner_filter.is_none_or(|o| o == r.draft.userid) =>
            {
                r
            }
            _ => return Err(not_found(&sel)),
        };
        let code = self.open_code(tenant, &rec.draft.code)?;
        Ok(UtilityView::new(tenant.as_str(), &rec, Some(code)))
    }

    /// The utility (its code still sealed), for execution; RBAC `Execute`.
    pub async fn for_execution(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        sel: Selector,
    ) -> Result<UtilityRecord, ServiceError> {
        let rec = self.load(tenant, &sel).await?;
        let owner = rec.as_ref().map(|r| r.draft.userid);
        let resource = format!("utility:{}", selector_label(&sel));
        self.audit
            .authorize(ctx, Action::Execute, Target { tenant, owner }, &resource)
            .await?;
        let rec = match rec {
            Some(r) if r.draft.status != Status::Inactive => r,
            _ => return Err(not_found(&sel)),
        };
        Ok(rec)
    }

    pub async fn list(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        params: ListParams,
    ) -> Result<Page<UtilityView>, ServiceError> {
        // Users and creators see their own; a request for someone else's list is a denial.
        let owner = match (ctx.who.role, params.owner) {
            (Role::User | Role::Creator, None) => Some(ctx.who.user),
            (_, o) => o,
        };
        self.audit
            .authorize(
                ctx,
                Action::Read,
                Target {
                    tenant,
                    owner: owner.or(Some(ctx.who.user)),
                },
                "utilities",
            )
            .await?;
        let query = UtilityQuery {
            owner,
            statuses: match params.status {
                Some(s) => vec![s],
                None => vec![Status::Active, Status::Draft],
            },
            category: params.category,
            name_prefix: params.name_prefix,
            page: params.page,
        };
        let key = format!("{query:?}");
        let store = self.store.clone();
        let t = tenant.clone();
        let page = self
            .cache
            .get_or_load(tenant, Key::List(&key), async move {
                store.list_utilities(&t, &query).await.map_err(Arc::new)
            })
            .await
            .map_err(|e: Arc<StoreError>| ServiceError::from((*e).clone()))?;
        Ok(Page {
            items: page
                .items
                .iter()
                .map(|r| UtilityView::new(tenant.as_str(), r, None))
                .collect(),
            total: page.total,
            next_cursor: page.next_cursor.clone(),
        })
    }

    pub async fn delete(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        sel: Selector,
    ) -> Result<UtilityView, ServiceError> {
        let rec = self.load(tenant, &sel).await?;
        let owner = rec.as_ref().map(|r| r.draft.userid);
        let resource = format!("utility:{}", selector_label(&sel));
        self.audit
            .authorize(ctx, Action::Delete, Target { tenant, owner }, &resource)
            .await?;
        let rec = match rec {
            Some(r) if r.draft.status != Status::Inactive => r,
            _ => return Err(not_found(&sel)),
        };
        let audit = entry(
            ctx,
            "delete",
            format!("utility:{}", rec.id),
            json!({"id": rec.id, "name": rec.draft.name}),
        );
        let result = self
            .store
            .set_status(tenant, rec.id, Status::Inactive, now_millis(), audit)
            .await;
        self.invalidate(tenant, rec.id, &[&rec.draft.name]).await;
        let updated = result?;
        Ok(UtilityView::new(tenant.as_str(), &updated, None))
    }

    /// Any utility, deleted ones included, so that a deleted one can be restored.
    async fn any_for(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        id: i64,
        action: Action,
    ) -> Result<UtilityRecord, ServiceError> {
        let rec = self.load(tenant, &Selector::Id(id)).await?;
        let owner = rec.as_ref().map(|r| r.draft.userid);
        self.audit
            .authorize(
                ctx,
                action,
                Target { tenant, owner },
                &format!("utility:{id}"),
            )
            .await?;
        rec.ok_or_else(|| not_found(&Selector::Id(id)))
    }

    pub async fn versions(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        id: i64,
    ) -> Result<Vec<VersionView>, ServiceError> {
        self.any_for(ctx, tenant, id, Action::Read).await?;
        let versions = self.store.list_versions(tenant, id).await?;
        Ok(versions.iter().map(|v| VersionView::new(v, None)).collect())
    }

    pub async fn version(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        id: i64,
        version: i64,
    ) -> Result<VersionView, ServiceError> {
        self.any_for(ctx, tenant, id, Action::Read).await?;
        let v = self
            .store
            .version(tenant, id, version)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("utility {id} has no version {version}"))
            })?;
        let code = self.open_code(tenant, &v.code)?;
        Ok(VersionView::new(&v, Some(code)))
    }

    /// Makes a new version whose code is that of `version`; reactivates a deleted utility.
    /// With `filehash`, only if the utility is still at that hash.
    pub async fn restore(
        &self,
        ctx: &Ctx,
        tenant: &TenantCode,
        id: i64,
        version: i64,
        filehash: Option<String>,
    ) -> Result<UtilityView, ServiceError> {
        let current = self.any_for(ctx, tenant, id, Action::Update).await?;
        let v = self
            .store
            .version(tenant, id, version)
            .await?
            .ok_or_else(|| {
                ServiceError::NotFound(format!("utility {id} has no version {version}"))
            })?;
        let expected = filehash
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| current.draft.filehash.clone());
        let name = UtilityName::parse(&current.draft.name, self.limits.name_max_len)
            .map_err(|e| ServiceError::Internal(format!("stored name is invalid: {e}")))?;
        let params = InputParams::from_value(&serde_json::Value::String(
            current.draft.input_params.clone(),
        ))
        .unwrap_or_else(|_| InputParams::design_default(false));
        let code = self.open_code(tenant, &v.code)?;
        // The code is checked again: the policy may have tightened since it was saved.
        let code = self.checker.check(tenant, &name, &params, code).await?;
        let mut draft = current.draft.clone();
        draft.status = Status::Active;
        draft.updateddate = now_millis();
        draft.filehash = code.hash().to_owned();
        draft.code = self.sealer.seal(tenant.as_str(), code.as_str().as_bytes());
        draft.warnings = code.warnings().to_string();
        let audit = entry(
            ctx,
            "restore",
            format!("utility:{id}"),
            json!({"id": id, "name": current.draft.name, "restored_version": version, "filehash": code.hash()}),
        );
        let result = self
            .store
            .update_utility(tenant, id, &expected, draft, Some(version), audit)
            .await;
        self.invalidate(tenant, id, &[&current.draft.name]).await;
        let rec = result?;
        Ok(UtilityView::new(tenant.as_str(), &rec, None))
    }
}

fn selector_label(sel: &Selector) -> String {
    match sel {
        Selector::Id(id) => id.to_string(),
        Selector::Name(n) => n.clone(),
    }
}

fn not_found(sel: &Selector) -> ServiceError {
    match sel {
        Selector::Id(id) => {
            ServiceError::NotFound(format!("no utility with id {id} in this tenant"))
        }
        Selector::Name(n) => {
            ServiceError::NotFound(format!("no utility named {n:?} in this tenant"))
        }
    }
}

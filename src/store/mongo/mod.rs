//! The MongoDB store (production): `<prefix>master` holds the tenant catalogue; each tenant has
//! its own database `<prefix>t_<tenant>` (the tenant code's alphabet is safe in database names)
//! with the design's collections: `tasks`, `task_versions`, `audit_log`, `task_execution` and
//! `counters`.
//!
//! - A change, its version and its audit entry are written in one transaction (MongoDB needs a
//!   replica set for that, as production has). Write conflicts between concurrent
//!   transactions are retried; the filehash check is part of the update's filter, so of two
//!   concurrent updates from one hash exactly one wins and the other sees `Stale`.
//! - Ids come from `counters` (`find_one_and_update`, `$inc`, upsert), outside the
//!   transaction so concurrent creates do not conflict on the counter: ids are unique and
//!   increasing, with a gap where a create failed after taking its id.
//! - Writes use write concern `majority`: acknowledged means on a majority, journaled.
//! - Errors that mean the server cannot be reached become `StoreError::Unavailable` (503); every
//!   operation is bounded by `socket_timeout_secs` (the Rust driver has no socket timeout).

mod docs;
mod errors;
mod indexes;

use super::*;
use crate::config::StorageConfig;
use docs::*;
use errors::{Abort, abort, is_duplicate_key, is_transient, only_duplicates, to_store};
use futures::TryStreamExt;
use futures::future::BoxFuture;
use mongodb::bson::{Bson, DateTime, Document, doc};
use mongodb::options::{ClientOptions, ReturnDocument, WriteConcern};
use mongodb::{Client, ClientSession, Collection, Database};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub struct MongoStore {
    client: Client,
    prefix: String,
    master: Database,
    /// Tenants registered and indexed by this process.
    ready: RwLock<HashSet<TenantCode>>,
    retention_days: u32,
    tenant_retention_days: BTreeMap<String, u32>,
    op_timeout: Duration,
    ping_timeout: Duration,
}

/// Attempts at a transaction that keeps meeting write conflicts.
const TRANSACTION_ATTEMPTS: u32 = 8;

impl MongoStore {
    /// Connects lazily: the service starts even if MongoDB is down (it answers 503 until it is
    /// back). Indexes of the catalogue's tenants are ensured now if the server answers.
    pub async fn open(uri: &str, cfg: &StorageConfig) -> Result<Self, StoreError> {
        let m = &cfg.mongodb;
        let mut opts = ClientOptions::parse(uri)
            .await
            .map_err(|e| StoreError::Internal(format!("storage.mongodb_uri: {e}")))?;
        opts.app_name.get_or_insert_with(|| "zona-utils".into());
        opts.max_pool_size = Some(m.max_pool_size);
        opts.min_pool_size = Some(m.min_pool_size);
        opts.max_idle_time = Some(Duration::from_secs(m.max_idle_secs));
        opts.connect_timeout = Some(Duration::from_secs(m.connect_timeout_secs));
        opts.server_selection_timeout = Some(Duration::from_secs(m.server_selection_timeout_secs));
        opts.write_concern
            .get_or_insert_with(WriteConcern::majority);
        let client = Client::with_options(opts).map_err(to_store)?;
        let store = Self {
            master: client.database(&format!("{}master", m.db_prefix)),
            client,
            prefix: m.db_prefix.clone(),
            ready: RwLock::new(HashSet::new()),
            retention_days: cfg.retention_days,
            tenant_retention_days: cfg.tenant_retention_days.clone(),
            op_timeout: Duration::from_secs(m.socket_timeout_secs.max(1)),
            ping_timeout: Duration::from_secs(m.server_selection_timeout_secs.clamp(1, 2)),
        };
        match store.prepare_known_tenants().await {
            Ok(n) => tracing::info!(tenants = n, "MongoDB store ready"),
            Err(e) => {
                tracing::warn!(error = %e, "MongoDB not reachable at start; indexes will be ensured when it is")
            }
        }
        Ok(store)
    }

    async fn prepare_known_tenants(&self) -> Result<usize, StoreError> {
        let tenants = self.list_tenants().await?;
        for t in &tenants {
            if let Ok(code) = TenantCode::parse(&t.tenantcode) {
                self.ensure_tenant(&code).await?;
            }
        }
        Ok(tenants.len())
    }

    fn db(&self, tenant: &TenantCode) -> Database {
        self.client
            .database(&format!("{}t_{}", self.prefix, tenant.as_str()))
    }

    fn coll<T: Send + Sync>(&self, tenant: &TenantCode, name: &str) -> Collection<T> {
        self.db(tenant).collection(name)
    }

    /// When an execution or audit entry written now expires, by the tenant's retention.
    fn expire_at(&self, tenant: &TenantCode, from_millis: i64) -> Option<DateTime> {
        let days = self
            .tenant_retention_days
            .get(tenant.as_str())
            .copied()
            .unwrap_or(self.retention_days);
        (days > 0).then(|| DateTime::from_millis(from_millis + i64::from(days) * 86_400_000))
    }

    /// Bounds an operation and maps its error.
    async fn op<T>(
        &self,
        fut: impl Future<Output = mongodb::error::Result<T>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.op_timeout, fut).await {
            Ok(r) => r.map_err(to_store),
            Err(_) => Err(StoreError::Unavailable(format!(
                "MongoDB did not answer within {:?}",
                self.op_timeout
            ))),
        }
    }

    /// Runs `body` in a transaction, again on write conflicts; commits, retrying a commit whose
    /// outcome is unknown (commit is idempotent). Dropping the session aborts an open
    /// transaction, so a timeout leaves nothing half-written.
    async fn transaction<T, F>(&self, mut body: F) -> Result<T, StoreError>
    where
        T: Send,
        F: for<'s> FnMut(&'s mut ClientSession) -> BoxFuture<'s, mongodb::error::Result<T>> + Send,
    {
        let run = async {
            let mut session = self.client.start_session().await?;
            let mut attempt = 0;
            loop {
                attempt += 1;
                session.start_transaction().await?;
                let out = match body(&mut session).await {
                    Ok(out) => out,
                    Err(e) => {
                        let _ = session.abort_transaction().await;
                        if is_transient(&e) && attempt < TRANSACTION_ATTEMPTS {
                            backoff(attempt).await;
                            continue;
                        }
                        return Err(e);
                    }
                };
                let mut commits = 0;
                loop {
                    commits += 1;
                    match session.commit_transaction().await {
                        Ok(()) => return Ok(out),
                        Err(e)
                            if e.contains_label(
                                mongodb::error::UNKNOWN_TRANSACTION_COMMIT_RESULT,
                            ) && commits < 3 =>
                        {
                            continue;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        };
        self.op(run).await
    }

    /// The next value of a per-tenant counter. `ensure_tenant` creates the counter document,
    /// so increments never race as first-time upserts; the upsert stays as a fallback. A reply
    /// without the document (an upsert that lost a race) is retried: its increment is a gap.
    async fn next_id(&self, tenant: &TenantCode, counter: &str) -> Result<i64, StoreError> {
        let counters = self.coll::<Document>(tenant, COUNTERS);
        for _ in 0..5 {
            let bumped = self
                .op(async {
                    match counters
                        .find_one_and_update(doc! {"_id": counter}, doc! {"$inc": {"seq": 1_i64}})
                        .upsert(true)
                        .return_document(ReturnDocument::After)
                        .await
                    {
                        Err(e) if is_duplicate_key(&e) => Ok(None),
                        other => other,
                    }
                })
                .await?;
            match bumped.as_ref().and_then(|d| d.get("seq")) {
                Some(Bson::Int64(n)) => return Ok(*n),
                Some(Bson::Int32(n)) => return Ok(i64::from(*n)),
                Some(Bson::Double(n)) => return Ok(*n as i64),
                _ => continue,
            }
        }
        Err(StoreError::Internal(format!(
            "counter {counter} of tenant {tenant} did not return its value"
        )))
    }

    async fn find_utility(
        &self,
        tenant: &TenantCode,
        filter: Document,
    ) -> Result<Option<UtilityRecord>, StoreError> {
        let tasks = self.coll::<TaskDoc>(tenant, TASKS);
        Ok(self
            .op(async { tasks.find_one(filter).await })
            .await?
            .map(TaskDoc::into_record))
    }

    /// A page sorted by `(time desc, _id desc)`, from an offset or after a keyset cursor, and
    /// the total of `filter`.
    async fn page<D>(
        &self,
        coll: Collection<D>,
        filter: Document,
        time: &'static str,
        cursor_id: impl FnOnce(&str) -> Result<Bson, StoreError>,
        projection: Option<Document>,
        page: &PageRequest,
    ) -> Result<(Vec<D>, u64), StoreError>
    where
        D: DeserializeOwned + Send + Sync,
    {
        let count = coll.count_documents(filter.clone());
        let (filter, skip) = match &page.cursor {
            Some(c) => {
                let id = cursor_id(&c.id)?;
                (
                    doc! {"$and": [filter, {"$or": [
                        {time: {"$lt": c.time}},
                        {time: c.time, "_id": {"$lt": id}},
                    ]}]},
                    0,
                )
            }
            None => (filter, page.offset),
        };
        let find = async {
            coll.find(filter)
                .sort(doc! {time: -1, "_id": -1})
                .skip(skip)
                .limit(i64::from(page.limit))
                .projection(projection.unwrap_or_default())
                .await?
                .try_collect::<Vec<D>>()
                .await
        };
        let (total, items) = self.op(async { tokio::try_join!(count, find) }).await?;
        Ok((items, total))
    }
}

async fn backoff(attempt: u32) {
    let ms = 5u64 << attempt.min(6);
    let jitter = rand::random::<u64>() % ms;
    tokio::time::sleep(Duration::from_millis(ms / 2 + jitter)).await;
}

fn next_cursor<T>(items: &[T], limit: u32, cursor_of: impl Fn(&T) -> Cursor) -> Option<String> {
    (items.len() == limit as usize)
        .then(|| items.last().map(|last| cursor_of(last).encode()))
        .flatten()
}

fn integer_id(id: &str) -> Result<Bson, StoreError> {
    id.parse::<i64>()
        .map(Bson::Int64)
        .map_err(|_| StoreError::NotFound)
}

fn string_id(id: &str) -> Result<Bson, StoreError> {
    Ok(Bson::String(id.to_owned()))
}

fn range(filter: &mut Document, field: &str, r: &TimeRange) {
    let mut cond = Document::new();
    if let Some(from) = r.from {
        cond.insert("$gte", from);
    }
    if let Some(to) = r.to {
        cond.insert("$lte", to);
    }
    if !cond.is_empty() {
        filter.insert(field, cond);
    }
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

#[async_trait]
impl Store for MongoStore {
    async fn ping(&self) -> Result<(), StoreError> {
        let admin = self.client.database("admin");
        match tokio::time::timeout(self.ping_timeout, admin.run_command(doc! {"ping": 1})).await {
            Ok(r) => r.map(|_| ()).map_err(to_store),
            Err(_) => Err(StoreError::Unavailable(format!(
                "MongoDB did not answer a ping within {:?}",
                self.ping_timeout
            ))),
        }
    }

    fn backend(&self) -> &'static str {
        "mongodb"
    }

    async fn ensure_tenant(&self, tenant: &TenantCode) -> Result<(), StoreError> {
        // Concurrent first writes may both prepare: both steps are idempotent.
        if self.ready.read().map_err(internal)?.contains(tenant) {
            return Ok(());
        }
        let tenants = self.master.collection::<Document>(TENANTS);
        let db_name = self.db(tenant).name().to_owned();
        let register = || {
            tenants
                .update_one(
                    doc! {"_id": tenant.as_str()},
                    doc! {"$setOnInsert": {
                        "tenantcode": tenant.as_str(),
                        "status": "active",
                        "createddate": crate::domain::now_millis(),
                        "database": &db_name,
                    }},
                )
                .upsert(true)
        };
        // Two first registrations can race on the `_id`; the loser's retry finds it.
        self.op(async {
            match register().await {
                Err(e) if is_duplicate_key(&e) => register().await,
                other => other,
            }
        })
        .await?;
        let db = self.db(tenant);
        self.op(indexes::ensure(&db)).await?;
        let counters = db.collection::<Document>(COUNTERS);
        self.op(async {
            match counters
                .insert_one(doc! {"_id": "utilities", "seq": 0_i64})
                .await
            {
                Err(e) if is_duplicate_key(&e) => Ok(()),
                other => other.map(|_| ()),
            }
        })
        .await?;
        self.ready.write().map_err(internal)?.insert(tenant.clone());
        Ok(())
    }

    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        let tenants = self.master.collection::<Document>(TENANTS);
        let docs: Vec<Document> = self
            .op(async {
                tenants
                    .find(doc! {})
                    .sort(doc! {"_id": 1})
                    .await?
                    .try_collect()
                    .await
            })
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| TenantRecord {
                tenantcode: d.get_str("tenantcode").unwrap_or_default().to_owned(),
                status: d.get_str("status").unwrap_or("active").to_owned(),
                createddate: d.get_i64("createddate").unwrap_or_default(),
            })
            .collect())
    }

    async fn create_utility(
        &self,
        tenant: &TenantCode,
        draft: UtilityDraft,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError> {
        self.ensure_tenant(tenant).await?;
        let id = self.next_id(tenant, "utilities").await?;
        let rec = UtilityRecord {
            id,
            version: 1,
            draft,
        };
        let task = TaskDoc::new(tenant.as_str(), &rec);
        let version = VersionDoc::new(&rec, &audit, None);
        let entry =
            AuditDoc::new(&audit, self.expire_at(tenant, audit.timestamp)).map_err(internal)?;
        let tasks = self.coll::<TaskDoc>(tenant, TASKS);
        let versions = self.coll::<VersionDoc>(tenant, VERSIONS);
        let audits = self.coll::<AuditDoc>(tenant, AUDIT);
        let name = rec.draft.name.clone();
        self.transaction(|s| {
            let (tasks, versions, audits) = (tasks.clone(), versions.clone(), audits.clone());
            let (task, version, entry, name) =
                (task.clone(), version.clone(), entry.clone(), name.clone());
            Box::pin(async move {
                match tasks.insert_one(task).session(&mut *s).await {
                    Err(e) if is_duplicate_key(&e) => return Err(abort(Abort::NameTaken(name))),
                    other => other?,
                };
                versions.insert_one(version).session(&mut *s).await?;
                audits.insert_one(entry).session(&mut *s).await?;
                Ok(())
            })
        })
        .await?;
        Ok(rec)
    }

    async fn update_utility(
        &self,
        tenant: &TenantCode,
        id: i64,
        expected_hash: &str,
        draft: UtilityDraft,
        restored_from: Option<i64>,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError> {
        self.ensure_tenant(tenant).await?;
        // Version is filled in from the stored document inside the transaction.
        let mut rec = UtilityRecord {
            id,
            version: 0,
            draft,
        };
        let set = TaskDoc::new(tenant.as_str(), &rec)
            .update_set()
            .map_err(internal)?;
        let entry =
            AuditDoc::new(&audit, self.expire_at(tenant, audit.timestamp)).map_err(internal)?;
        let tasks = self.coll::<TaskDoc>(tenant, TASKS);
        let versions = self.coll::<VersionDoc>(tenant, VERSIONS);
        let audits = self.coll::<AuditDoc>(tenant, AUDIT);
        let expected = expected_hash.to_owned();
        let template = rec.clone();
        let version = self
            .transaction(|s| {
                let (tasks, versions, audits) = (tasks.clone(), versions.clone(), audits.clone());
                let (set, entry, expected, audit, template) = (
                    set.clone(),
                    entry.clone(),
                    expected.clone(),
                    audit.clone(),
                    template.clone(),
                );
                Box::pin(async move {
                    let tasks = tasks.clone_with_type::<Document>();
                    // The filehash check is the update's filter: the check and the write are one
                    // step, and a concurrent transaction that changed it conflicts with this one.
                    let updated = tasks
                        .find_one_and_update(
                            doc! {"_id": id, "filehash": &expected},
                            doc! {"$set": set, "$inc": {"version": 1_i64}},
                        )
                        .projection(doc! {"version": 1})
                        .return_document(ReturnDocument::After)
                        .session(&mut *s)
                        .await;
                    let current = match updated {
                        Err(e) if is_duplicate_key(&e) => {
                            return Err(abort(Abort::NameTaken(template.draft.name.clone())));
                        }
                        other => other?,
                    };
                    let Some(current) = current else {
                        let exists = tasks
                            .find_one(doc! {"_id": id})
                            .projection(doc! {"_id": 1})
                            .session(&mut *s)
                            .await?;
                        return Err(abort(if exists.is_some() {
                            Abort::Stale
                        } else {
                            Abort::NotFound
                        }));
                    };
                    let version = current.get_i64("version").unwrap_or_default();
                    let mut rec = template;
                    rec.version = version;
                    versions
                        .insert_one(VersionDoc::new(&rec, &audit, restored_from))
                        .session(&mut *s)
                        .await?;
                    audits.insert_one(entry).session(&mut *s).await?;
                    Ok(version)
                })
            })
            .await?;
        rec.version = version;
        Ok(rec)
    }

    async fn set_status(
        &self,
        tenant: &TenantCode,
        id: i64,
        status: Status,
        updateddate: i64,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError> {
        self.ensure_tenant(tenant).await?;
        let entry =
            AuditDoc::new(&audit, self.expire_at(tenant, audit.timestamp)).map_err(internal)?;
        let tasks = self.coll::<TaskDoc>(tenant, TASKS);
        let audits = self.coll::<AuditDoc>(tenant, AUDIT);
        let doc = self
            .transaction(|s| {
                let (tasks, audits, entry) = (tasks.clone(), audits.clone(), entry.clone());
                Box::pin(async move {
                    let doc = tasks
                        .find_one_and_update(
                            doc! {"_id": id},
                            doc! {"$set": {"status": status.as_str(), "updateddate": updateddate}},
                        )
                        .return_document(ReturnDocument::After)
                        .session(&mut *s)
                        .await?
                        .ok_or_else(|| abort(Abort::NotFound))?;
                    audits.insert_one(entry).session(&mut *s).await?;
                    Ok(doc)
                })
            })
            .await?;
        Ok(doc.into_record())
    }

    async fn utility_by_id(
        &self,
        tenant: &TenantCode,
        id: i64,
    ) -> Result<Option<UtilityRecord>, StoreError> {
        self.find_utility(tenant, doc! {"_id": id}).await
    }

    async fn utility_by_name(
        &self,
        tenant: &TenantCode,
        name: &str,
    ) -> Result<Option<UtilityRecord>, StoreError> {
        self.find_utility(tenant, doc! {"name": name}).await
    }

    async fn list_utilities(
        &self,
        tenant: &TenantCode,
        q: &UtilityQuery,
    ) -> Result<Page<UtilityRecord>, StoreError> {
        let mut filter = Document::new();
        if let Some(owner) = q.owner {
            filter.insert("userid", owner.0);
        }
        if !q.statuses.is_empty() {
            let statuses: Vec<&str> = q.statuses.iter().map(|s| s.as_str()).collect();
            filter.insert("status", doc! {"$in": statuses});
        }
        if let Some(cat) = &q.category {
            filter.insert("category", cat.as_str());
        }
        if let Some(prefix) = &q.name_prefix {
            // A range, not a regex: no escaping, and case-sensitive like names.
            filter.insert(
                "name",
                doc! {"$gte": prefix.as_str(), "$lt": format!("{prefix}\u{10FFFF}")},
            );
        }
        let (docs, total) = self
            .page(
                self.coll::<TaskDoc>(tenant, TASKS),
                filter,
                "updateddate",
                integer_id,
                Some(doc! {"filecontents": 0}),
                &q.page,
            )
            .await?;
        let items: Vec<UtilityRecord> = docs.into_iter().map(TaskDoc::into_record).collect();
        let next_cursor = next_cursor(&items, q.page.limit, |u| Cursor {
            time: u.draft.updateddate,
            id: u.id.to_string(),
        });
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }

    async fn list_versions(
        &self,
        tenant: &TenantCode,
        utility_id: i64,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let versions = self.coll::<VersionDoc>(tenant, VERSIONS);
        let docs: Vec<VersionDoc> = self
            .op(async {
                versions
                    .find(doc! {"utility_id": utility_id})
                    .sort(doc! {"version": -1})
                    .projection(doc! {"filecontents": 0})
                    .await?
                    .try_collect()
                    .await
            })
            .await?;
        Ok(docs.into_iter().map(VersionDoc::into_record).collect())
    }

    async fn version(
        &self,
        tenant: &TenantCode,
        utility_id: i64,
        version: i64,
    ) -> Result<Option<VersionRecord>, StoreError> {
        let versions = self.coll::<VersionDoc>(tenant, VERSIONS);
        Ok(self
            .op(async {
                versions
                    .find_one(doc! {"utility_id": utility_id, "version": version})
                    .await
            })
            .await?
            .map(VersionDoc::into_record))
    }

    async fn append_audit(
        &self,
        tenant: &TenantCode,
        entry: AuditRecord,
    ) -> Result<(), StoreError> {
        self.append_audit_batch(tenant, vec![entry]).await
    }

    /// One unordered insert; entries already there (a retried batch) count as written.
    async fn append_audit_batch(
        &self,
        tenant: &TenantCode,
        entries: Vec<AuditRecord>,
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.ensure_tenant(tenant).await?;
        let docs = entries
            .iter()
            .map(|a| AuditDoc::new(a, self.expire_at(tenant, a.timestamp)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        let audits = self.coll::<AuditDoc>(tenant, AUDIT);
        self.op(async {
            match audits.insert_many(docs).ordered(false).await {
                Err(e) if only_duplicates(&e) => Ok(()),
                other => other.map(|_| ()),
            }
        })
        .await
    }

    async fn list_audit(
        &self,
        tenant: &TenantCode,
        q: &AuditQuery,
    ) -> Result<Page<AuditRecord>, StoreError> {
        let mut filter = Document::new();
        if let Some(user) = q.user {
            filter.insert("userid", user.0);
        }
        if let Some(action) = &q.action {
            filter.insert("action", action.as_str());
        }
        range(&mut filter, "timestamp", &q.range);
        let (docs, total) = self
            .page(
                self.coll::<AuditDoc>(tenant, AUDIT),
                filter,
                "timestamp",
                string_id,
                None,
                &q.page,
            )
            .await?;
        let items: Vec<AuditRecord> = docs.into_iter().map(AuditDoc::into_record).collect();
        let next_cursor = next_cursor(&items, q.page.limit, |a| Cursor {
            time: a.timestamp,
            id: a.id.clone(),
        });
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }

    async fn insert_executions(
        &self,
        tenant: &TenantCode,
        records: Vec<ExecutionRecord>,
    ) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        self.ensure_tenant(tenant).await?;
        let docs: Vec<ExecutionDoc> = records
            .iter()
            .map(|e| ExecutionDoc::new(e, self.expire_at(tenant, e.createddate)))
            .collect();
        let executions = self.coll::<ExecutionDoc>(tenant, EXECUTIONS);
        self.op(async {
            match executions.insert_many(docs).ordered(false).await {
                Err(e) if only_duplicates(&e) => Ok(()),
                other => other.map(|_| ()),
            }
        })
        .await
    }

    async fn list_executions(
        &self,
        tenant: &TenantCode,
        q: &ExecutionQuery,
    ) -> Result<Page<ExecutionRecord>, StoreError> {
        let mut filter = Document::new();
        if let Some(t) = q.taskid {
            filter.insert("taskid", t);
        }
        if let Some(u) = q.user {
            filter.insert("userid", u.0);
        }
        if let Some(s) = &q.status {
            filter.insert("status", s.as_str());
        }
        range(&mut filter, "createddate", &q.range);
        let (docs, total) = self
            .page(
                self.coll::<ExecutionDoc>(tenant, EXECUTIONS),
                filter,
                "createddate",
                string_id,
                None,
                &q.page,
            )
            .await?;
        let items: Vec<ExecutionRecord> = docs.into_iter().map(ExecutionDoc::into_record).collect();
        let next_cursor = next_cursor(&items, q.page.limit, |e| Cursor {
            time: e.createddate,
            id: e.id.clone(),
        });
        Ok(Page {
            items,
            total,
            next_cursor,
        })
    }
}

/// Opens the store for `uri`, shared as `Arc<dyn Store>`.
pub async fn open(
    uri: &secrecy::SecretString,
    cfg: &StorageConfig,
) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(MongoStore::open(uri.expose_secret(), cfg).await?))
}

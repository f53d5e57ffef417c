//! The embedded store: one SQLite file per tenant under `<data_dir>/tenants/`, plus
//! `<data_dir>/master.sqlite` for the tenant catalogue. No server; the default.
//!
//! SQLite calls block, so each runs on tokio's blocking pool. Writes take the database's write
//! lock up front (`BEGIN IMMEDIATE`) so that the filehash check and the update cannot interleave
//! with another writer.

use super::*;
use crate::domain::{Status, TenantCode, UserId};
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params, params_from_iter};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

type Db = Pool<SqliteConnectionManager>;

pub struct EmbeddedStore {
    root: PathBuf,
    master: Db,
    tenants: RwLock<HashMap<TenantCode, Db>>,
}

const MASTER_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tenants (
    tenantcode TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    createddate INTEGER NOT NULL
);";

const TENANT_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS utilities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    displayname TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    userid INTEGER NOT NULL,
    createddate INTEGER NOT NULL,
    updateddate INTEGER NOT NULL,
    input_params TEXT NOT NULL,
    fields TEXT NOT NULL,
    outputfields TEXT NOT NULL,
    packages TEXT NOT NULL,
    filehash TEXT NOT NULL,
    code BLOB NOT NULL,
    warnings TEXT NOT NULL
);
-- Lists walk one of these in order and stop after the page.
CREATE INDEX IF NOT EXISTS utilities_updated ON utilities (updateddate DESC, id DESC);
CREATE INDEX IF NOT EXISTS utilities_owner_updated ON utilities (userid, updateddate DESC, id DESC);
CREATE INDEX IF NOT EXISTS utilities_category_updated ON utilities (category, updateddate DESC, id DESC);
-- Totals for list pages, kept in the same transactions as the rows, so that a page's count is a
-- lookup rather than a walk over the tenant's utilities. Facets: 'all', 'user:<id>', 'category:<c>'.
CREATE TABLE IF NOT EXISTS utility_counts (
    facet TEXT NOT NULL,
    status TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (facet, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (
    utility_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    filehash TEXT NOT NULL,
    userid INTEGER NOT NULL,
    createddate INTEGER NOT NULL,
    action TEXT NOT NULL,
    restored_from INTEGER,
    code BLOB NOT NULL,
    PRIMARY KEY (utility_id, version)
);
CREATE TABLE IF NOT EXISTS audit (
    id TEXT PRIMARY KEY,
    userid INTEGER NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    details TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit (timestamp DESC, id DESC);
CREATE INDEX IF NOT EXISTS audit_user_time ON audit (userid, timestamp DESC, id DESC);
CREATE TABLE IF NOT EXISTS executions (
    id TEXT PRIMARY KEY,
    taskid INTEGER NOT NULL,
    userid INTEGER NOT NULL,
    createddate INTEGER NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT NOT NULL,
    execution_time REAL NOT NULL,
    error_message TEXT NOT NULL,
    logs TEXT NOT NULL,
    name TEXT NOT NULL,
    fuel_used INTEGER NOT NULL,
    peak_memory_bytes INTEGER NOT NULL,
    runtime TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_time ON executions (createddate DESC, id DESC);
CREATE INDEX IF NOT EXISTS executions_task_user_time ON executions (taskid, userid, createddate DESC);
";

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn open_pool(path: &Path, schema: &'static str) -> Result<Db, StoreError> {
    let manager = SqliteConnectionManager::file(path).with_init(|c| {
        // FULL: an acknowledged write survives a power cut, not only a crash.
        c.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
        )
    });
    let pool = Pool::builder()
        .max_size(8)
        .min_idle(Some(1))
        // A file that cannot be opened fails every attempt: say so after a while, not r2d2's 30 s.
        .connection_timeout(std::time::Duration::from_secs(10))
        .build(manager)
        .map_err(internal)?;
    let conn = pool.get().map_err(internal)?;
    conn.execute_batch(schema).map_err(internal)?;
    if schema == TENANT_SCHEMA {
        backfill_counts(&conn)?;
    }
    drop(conn);
    Ok(pool)
}

impl EmbeddedStore {
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let root = data_dir.to_owned();
        std::fs::create_dir_all(root.join("tenants")).map_err(internal)?;
        let master = open_pool(&root.join("master.sqlite"), MASTER_SCHEMA)?;
        Ok(Self {
            root,
            master,
            tenants: RwLock::new(HashMap::new()),
        })
    }

    fn tenant_path(&self, tenant: &TenantCode) -> PathBuf {
        // TenantCode's alphabet makes this a plain file name.
        self.root
            .join("tenants")
            .join(format!("{}.sqlite", tenant.as_str()))
    }

    /// The tenant's pool; `None` if the tenant has no file yet and `create` is false, so that
    /// reads of unknown tenants never create files.
    fn db(&self, tenant: &TenantCode, create: bool) -> Result<Option<Db>, StoreError> {
        if let Some(db) = self.tenants.read().map_err(internal)?.get(tenant) {
            return Ok(Some(db.clone()));
        }
        let path = self.tenant_path(tenant);
        if !create && !path.exists() {
            return Ok(None);
        }
        let mut map = self.tenants.write().map_err(internal)?;
        if let Some(db) = map.get(tenant) {
            return Ok(Some(db.clone()));
        }
        let db = open_pool(&path, TENANT_SCHEMA)?;
        map.insert(tenant.clone(), db.clone());
        Ok(Some(db))
    }

    /// Runs `f` on a connection of the tenant's database on the blocking pool.
    async fn with_db<T, F>(
        &self,
        tenant: &TenantCode,
        create: bool,
        f: F,
    ) -> Result<Option<T>, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let Some(db) = self.db(tenant, create)? else {
            return Ok(None);
        };
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get().map_err(internal)?;
            f(&mut conn).map(Some)
        })
        .await
        .map_err(internal)?
    }

    async fn write<T, F>(&self, tenant: &TenantCode, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.ensure_tenant(tenant).await?;
        self.with_db(tenant, true, f)
            .await?
            .ok_or_else(|| StoreError::Internal("tenant database vanished".into()))
    }
}

const UTILITY_COLUMNS: &str = "id, version, name, displayname, description, category, status, userid, \
     createddate, updateddate, input_params, fields, outputfields, packages, filehash, warnings";

fn utility_from_row(row: &Row<'_>, code: Vec<u8>) -> rusqlite::Result<UtilityRecord> {
    let status: String = row.get("status")?;
    let packages: String = row.get("packages")?;
    Ok(UtilityRecord {
        id: row.get("id")?,
        version: row.get("version")?,
        draft: UtilityDraft {
            name: row.get("name")?,
            displayname: row.get("displayname")?,
            description: row.get("description")?,
            category: row.get("category")?,
            status: Status::parse(&status).unwrap_or(Status::Inactive),
            userid: UserId(row.get("userid")?),
            createddate: row.get("createddate")?,
            updateddate: row.get("updateddate")?,
            input_params: row.get("input_params")?,
            fields: row.get("fields")?,
            outputfields: row.get("outputfields")?,
            packages: serde_json::from_str(&packages).unwrap_or_default(),
            filehash: row.get("filehash")?,
            code,
            warnings: row.get("warnings")?,
        },
    })
}

fn load_utility(
    conn: &Connection,
    filter: &str,
    key: Sql,
) -> Result<Option<UtilityRecord>, StoreError> {
    conn.query_row(
        &format!("SELECT {UTILITY_COLUMNS}, code FROM utilities WHERE {filter} = ?1"),
        [key],
        |row| {
            let code: Vec<u8> = row.get("code")?;
            utility_from_row(row, code)
        },
    )
    .optional()
    .map_err(internal)
}

fn insert_version(
    conn: &Connection,
    rec: &UtilityRecord,
    audit: &AuditRecord,
    restored_from: Option<i64>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO versions (utility_id, version, name, filehash, userid, createddate, action, restored_from, code)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            rec.id,
            rec.version,
            rec.draft.name,
            rec.draft.filehash,
            audit.userid.0,
            audit.timestamp,
            audit.action,
            restored_from,
            rec.draft.code
        ],
    )
    .map_err(internal)?;
    Ok(())
}

fn insert_audit(conn: &Connection, a: &AuditRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO audit (id, userid, role, action, resource, timestamp, details, request_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            a.id,
            a.userid.0,
            a.role,
            a.action,
            a.resource,
            a.timestamp,
            a.details.to_string(),
            a.request_id
        ],
    )
    .map_err(internal)?;
    Ok(())
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

fn next_id(conn: &Connection, counter: &str) -> Result<i64, StoreError> {
    conn.query_row(
        "INSERT INTO counters (name, value) VALUES (?1, 1)
         ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
        [counter],
        |r| r.get(0),
    )
    .map_err(internal)
}

/// The facets a utility is counted under.
fn facets(userid: i64, category: &str) -> [String; 3] {
    [
        "all".to_owned(),
        format!("user:{userid}"),
        format!("category:{category}"),
    ]
}

fn bump_counts(
    conn: &Connection,
    userid: i64,
    category: &str,
    status: &str,
    delta: i64,
) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO utility_counts (facet, status, n) VALUES (?1, ?2, ?3)
             ON CONFLICT(facet, status) DO UPDATE SET n = n + excluded.n",
        )
        .map_err(internal)?;
    for facet in facets(userid, category) {
        stmt.execute(params![facet, status, delta])
            .map_err(internal)?;
    }
    Ok(())
}

/// (userid, category, status) of a stored utility, to move its counts.
fn counted(conn: &Connection, id: i64) -> Result<Option<(i64, String, String)>, StoreError> {
    conn.query_row(
        "SELECT userid, category, status FROM utilities WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
    .map_err(internal)
}

/// Databases written before the counts existed get them once.
fn backfill_counts(conn: &Connection) -> Result<(), StoreError> {
    let has_counts: bool = conn
        .query_row("SELECT EXISTS(SELECT 1 FROM utility_counts)", [], |r| {
            r.get(0)
        })
        .map_err(internal)?;
    if has_counts {
        return Ok(());
    }
    conn.execute_batch(
        "INSERT INTO utility_counts (facet, status, n)
           SELECT 'all', status, COUNT(*) FROM utilities GROUP BY status
         UNION ALL SELECT 'user:' || userid, status, COUNT(*) FROM utilities GROUP BY userid, status
         UNION ALL SELECT 'category:' || category, status, COUNT(*) FROM utilities GROUP BY category, status;",
    )
    .map_err(internal)
}

/// The total for a list query from the counts, where its filters are ones the counts cover.
fn counted_total(conn: &Connection, q: &UtilityQuery) -> Result<Option<u64>, StoreError> {
    let facet = match (q.owner, &q.category, &q.name_prefix) {
        (None, None, None) => "all".to_owned(),
        (Some(u), None, None) => format!("user:{}", u.0),
        (None, Some(c), None) => format!("category:{c}"),
        _ => return Ok(None),
    };
    let mut total = 0i64;
    for status in &q.statuses {
        total += conn
            .query_row(
                "SELECT n FROM utility_counts WHERE facet = ?1 AND status = ?2",
                params![facet, status.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map_err(internal)?
            .unwrap_or(0);
    }
    Ok(Some(total.max(0) as u64))
}

/// Appends `AND`-ed conditions and their values; keeps the SQL free of user text.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    values: Vec<Sql>,
}

impl Where {
    fn add(&mut self, clause: &str, values: impl IntoIterator<Item = Sql>) {
        self.clauses.push(clause.to_owned());
        self.values.extend(values);
    }

    fn range(&mut self, column: &str, range: &TimeRange) {
        if let Some(from) = range.from {
            self.add(&format!("{column} >= ?"), [Sql::Integer(from)]);
        }
        if let Some(to) = range.to {
            self.add(&format!("{column} <= ?"), [Sql::Integer(to)]);
        }
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// A listable table: sorted by (`time_col` desc, `id_col` desc), with an index on both.
#[derive(Clone, Copy)]
struct Listing {
    table: &'static str,
    columns: &'static str,
    time_col: &'static str,
    id_col: &'static str,
    integer_ids: bool,
}

const UTILITIES: Listing = Listing {
    table: "utilities",
    columns: UTILITY_COLUMNS,
    time_col: "updateddate",
    id_col: "id",
    integer_ids: true,
};
const AUDIT: Listing = Listing {
    table: "audit",
    columns: "id, userid, role, action, resource, timestamp, details, request_id",
    time_col: "timestamp",
    id_col: "id",
    integer_ids: false,
};
const EXECUTIONS: Listing = Listing {
    table: "executions",
    columns: "*",
    time_col: "createddate",
    id_col: "id",
    integer_ids: false,
};

/// Runs a count and a keyset/offset page query over `listing`.
fn page<T>(
    conn: &Connection,
    listing: &Listing,
    total: Option<u64>,
    mut filter: Where,
    page: &PageRequest,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    cursor_of: impl Fn(&T) -> Cursor,
) -> Result<Page<T>, StoreError> {
    let Listing {
        table,
        columns,
        time_col,
        id_col,
        integer_ids: id_is_integer,
    } = *listing;
    let total = match total {
        Some(t) => t as i64,
        None => conn
            .query_row(
                &format!("SELECT COUNT(*) FROM {table} {}", filter.sql()),
                params_from_iter(filter.values.iter()),
                |r| r.get(0),
            )
            .map_err(internal)?,
    };
    let mut offset = page.offset;
    if let Some(c) = &page.cursor {
        let id = if id_is_integer {
            Sql::Integer(c.id.parse().map_err(|_| StoreError::NotFound)?)
        } else {
            Sql::Text(c.id.clone())
        };
        filter.add(
            &format!("({time_col}, {id_col}) < (?, ?)"),
            [Sql::Integer(c.time), id],
        );
        offset = 0;
    }
    let sql = format!(
        "SELECT {columns} FROM {table} {} ORDER BY {time_col} DESC, {id_col} DESC LIMIT ? OFFSET ?",
        filter.sql()
    );
    let mut values = filter.values;
    values.push(Sql::Integer(i64::from(page.limit)));
    values.push(Sql::Integer(offset as i64));
    let mut stmt = conn.prepare_cached(&sql).map_err(internal)?;
    let items = stmt
        .query_map(params_from_iter(values.iter()), map)
        .map_err(internal)?
        .collect::<Result<Vec<T>, _>>()
        .map_err(internal)?;
    let next_cursor = (items.len() == page.limit as usize)
        .then(|| items.last().map(|last| cursor_of(last).encode()))
        .flatten();
    Ok(Page {
        items,
        total: total as u64,
        next_cursor,
    })
}

fn audit_from_row(row: &Row<'_>, tenant: &str) -> rusqlite::Result<AuditRecord> {
    let details: String = row.get("details")?;
    Ok(AuditRecord {
        id: row.get("id")?,
        tenantcode: tenant.to_owned(),
        userid: UserId(row.get("userid")?),
        role: row.get("role")?,
        action: row.get("action")?,
        resource: row.get("resource")?,
        timestamp: row.get("timestamp")?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
        request_id: row.get("request_id")?,
    })
}

fn execution_from_row(row: &Row<'_>, tenant: &str) -> rusqlite::Result<ExecutionRecord> {
    let logs: String = row.get("logs")?;
    Ok(ExecutionRecord {
        id: row.get("id")?,
        taskid: row.get("taskid")?,
        userid: UserId(row.get("userid")?),
        tenantcode: tenant.to_owned(),
        createddate: row.get("createddate")?,
        request: row.get("request")?,
        response: row.get("response")?,
        status: row.get("status")?,
        outcome: row.get("outcome")?,
        execution_time: row.get("execution_time")?,
        error_message: row.get("error_message")?,
        logs: serde_json::from_str(&logs).unwrap_or_default(),
        name: row.get("name")?,
        fuel_used: row.get::<_, i64>("fuel_used")? as u64,
        peak_memory_bytes: row.get::<_, i64>("peak_memory_bytes")? as u64,
        runtime: row.get("runtime")?,
    })
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn ping(&self) -> Result<(), StoreError> {
        let master = self.master.clone();
        tokio::task::spawn_blocking(move || {
            master
                .get()
                .map_err(internal)?
                .query_row("SELECT 1", [], |_| Ok(()))
                .map_err(internal)
        })
        .await
        .map_err(internal)?
    }

    fn backend(&self) -> &'static str {
        "embedded"
    }

    async fn ensure_tenant(&self, tenant: &TenantCode) -> Result<(), StoreError> {
        let known = self.tenants.read().map_err(internal)?.contains_key(tenant);
        if known {
            return Ok(());
        }
        let master = self.master.clone();
        let code = tenant.as_str().to_owned();
        tokio::task::spawn_blocking(move || {
            master
                .get()
                .map_err(internal)?
                .execute(
                    "INSERT OR IGNORE INTO tenants (tenantcode, status, createddate) VALUES (?1, 'active', ?2)",
                    params![code, crate::domain::now_millis()],
                )
                .map_err(internal)
        })
        .await
        .map_err(internal)??;
        self.db(tenant, true)?;
        Ok(())
    }

    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        let master = self.master.clone();
        tokio::task::spawn_blocking(move || {
            let conn = master.get().map_err(internal)?;
            let mut stmt = conn
                .prepare("SELECT tenantcode, status, createddate FROM tenants ORDER BY tenantcode")
                .map_err(internal)?;
            stmt.query_map([], |r| {
                Ok(TenantRecord {
                    tenantcode: r.get(0)?,
                    status: r.get(1)?,
                    createddate: r.get(2)?,
                })
            })
            .map_err(internal)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)
        })
        .await
        .map_err(internal)?
    }

    async fn create_utility(
        &self,
        tenant: &TenantCode,
        draft: UtilityDraft,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError> {
        self.write(tenant, move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(internal)?;
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM utilities WHERE name = ?1)",
                    [&draft.name],
                    |r| r.get(0),
                )
                .map_err(internal)?;
            if taken {
                return Err(StoreError::NameTaken(draft.name));
            }
            let rec = UtilityRecord {
                id: next_id(&tx, "utilities")?,
                version: 1,
                draft,
            };
            insert_utility(&tx, &rec)?;
            bump_counts(
                &tx,
                rec.draft.userid.0,
                &rec.draft.category,
                rec.draft.status.as_str(),
                1,
            )?;
            insert_version(&tx, &rec, &audit, None)?;
            insert_audit(&tx, &audit)?;
            tx.commit().map_err(internal)?;
            Ok(rec)
        })
        .await
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
        let expected_hash = expected_hash.to_owned();
        self.write(tenant, move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(internal)?;
            let current: Option<(String, i64)> = tx
                .query_row("SELECT filehash, version FROM utilities WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(internal)?;
            let Some((hash, version)) = current else {
                return Err(StoreError::NotFound);
            };
            if hash != expected_hash {
                return Err(StoreError::Stale);
            }
            let old = counted(&tx, id)?;
            let rec = UtilityRecord {
                id,
                version: version + 1,
                draft,
            };
            let d = &rec.draft;
            let result = tx.execute(
                "UPDATE utilities SET version = ?2, name = ?3, displayname = ?4, description = ?5, category = ?6,
                 status = ?7, userid = ?8, updateddate = ?9, input_params = ?10, fields = ?11, outputfields = ?12,
                 packages = ?13, filehash = ?14, code = ?15, warnings = ?16 WHERE id = ?1",
                params![
                    id,
                    rec.version,
                    d.name,
                    d.displayname,
                    d.description,
                    d.category,
                    d.status.as_str(),
                    d.userid.0,
                    d.updateddate,
                    d.input_params,
                    d.fields,
                    d.outputfields,
                    serde_json::to_string(&d.packages).map_err(internal)?,
                    d.filehash,
                    d.code,
                    d.warnings
                ],
            );
            match result {
                Err(e) if is_unique_violation(&e) => return Err(StoreError::NameTaken(rec.draft.name)),
                other => other.map_err(internal)?,
            };
            if let Some((user, category, status)) = old {
                bump_counts(&tx, user, &category, &status, -1)?;
            }
            bump_counts(&tx, rec.draft.userid.0, &rec.draft.category, rec.draft.status.as_str(), 1)?;
            insert_version(&tx, &rec, &audit, restored_from)?;
            insert_audit(&tx, &audit)?;
            tx.commit().map_err(internal)?;
            Ok(rec)
        })
        .await
    }

    async fn set_status(
        &self,
        tenant: &TenantCode,
        id: i64,
        status: Status,
        updateddate: i64,
        audit: AuditRecord,
    ) -> Result<UtilityRecord, StoreError> {
        self.write(tenant, move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(internal)?;
            let old = counted(&tx, id)?;
            let n = tx
                .execute(
                    "UPDATE utilities SET status = ?2, updateddate = ?3 WHERE id = ?1",
                    params![id, status.as_str(), updateddate],
                )
                .map_err(internal)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            if let Some((user, category, old_status)) = old {
                bump_counts(&tx, user, &category, &old_status, -1)?;
                bump_counts(&tx, user, &category, status.as_str(), 1)?;
            }
            insert_audit(&tx, &audit)?;
            let rec = load_utility(&tx, "id", Sql::Integer(id))?.ok_or(StoreError::NotFound)?;
            tx.commit().map_err(internal)?;
            Ok(rec)
        })
        .await
    }

    async fn utility_by_id(
        &self,
        tenant: &TenantCode,
        id: i64,
    ) -> Result<Option<UtilityRecord>, StoreError> {
        Ok(self
            .with_db(tenant, false, move |c| {
                load_utility(c, "id", Sql::Integer(id))
            })
            .await?
            .flatten())
    }

    async fn utility_by_name(
        &self,
        tenant: &TenantCode,
        name: &str,
    ) -> Result<Option<UtilityRecord>, StoreError> {
        let name = name.to_owned();
        Ok(self
            .with_db(tenant, false, move |c| {
                load_utility(c, "name", Sql::Text(name))
            })
            .await?
            .flatten())
    }

    async fn list_utilities(
        &self,
        tenant: &TenantCode,
        query: &UtilityQuery,
    ) -> Result<Page<UtilityRecord>, StoreError> {
        let q = query.clone();
        let empty = Page {
            items: vec![],
            total: 0,
            next_cursor: None,
        };
        Ok(self
            .with_db(tenant, false, move |conn| {
                let mut w = Where::default();
                if let Some(owner) = q.owner {
                    w.add("userid = ?", [Sql::Integer(owner.0)]);
                }
                if !q.statuses.is_empty() {
                    let marks = vec!["?"; q.statuses.len()].join(", ");
                    w.add(
                        &format!("status IN ({marks})"),
                        q.statuses.iter().map(|s| Sql::Text(s.as_str().to_owned())),
                    );
                }
                if let Some(cat) = &q.category {
                    w.add("category = ?", [Sql::Text(cat.clone())]);
                }
                if let Some(prefix) = &q.name_prefix {
                    // A range, not LIKE: no wildcard escaping, and case-sensitive like names.
                    w.add(
                        "name >= ? AND name < ?",
                        [
                            Sql::Text(prefix.clone()),
                            Sql::Text(format!("{prefix}\u{10FFFF}")),
                        ],
                    );
                }
                page(
                    conn,
                    &UTILITIES,
                    counted_total(conn, &q)?,
                    w,
                    &q.page,
                    |r| utility_from_row(r, Vec::new()),
                    |u: &UtilityRecord| Cursor {
                        time: u.draft.updateddate,
                        id: u.id.to_string(),
                    },
                )
            })
            .await?
            .unwrap_or(empty))
    }

    async fn list_versions(
        &self,
        tenant: &TenantCode,
        utility_id: i64,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        Ok(self
            .with_db(tenant, false, move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT utility_id, version, name, filehash, userid, createddate, action, restored_from
                         FROM versions WHERE utility_id = ?1 ORDER BY version DESC",
                    )
                    .map_err(internal)?;
                stmt.query_map([utility_id], |r| version_from_row(r, Vec::new()))
                    .map_err(internal)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(internal)
            })
            .await?
            .unwrap_or_default())
    }

    async fn version(
        &self,
        tenant: &TenantCode,
        utility_id: i64,
        version: i64,
    ) -> Result<Option<VersionRecord>, StoreError> {
        Ok(self
            .with_db(tenant, false, move |conn| {
                conn.query_row(
                    "SELECT utility_id, version, name, filehash, userid, createddate, action, restored_from, code
                     FROM versions WHERE utility_id = ?1 AND version = ?2",
                    [utility_id, version],
                    |r| {
                        let code: Vec<u8> = r.get("code")?;
                        version_from_row(r, code)
                    },
                )
                .optional()
                .map_err(internal)
            })
            .await?
            .flatten())
    }

    async fn append_audit(
        &self,
        tenant: &TenantCode,
        entry: AuditRecord,
    ) -> Result<(), StoreError> {
        self.write(tenant, move |conn| insert_audit(conn, &entry))
            .await
    }

    async fn append_audit_batch(
        &self,
        tenant: &TenantCode,
        entries: Vec<AuditRecord>,
    ) -> Result<(), StoreError> {
        self.write(tenant, move |conn| {
            let tx = conn.transaction().map_err(internal)?;
            for e in &entries {
                insert_audit(&tx, e)?;
            }
            tx.commit().map_err(internal)
        })
        .await
    }

    async fn list_audit(
        &self,
        tenant: &TenantCode,
        query: &AuditQuery,
    ) -> Result<Page<AuditRecord>, StoreError> {
        let q = query.clone();
        let code = tenant.as_str().to_owned();
        Ok(self
            .with_db(tenant, false, move |conn| {
                let mut w = Where::default();
                if let Some(user) = q.user {
                    w.add("userid = ?", [Sql::Integer(user.0)]);
                }
                if let Some(action) = &q.action {
                    w.add("action = ?", [Sql::Text(action.clone())]);
                }
                w.range("timestamp", &q.range);
                page(
                    conn,
                    &AUDIT,
                    None,
                    w,
                    &q.page,
                    |r| audit_from_row(r, &code),
                    |a: &AuditRecord| Cursor {
                        time: a.timestamp,
                        id: a.id.clone(),
                    },
                )
            })
            .await?
            .unwrap_or(Page {
                items: vec![],
                total: 0,
                next_cursor: None,
            }))
    }

    async fn insert_executions(
        &self,
        tenant: &TenantCode,
        records: Vec<ExecutionRecord>,
    ) -> Result<(), StoreError> {
        self.write(tenant, move |conn| {
            let tx = conn.transaction().map_err(internal)?;
            {
                let mut stmt = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO executions (id, taskid, userid, createddate, request, response, status, outcome,
                         execution_time, error_message, logs, name, fuel_used, peak_memory_bytes, runtime)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                    )
                    .map_err(internal)?;
                for e in &records {
                    stmt.execute(params![
                        e.id,
                        e.taskid,
                        e.userid.0,
                        e.createddate,
                        e.request,
                        e.response,
                        e.status,
                        e.outcome,
                        e.execution_time,
                        e.error_message,
                        serde_json::to_string(&e.logs).map_err(internal)?,
                        e.name,
                        e.fuel_used as i64,
                        e.peak_memory_bytes as i64,
                        e.runtime
                    ])
                    .map_err(internal)?;
                }
            }
            tx.commit().map_err(internal)
        })
        .await
    }

    async fn list_executions(
        &self,
        tenant: &TenantCode,
        query: &ExecutionQuery,
    ) -> Result<Page<ExecutionRecord>, StoreError> {
        let q = query.clone();
        let code = tenant.as_str().to_owned();
        Ok(self
            .with_db(tenant, false, move |conn| {
                let mut w = Where::default();
                if let Some(t) = q.taskid {
                    w.add("taskid = ?", [Sql::Integer(t)]);
                }
                if let Some(u) = q.user {
                    w.add("userid = ?", [Sql::Integer(u.0)]);
                }
                if let Some(s) = &q.status {
                    w.add("status = ?", [Sql::Text(s.clone())]);
                }
                w.range("createddate", &q.range);
                page(
                    conn,
                    &EXECUTIONS,
                    None,
                    w,
                    &q.page,
                    |r| execution_from_row(r, &code),
                    |e: &ExecutionRecord| Cursor {
                        time: e.createddate,
                        id: e.id.clone(),
                    },
                )
            })
            .await?
            .unwrap_or(Page {
                items: vec![],
                total: 0,
                next_cursor: None,
            }))
    }
}

fn insert_utility(conn: &Connection, rec: &UtilityRecord) -> Result<(), StoreError> {
    let d = &rec.draft;
    let result = conn.execute(
        "INSERT INTO utilities (id, version, name, displayname, description, category, status, userid, createddate,
         updateddate, input_params, fields, outputfields, packages, filehash, code, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            rec.id,
            rec.version,
            d.name,
            d.displayname,
            d.description,
            d.category,
            d.status.as_str(),
            d.userid.0,
            d.createddate,
            d.updateddate,
            d.input_params,
            d.fields,
            d.outputfields,
            serde_json::to_string(&d.packages).map_err(internal)?,
            d.filehash,
            d.code,
            d.warnings
        ],
    );
    match result {
        Err(e) if is_unique_violation(&e) => Err(StoreError::NameTaken(d.name.clone())),
        other => other.map(|_| ()).map_err(internal),
    }
}

fn version_from_row(r: &Row<'_>, code: Vec<u8>) -> rusqlite::Result<VersionRecord> {
    Ok(VersionRecord {
        utility_id: r.get("utility_id")?,
        version: r.get("version")?,
        name: r.get("name")?,
        filehash: r.get("filehash")?,
        userid: UserId(r.get("userid")?),
        createddate: r.get("createddate")?,
        action: r.get("action")?,
        restored_from: r.get("restored_from")?,
        code,
    })
}

/// Shared so the store can be handed around as `Arc<dyn Store>`.
pub fn open(data_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(EmbeddedStore::open(data_dir)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list's cost is bounded by the page: SQLite walks an index in order and stops,
    /// with no sort of the whole table.
    #[test]
    fn list_queries_walk_an_index_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let db = open_pool(&dir.path().join("t.sqlite"), TENANT_SCHEMA).unwrap();
        let conn = db.get().unwrap();
        let plans = [
            "SELECT id FROM utilities WHERE status IN ('active','draft') ORDER BY updateddate DESC, id DESC LIMIT 50",
            "SELECT id FROM utilities WHERE userid = 3 AND status IN ('active','draft') ORDER BY updateddate DESC, id DESC LIMIT 50",
            "SELECT id FROM utilities WHERE status IN ('active') AND (updateddate, id) < (5, 5) ORDER BY updateddate DESC, id DESC LIMIT 50",
            "SELECT id FROM utilities WHERE category = 'x' AND status IN ('active','draft') ORDER BY updateddate DESC, id DESC LIMIT 50",
            "SELECT id FROM audit ORDER BY timestamp DESC, id DESC LIMIT 50",
            "SELECT id FROM executions ORDER BY createddate DESC, id DESC LIMIT 50",
        ];
        let plan_of = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.join(" | ")
        };
        for sql in plans {
            let plan = plan_of(sql);
            assert!(
                plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"),
                "{sql}: {plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{sql}: {plan}");
        }
        // A name prefix is a range on the name's index: the count and the page read only the
        // matching rows (the page sorts those), whatever the tenant's size.
        let prefix = [
            "SELECT id FROM utilities WHERE status IN ('active','draft') AND name >= 'ab' AND name < 'ab~' ORDER BY updateddate DESC, id DESC LIMIT 50",
            "SELECT COUNT(*) FROM utilities WHERE status IN ('active','draft') AND name >= 'ab' AND name < 'ab~'",
        ];
        for sql in prefix {
            let plan = plan_of(sql);
            assert!(plan.contains("(name>? AND name<?)"), "{sql}: {plan}");
        }
    }
}

#[cfg(test)]
mod count_tests {
    use super::*;
    use crate::domain::now_millis;

    fn draft(name: &str, user: i64, category: &str) -> UtilityDraft {
        UtilityDraft {
            name: name.into(),
            displayname: name.into(),
            description: String::new(),
            category: category.into(),
            status: Status::Active,
            userid: UserId(user),
            createddate: now_millis(),
            updateddate: now_millis(),
            input_params: String::new(),
            fields: String::new(),
            outputfields: String::new(),
            packages: vec![],
            filehash: name.into(),
            code: vec![],
            warnings: "[]".into(),
        }
    }

    fn audit() -> AuditRecord {
        AuditRecord {
            id: uuid::Uuid::now_v7().to_string(),
            tenantcode: "t".into(),
            userid: UserId(1),
            role: "admin".into(),
            action: "create".into(),
            resource: "r".into(),
            timestamp: now_millis(),
            details: serde_json::Value::Null,
            request_id: String::new(),
        }
    }

    /// The kept totals agree with a full count after creates, moves between facets and deletes.
    #[tokio::test]
    async fn counts_follow_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let t = TenantCode::parse("t").unwrap();
        for i in 0..6 {
            store
                .create_utility(
                    &t,
                    draft(&format!("u{i}"), i % 2, if i < 3 { "a" } else { "b" }),
                    audit(),
                )
                .await
                .unwrap();
        }
        let u0 = store.utility_by_name(&t, "u0").await.unwrap().unwrap();
        let mut moved = u0.draft.clone();
        moved.userid = UserId(7);
        moved.category = "b".into();
        moved.filehash = "h2".into();
        store
            .update_utility(&t, u0.id, "u0", moved, None, audit())
            .await
            .unwrap();
        let u1 = store.utility_by_name(&t, "u1").await.unwrap().unwrap();
        store
            .set_status(&t, u1.id, Status::Inactive, now_millis(), audit())
            .await
            .unwrap();

        let live = vec![Status::Active, Status::Draft];
        let page = PageRequest {
            limit: 100,
            offset: 0,
            cursor: None,
        };
        type Case<'a> = (Option<UserId>, Option<&'a str>, Vec<Status>, u64);
        let cases: Vec<Case> = vec![
            (None, None, live.clone(), 5),
            (None, None, vec![Status::Inactive], 1),
            (Some(UserId(0)), None, live.clone(), 2),
            (Some(UserId(1)), None, live.clone(), 2),
            (Some(UserId(7)), None, live.clone(), 1),
            (None, Some("a"), live.clone(), 1),
            (None, Some("b"), live.clone(), 4),
        ];
        for (owner, category, statuses, want) in cases {
            let q = UtilityQuery {
                owner,
                statuses,
                category: category.map(str::to_owned),
                name_prefix: None,
                page: page.clone(),
            };
            let listed = store.list_utilities(&t, &q).await.unwrap();
            assert_eq!(listed.total, want, "{q:?}");
            assert_eq!(listed.items.len() as u64, want, "{q:?}");
        }
    }
}

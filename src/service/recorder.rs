//! Execution records and their audit entries, written off the hot path: calls hand them to a
//! bounded queue; one background task writes them in batches, per tenant, in one transaction.
//!
//! Nothing acknowledged is dropped: a full queue makes callers wait (back-pressure), a failing
//! store is retried with backoff while intake pauses, and `shutdown` drains everything.

use crate::domain::TenantCode;
use crate::store::{AuditRecord, ExecutionRecord, Store};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct RecorderConfig {
    pub queue_capacity: usize,
    pub batch_max: usize,
    pub flush_interval: Duration,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            queue_capacity: 10_000,
            batch_max: 500,
            flush_interval: Duration::from_millis(20),
        }
    }
}

struct Pending {
    tenant: TenantCode,
    record: ExecutionRecord,
    audit: AuditRecord,
}

pub struct Recorder {
    tx: std::sync::RwLock<Option<mpsc::Sender<Pending>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the service is shutting down; the execution was not recorded")]
pub struct Closed;

impl Recorder {
    pub fn start(store: Arc<dyn Store>, cfg: RecorderConfig) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(cfg.queue_capacity);
        let worker = tokio::spawn(run(store, rx, cfg));
        Arc::new(Self {
            tx: std::sync::RwLock::new(Some(tx)),
            worker: Mutex::new(Some(worker)),
        })
    }

    pub async fn record(
        &self,
        tenant: TenantCode,
        record: ExecutionRecord,
        audit: AuditRecord,
    ) -> Result<(), Closed> {
        let tx = self.tx.read().ok().and_then(|g| g.clone()).ok_or(Closed)?;
        tx.send(Pending {
            tenant,
            record,
            audit,
        })
        .await
        .map_err(|_| Closed)
    }

    /// Stops intake and waits until everything queued is written.
    pub async fn shutdown(&self) {
        if let Ok(mut g) = self.tx.write() {
            g.take();
        }
        if let Some(worker) = self.worker.lock().await.take() {
            let _ = worker.await;
        }
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Pending>, cfg: RecorderConfig) {
    let mut batch: Vec<Pending> = Vec::with_capacity(cfg.batch_max);
    loop {
        let open = if batch.is_empty() {
            match rx.recv().await {
                Some(p) => {
                    batch.push(p);
                    true
                }
                None => false,
            }
        } else {
            // Gather what arrives within the interval, up to a batch.
            let deadline = tokio::time::Instant::now() + cfg.flush_interval;
            let mut open = true;
            while batch.len() < cfg.batch_max {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(p)) => batch.push(p),
                    Ok(None) => {
                        open = false;
                        break;
                    }
                    Err(_) => break,
                }
            }
            open
        };
        flush(&*store, &mut batch).await;
        if !open && rx.is_empty() {
            return;
        }
    }
}

/// Writes the batch, retrying with backoff until it lands; intake waits meanwhile.
async fn flush(store: &dyn Store, batch: &mut Vec<Pending>) {
    if batch.is_empty() {
        return;
    }
    let mut by_tenant: BTreeMap<TenantCode, (Vec<ExecutionRecord>, Vec<AuditRecord>)> =
        BTreeMap::new();
    for p in batch.drain(..) {
        let e = by_tenant.entry(p.tenant).or_default();
        e.0.push(p.record);
        e.1.push(p.audit);
    }
    for (tenant, (records, audits)) in by_tenant {
        let mut delay = Duration::from_millis(100);
        loop {
            // Execution ids are unique and inserts ignore duplicates, so a retry after a partial
            // failure does not write a record twice.
            let result = match store.insert_executions(&tenant, records.clone()).await {
                Ok(()) => store.append_audit_batch(&tenant, audits.clone()).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(tenant = %tenant, error = %e, retry_in_ms = delay.as_millis() as u64,
                        "could not write execution records; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{UserId, now_millis};
    use crate::store::embedded::EmbeddedStore;
    use crate::store::{AuditQuery, ExecutionQuery, PageRequest, TimeRange};

    fn pending(i: usize) -> (ExecutionRecord, AuditRecord) {
        let id = uuid::Uuid::now_v7().to_string();
        let record = ExecutionRecord {
            id: id.clone(),
            taskid: 1,
            userid: UserId(1),
            tenantcode: "t".into(),
            createddate: now_millis(),
            request: format!("{{\"i\": {i}}}"),
            response: "{}".into(),
            status: "completed".into(),
            outcome: "ok".into(),
            execution_time: 0.001,
            error_message: String::new(),
            logs: vec![],
            name: "u".into(),
            fuel_used: 1,
            peak_memory_bytes: 1,
            runtime: "wasm".into(),
        };
        let audit = AuditRecord {
            id: uuid::Uuid::now_v7().to_string(),
            tenantcode: "t".into(),
            userid: UserId(1),
            role: "user".into(),
            action: "execute".into(),
            resource: "utility:1".into(),
            timestamp: now_millis(),
            details: serde_json::json!({ "execution_id": id }),
            request_id: String::new(),
        };
        (record, audit)
    }

    /// Everything handed over before shutdown is in the store after it, in batches.
    #[tokio::test]
    async fn shutdown_drains_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
        let cfg = RecorderConfig {
            queue_capacity: 16,
            batch_max: 7,
            flush_interval: Duration::from_millis(5),
        };
        let rec = Recorder::start(store.clone(), cfg);
        let t = TenantCode::parse("t").unwrap();
        for i in 0..250 {
            let (r, a) = pending(i);
            rec.record(t.clone(), r, a).await.unwrap();
        }
        rec.shutdown().await;
        assert!(
            rec.record(t.clone(), pending(0).0, pending(0).1)
                .await
                .is_err()
        );
        let page = PageRequest {
            limit: 500,
            offset: 0,
            cursor: None,
        };
        let execs = store
            .list_executions(
                &t,
                &ExecutionQuery {
                    taskid: None,
                    user: None,
                    status: None,
                    range: TimeRange::default(),
                    page: page.clone(),
                },
            )
            .await
            .unwrap();
        assert_eq!(execs.total, 250);
        let audits = store
            .list_audit(
                &t,
                &AuditQuery {
                    user: None,
                    action: Some("execute".into()),
                    range: TimeRange::default(),
                    page,
                },
            )
            .await
            .unwrap();
        assert_eq!(audits.total, 250);
    }
}

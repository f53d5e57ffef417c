//! The store contract: everything the service relies on from a `Store`, run against both
//! implementations (the embedded SQLite store and the MongoDB store on a real MongoDB-wire
//! server). Each case is one function over `Arc<dyn Store>`; `contract!` makes one test per
//! (case, backend), each on fresh storage (a temporary directory, or a database prefix of its
//! own on the shared server).

use crate::servers;
use std::collections::HashSet;
use std::sync::Arc;
use zona_utils::domain::{Status, TenantCode, UserId, now_millis};
use zona_utils::store::*;

pub struct Backend {
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
}

pub async fn embedded() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    Backend {
        store: embedded::open(dir.path()).unwrap(),
        _dir: Some(dir),
    }
}

pub fn mongo_storage_config(prefix: &str) -> zona_utils::config::StorageConfig {
    let mut cfg = zona_utils::config::StorageConfig::default();
    cfg.mongodb.db_prefix = prefix.to_owned();
    cfg.mongodb.min_pool_size = 0;
    cfg.retention_days = 30;
    cfg.tenant_retention_days.insert("shortlived".into(), 1);
    cfg
}

pub async fn mongodb() -> Backend {
    let uri = servers::shared().mongo_uri.clone();
    let cfg = mongo_storage_config(&servers::unique_prefix());
    Backend {
        store: mongo::open(&uri.into(), &cfg).await.unwrap(),
        _dir: None,
    }
}

fn tenant(code: &str) -> TenantCode {
    TenantCode::parse(code).unwrap()
}

fn draft(name: &str, user: i64, category: &str, updated: i64) -> UtilityDraft {
    UtilityDraft {
        name: name.into(),
        displayname: name.into(),
        description: format!("about {name}"),
        category: category.into(),
        status: Status::Active,
        userid: UserId(user),
        createddate: updated,
        updateddate: updated,
        input_params: "{\"params\":[]}".into(),
        fields: "{}".into(),
        outputfields: String::new(),
        packages: vec!["json".into()],
        filehash: format!("hash-{name}-1"),
        code: format!("sealed {name}").into_bytes(),
        warnings: "[]".into(),
    }
}

fn audit(action: &str, user: i64, at: i64) -> AuditRecord {
    AuditRecord {
        id: uuid::Uuid::now_v7().to_string(),
        tenantcode: "acme".into(),
        userid: UserId(user),
        role: "admin".into(),
        action: action.into(),
        resource: "utility:x".into(),
        timestamp: at,
        details: serde_json::json!({"n": 1, "name": "x", "nested": {"ok": true}}),
        request_id: "req-1".into(),
    }
}

fn page(limit: u32, offset: u64) -> PageRequest {
    PageRequest {
        limit,
        offset,
        cursor: None,
    }
}

fn query(page: PageRequest) -> UtilityQuery {
    UtilityQuery {
        owner: None,
        statuses: vec![Status::Active, Status::Draft],
        category: None,
        name_prefix: None,
        page,
    }
}

async fn audit_count(store: &dyn Store, t: &TenantCode) -> u64 {
    store
        .list_audit(
            t,
            &AuditQuery {
                user: None,
                action: None,
                range: TimeRange::default(),
                page: page(1, 0),
            },
        )
        .await
        .unwrap()
        .total
}

pub async fn create_writes_the_utility_its_version_and_its_audit_entry(b: Backend) {
    let s = b.store.as_ref();
    let t = tenant("acme");
    let now = now_millis();
    let rec = s
        .create_utility(&t, draft("alpha", 7, "Text", now), audit("create", 7, now))
        .await
        .unwrap();
    assert_eq!(rec.id, 1);
    assert_eq!(rec.version, 1);
    let by_id = s.utility_by_id(&t, rec.id).await.unwrap().unwrap();
    assert_eq!(
        by_id, rec,
        "what was written is what is read back, code included"
    );
    let by_name = s.utility_by_name(&t, "alpha").await.unwrap().unwrap();
    assert_eq!(by_name, rec);
    let v1 = s.version(&t, rec.id, 1).await.unwrap().unwrap();
    assert_eq!(v1.code, b"sealed alpha");
    assert_eq!(v1.action, "create");
    assert_eq!(v1.userid, UserId(7));
    assert_eq!(audit_count(s, &t).await, 1);

    // A taken name changes nothing: no utility, no version, no audit entry.
    let err = s
        .create_utility(&t, draft("alpha", 8, "Other", now), audit("create", 8, now))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NameTaken(ref n) if n == "alpha"),
        "{err:?}"
    );
    assert_eq!(audit_count(s, &t).await, 1);
    assert_eq!(s.utility_by_name(&t, "alpha").await.unwrap().unwrap(), rec);
    assert_eq!(
        s.list_utilities(&t, &query(page(10, 0)))
            .await
            .unwrap()
            .total,
        1
    );
    assert!(
        s.list_tenants()
            .await
            .unwrap()
            .iter()
            .any(|r| r.tenantcode == "acme")
    );
}

pub async fn of_two_concurrent_updates_from_one_filehash_exactly_one_wins(b: Backend) {
    let s = b.store.clone();
    let t = tenant("acme");
    let now = now_millis();
    let rec = s
        .create_utility(&t, draft("shared", 1, "c", now), audit("create", 1, now))
        .await
        .unwrap();
    for round in 0..3 {
        let current = s.utility_by_id(&t, rec.id).await.unwrap().unwrap();
        let tries = (0..2).map(|who| {
            let (s, t, current) = (s.clone(), t.clone(), current.clone());
            async move {
                let mut d = current.draft.clone();
                d.filehash = format!("hash-{round}-{who}");
                d.code = format!("code {round} {who}").into_bytes();
                d.updateddate = now_millis();
                s.update_utility(
                    &t,
                    current.id,
                    &current.draft.filehash,
                    d,
                    None,
                    audit("update", who, now_millis()),
                )
                .await
            }
        });
        let results = futures::future::join_all(tries).await;
        let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        let stale = results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Stale)))
            .count();
        assert_eq!((won.len(), stale), (1, 1), "round {round}: {results:?}");
        let after = s.utility_by_id(&t, rec.id).await.unwrap().unwrap();
        assert_eq!(&after, won[0], "the winner's write is what is stored");
        assert_eq!(after.version, current.version + 1);
    }
    let versions = s.list_versions(&t, rec.id).await.unwrap();
    assert_eq!(versions.len(), 4, "one version per winning update");
    assert_eq!(
        audit_count(s.as_ref(), &t).await,
        4,
        "losers leave no audit entry"
    );

    // Unknown ids are not found, whatever the hash.
    let err = s
        .update_utility(
            &t,
            999,
            "x",
            draft("ghost", 1, "c", now),
            None,
            audit("update", 1, now),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

pub async fn rename_moves_the_name_and_refuses_a_taken_one(b: Backend) {
    let s = b.store.as_ref();
    let t = tenant("acme");
    let now = now_millis();
    let a = s
        .create_utility(&t, draft("old_name", 1, "c", now), audit("create", 1, now))
        .await
        .unwrap();
    s.create_utility(&t, draft("taken", 1, "c", now), audit("create", 1, now))
        .await
        .unwrap();
    let mut d = a.draft.clone();
    d.name = "new_name".into();
    d.filehash = "hash-renamed".into();
    let renamed = s
        .update_utility(
            &t,
            a.id,
            &a.draft.filehash,
            d,
            None,
            audit("rename", 1, now),
        )
        .await
        .unwrap();
    assert_eq!(renamed.version, 2);
    assert!(s.utility_by_name(&t, "old_name").await.unwrap().is_none());
    assert_eq!(
        s.utility_by_name(&t, "new_name").await.unwrap().unwrap().id,
        a.id
    );
    assert_eq!(
        s.version(&t, a.id, 2).await.unwrap().unwrap().name,
        "new_name"
    );
    assert_eq!(
        s.version(&t, a.id, 1).await.unwrap().unwrap().name,
        "old_name"
    );

    let mut d = renamed.draft.clone();
    d.name = "taken".into();
    d.filehash = "hash-3".into();
    let err = s
        .update_utility(&t, a.id, "hash-renamed", d, None, audit("rename", 1, now))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NameTaken(ref n) if n == "taken"),
        "{err:?}"
    );
    let still = s.utility_by_id(&t, a.id).await.unwrap().unwrap();
    assert_eq!((still.draft.name.as_str(), still.version), ("new_name", 2));
    assert_eq!(s.list_versions(&t, a.id).await.unwrap().len(), 2);
}

pub async fn soft_delete_keeps_code_and_versions_and_leaves_the_live_lists(b: Backend) {
    let s = b.store.as_ref();
    let t = tenant("acme");
    let now = now_millis();
    let a = s
        .create_utility(&t, draft("doomed", 3, "c", now), audit("create", 3, now))
        .await
        .unwrap();
    let gone = s
        .set_status(
            &t,
            a.id,
            Status::Inactive,
            now + 5,
            audit("delete", 3, now + 5),
        )
        .await
        .unwrap();
    assert_eq!(gone.draft.status, Status::Inactive);
    assert_eq!(gone.draft.updateddate, now + 5);
    assert_eq!(gone.version, 1, "a status change is not a new version");
    let stored = s.utility_by_id(&t, a.id).await.unwrap().unwrap();
    assert_eq!(stored.draft.code, a.draft.code);
    assert_eq!(s.list_versions(&t, a.id).await.unwrap().len(), 1);
    assert_eq!(
        s.list_utilities(&t, &query(page(10, 0)))
            .await
            .unwrap()
            .total,
        0
    );
    let mut q = query(page(10, 0));
    q.statuses = vec![Status::Inactive];
    let inactive = s.list_utilities(&t, &q).await.unwrap();
    assert_eq!((inactive.total, inactive.items[0].id), (1, a.id));
    assert!(
        inactive.items[0].draft.code.is_empty(),
        "lists carry no code"
    );
    assert_eq!(audit_count(s, &t).await, 2);
    let err = s
        .set_status(&t, 404, Status::Inactive, now, audit("delete", 3, now))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

pub async fn versions_are_listed_newest_first_and_read_with_their_code(b: Backend) {
    let s = b.store.as_ref();
    let t = tenant("acme");
    let now = now_millis();
    let mut cur = s
        .create_utility(&t, draft("ver", 1, "c", now), audit("create", 1, now))
        .await
        .unwrap();
    for n in 2..=4 {
        let mut d = cur.draft.clone();
        d.filehash = format!("hash-{n}");
        d.code = format!("code {n}").into_bytes();
        let restored = (n == 4).then_some(1);
        cur = s
            .update_utility(
                &t,
                cur.id,
                &cur.draft.filehash.clone(),
                d,
                restored,
                audit(if n == 4 { "restore" } else { "update" }, 2, now + n),
            )
            .await
            .unwrap();
        assert_eq!(cur.version, n);
    }
    let list = s.list_versions(&t, cur.id).await.unwrap();
    let numbers: Vec<i64> = list.iter().map(|v| v.version).collect();
    assert_eq!(numbers, vec![4, 3, 2, 1]);
    assert!(
        list.iter().all(|v| v.code.is_empty()),
        "listings carry no code"
    );
    assert_eq!(list[0].restored_from, Some(1));
    assert_eq!(list[0].action, "restore");
    assert_eq!(list[1].restored_from, None);
    let v3 = s.version(&t, cur.id, 3).await.unwrap().unwrap();
    assert_eq!(
        (v3.code.as_slice(), v3.filehash.as_str()),
        (&b"code 3"[..], "hash-3")
    );
    assert_eq!(v3.userid, UserId(2));
    assert!(s.version(&t, cur.id, 9).await.unwrap().is_none());
    assert!(s.list_versions(&t, 777).await.unwrap().is_empty());
}

pub async fn lists_page_by_offset_and_cursor_in_one_order_with_filters(b: Backend) {
    let s = b.store.as_ref();
    let t = tenant("acme");
    let base = 1_700_000_000_000;
    // 25 utilities: 5 share one updateddate (ties broken by id), two owners, three categories.
    for i in 0..25_i64 {
        let updated = if i < 5 { base } else { base + i };
        let name = format!("u{i:02}");
        let mut d = draft(&name, i % 2, ["a", "b", "c"][(i % 3) as usize], updated);
        if i == 24 {
            d.status = Status::Draft;
        }
        s.create_utility(&t, d, audit("create", 1, base))
            .await
            .unwrap();
    }
    let all = s.list_utilities(&t, &query(page(100, 0))).await.unwrap();
    assert_eq!((all.total, all.items.len()), (25, 25));
    let order: Vec<i64> = all.items.iter().map(|u| u.id).collect();
    let mut expected: Vec<(i64, i64)> = all
        .items
        .iter()
        .map(|u| (u.draft.updateddate, u.id))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        order,
        expected.iter().map(|e| e.1).collect::<Vec<_>>(),
        "updateddate desc, then id desc"
    );
    assert!(all.next_cursor.is_none(), "a short page has no next page");

    // Offsets.
    let mut by_offset = vec![];
    for offset in [0, 10, 20] {
        let p = s
            .list_utilities(&t, &query(page(10, offset)))
            .await
            .unwrap();
        assert_eq!(p.total, 25);
        by_offset.extend(p.items.iter().map(|u| u.id));
    }
    assert_eq!(by_offset, order);

    // Cursors, through the ties.
    let mut by_cursor = vec![];
    let mut next = None;
    loop {
        let mut pr = page(7, 0);
        pr.cursor = next.as_deref().map(|c| Cursor::decode(c).unwrap());
        let p = s.list_utilities(&t, &query(pr)).await.unwrap();
        by_cursor.extend(p.items.iter().map(|u| u.id));
        match p.next_cursor {
            Some(c) => next = Some(c),
            None => break,
        }
    }
    assert_eq!(by_cursor, order);

    // Filters, each with its total.
    let mut q = query(page(100, 0));
    q.owner = Some(UserId(1));
    let mine = s.list_utilities(&t, &q).await.unwrap();
    assert_eq!(mine.total, 12);
    assert!(mine.items.iter().all(|u| u.draft.userid == UserId(1)));
    let mut q = query(page(100, 0));
    q.category = Some("b".into());
    let cat = s.list_utilities(&t, &q).await.unwrap();
    assert_eq!(cat.total, 8);
    assert!(cat.items.iter().all(|u| u.draft.category == "b"));
    let mut q = query(page(100, 0));
    q.name_prefix = Some("u1".into());
    let pre = s.list_utilities(&t, &q).await.unwrap();
    assert_eq!(pre.total, 10);
    assert!(pre.items.iter().all(|u| u.draft.name.starts_with("u1")));
    let mut q = query(page(100, 0));
    q.statuses = vec![Status::Draft];
    let drafts = s.list_utilities(&t, &q).await.unwrap();
    assert_eq!(
        (drafts.total, drafts.items[0].draft.name.as_str()),
        (1, "u24")
    );
    let mut q = query(page(5, 0));
    q.owner = Some(UserId(0));
    q.category = Some("a".into());
    let both = s.list_utilities(&t, &q).await.unwrap();
    assert_eq!(both.total, 5);
    assert!(
        both.items
            .iter()
            .all(|u| u.draft.userid == UserId(0) && u.draft.category == "a")
    );
    // A tenant with nothing.
    let none = s
        .list_utilities(&tenant("empty"), &query(page(10, 0)))
        .await
        .unwrap();
    assert_eq!((none.total, none.items.len()), (0, 0));
}

fn execution(id: &str, task: i64, user: i64, at: i64, status: &str) -> ExecutionRecord {
    ExecutionRecord {
        id: id.into(),
        taskid: task,
        userid: UserId(user),
        tenantcode: "acme".into(),
        createddate: at,
        request: "{\"data\":1}".into(),
        response: "{\"result\":2}".into(),
        status: status.into(),
        outcome: if status == "completed" { "ok" } else { "error" }.into(),
        execution_time: 0.25,
        error_message: String::new(),
        logs: vec!["INFO start".into(), "INFO end".into()],
        name: format!("task{task}"),
        fuel_used: 1234,
        peak_memory_bytes: 5_000_000,
        runtime: "wasm".into(),
    }
}

pub async fn executions_are_written_idempotently_and_listed_with_filters(b: Backend) {
    let s = b.store.as_ref();
    let t = tenant("acme");
    let base = 1_700_000_000_000;
    let records: Vec<ExecutionRecord> = (0..12)
        .map(|i| {
            execution(
                &format!("exec-{i:02}"),
                1 + i % 2,
                10 + i % 3,
                base + i,
                if i % 4 == 0 { "failed" } else { "completed" },
            )
        })
        .collect();
    s.insert_executions(&t, records[..8].to_vec())
        .await
        .unwrap();
    // A retried batch that overlaps what is there writes only what is new.
    s.insert_executions(&t, records[4..].to_vec())
        .await
        .unwrap();
    let q = |taskid, user, status: Option<&str>, range: TimeRange, page| ExecutionQuery {
        taskid,
        user,
        status: status.map(str::to_owned),
        range,
        page,
    };
    let all = s
        .list_executions(&t, &q(None, None, None, TimeRange::default(), page(100, 0)))
        .await
        .unwrap();
    assert_eq!(all.total, 12);
    assert_eq!(all.items[0], records[11], "newest first, as written");
    let ids: Vec<&str> = all.items.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 12);
    let t1 = s
        .list_executions(
            &t,
            &q(Some(1), None, None, TimeRange::default(), page(100, 0)),
        )
        .await
        .unwrap();
    assert_eq!(t1.total, 6);
    let u = s
        .list_executions(
            &t,
            &q(
                Some(2),
                Some(UserId(11)),
                None,
                TimeRange::default(),
                page(100, 0),
            ),
        )
        .await
        .unwrap();
    assert!(
        u.items
            .iter()
            .all(|e| e.taskid == 2 && e.userid == UserId(11))
    );
    assert_eq!(u.total, 2);
    let failed = s
        .list_executions(
            &t,
            &q(
                None,
                None,
                Some("failed"),
                TimeRange::default(),
                page(100, 0),
            ),
        )
        .await
        .unwrap();
    assert_eq!(failed.total, 3);
    let window = TimeRange {
        from: Some(base + 3),
        to: Some(base + 6),
    };
    let w = s
        .list_executions(&t, &q(None, None, None, window, page(100, 0)))
        .await
        .unwrap();
    assert_eq!(w.total, 4);
    // Cursor pages cover everything once.
    let mut seen = vec![];
    let mut next: Option<String> = None;
    loop {
        let mut pr = page(5, 0);
        pr.cursor = next.as_deref().map(|c| Cursor::decode(c).unwrap());
        let p = s
            .list_executions(&t, &q(None, None, None, TimeRange::default(), pr))
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|e| e.id.clone()));
        match p.next_cursor {
            Some(c) => next = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids);
}

pub async fn audit_entries_are_kept_whole_filtered_and_paged(b: Backend) {
    let s = b.store.as_ref();
    let t = tenant("acme");
    let base = 1_700_000_000_000;
    let one = audit("denied", 5, base);
    s.append_audit(&t, one.clone()).await.unwrap();
    let batch: Vec<AuditRecord> = (1..10)
        .map(|i| {
            audit(
                if i % 3 == 0 { "update" } else { "create" },
                i % 2,
                base + i / 2,
            )
        })
        .collect();
    s.append_audit_batch(&t, batch.clone()).await.unwrap();
    // Retried: already there, nothing doubles.
    s.append_audit_batch(&t, batch[..3].to_vec()).await.unwrap();
    let q = |user, action: Option<&str>, range, page| AuditQuery {
        user,
        action: action.map(str::to_owned),
        range,
        page,
    };
    let all = s
        .list_audit(&t, &q(None, None, TimeRange::default(), page(100, 0)))
        .await
        .unwrap();
    assert_eq!(all.total, 10);
    let read_one = all.items.iter().find(|a| a.id == one.id).unwrap();
    assert_eq!(read_one, &one, "every field comes back, details included");
    let mut sorted: Vec<(i64, String)> = all
        .items
        .iter()
        .map(|a| (a.timestamp, a.id.clone()))
        .collect();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        all.items.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        sorted.into_iter().map(|s| s.1).collect::<Vec<_>>(),
        "timestamp desc, then id desc"
    );
    let user1 = s
        .list_audit(
            &t,
            &q(Some(UserId(1)), None, TimeRange::default(), page(100, 0)),
        )
        .await
        .unwrap();
    assert_eq!(user1.total, 5);
    let updates = s
        .list_audit(
            &t,
            &q(None, Some("update"), TimeRange::default(), page(100, 0)),
        )
        .await
        .unwrap();
    assert_eq!(updates.total, 3);
    let range = TimeRange {
        from: Some(base + 1),
        to: Some(base + 2),
    };
    let r = s
        .list_audit(&t, &q(None, None, range, page(100, 0)))
        .await
        .unwrap();
    assert_eq!(r.total, 4);
    let mut seen = vec![];
    let mut next: Option<String> = None;
    loop {
        let mut pr = page(3, 0);
        pr.cursor = next.as_deref().map(|c| Cursor::decode(c).unwrap());
        let p = s
            .list_audit(&t, &q(None, None, TimeRange::default(), pr))
            .await
            .unwrap();
        seen.extend(p.items.iter().map(|a| a.id.clone()));
        match p.next_cursor {
            Some(c) => next = Some(c),
            None => break,
        }
    }
    assert_eq!(
        seen,
        all.items.iter().map(|a| a.id.clone()).collect::<Vec<_>>()
    );
}

pub async fn tenants_are_kept_apart(b: Backend) {
    let s = b.store.as_ref();
    let (a, z) = (tenant("alpha-co"), tenant("zeta_co"));
    let now = now_millis();
    let ra = s
        .create_utility(&a, draft("same", 1, "c", now), audit("create", 1, now))
        .await
        .unwrap();
    let rz = s
        .create_utility(&z, draft("same", 1, "c", now), audit("create", 1, now))
        .await
        .unwrap();
    assert_eq!((ra.id, rz.id), (1, 1), "ids count per tenant");
    let second = s
        .create_utility(&a, draft("other", 1, "c", now), audit("create", 1, now))
        .await
        .unwrap();
    assert_eq!(second.id, 2);
    assert!(s.utility_by_name(&z, "other").await.unwrap().is_none());
    assert_eq!(
        s.list_utilities(&z, &query(page(10, 0)))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        s.list_utilities(&a, &query(page(10, 0)))
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(audit_count(s, &a).await, 2);
    assert_eq!(audit_count(s, &z).await, 1);
    s.insert_executions(&a, vec![execution("e1", 1, 1, now, "completed")])
        .await
        .unwrap();
    let ex = ExecutionQuery {
        taskid: None,
        user: None,
        status: None,
        range: TimeRange::default(),
        page: page(10, 0),
    };
    assert_eq!(s.list_executions(&z, &ex).await.unwrap().total, 0);
    // Reading an unknown tenant registers nothing.
    let ghost = tenant("ghost");
    assert!(s.utility_by_id(&ghost, 1).await.unwrap().is_none());
    assert_eq!(audit_count(s, &ghost).await, 0);
    let codes: Vec<String> = s
        .list_tenants()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.tenantcode)
        .collect();
    assert_eq!(codes, vec!["alpha-co".to_owned(), "zeta_co".to_owned()]);
}

pub async fn fifty_concurrent_creates_get_fifty_distinct_ids(b: Backend) {
    let s = b.store.clone();
    let t = tenant("busy");
    let creates = (0..50).map(|i| {
        let (s, t) = (s.clone(), t.clone());
        async move {
            let now = now_millis();
            s.create_utility(
                &t,
                draft(&format!("c{i}"), 1, "c", now),
                audit("create", 1, now),
            )
            .await
        }
    });
    let results = futures::future::join_all(creates).await;
    let ids: HashSet<i64> = results.iter().map(|r| r.as_ref().unwrap().id).collect();
    assert_eq!(ids.len(), 50);
    let listed = s.list_utilities(&t, &query(page(100, 0))).await.unwrap();
    assert_eq!(listed.total, 50);
    assert_eq!(
        listed.items.iter().map(|u| u.id).collect::<HashSet<_>>(),
        ids
    );
    assert_eq!(audit_count(s.as_ref(), &t).await, 50);
    // Concurrent creates of one name: exactly one wins.
    let same = (0..5).map(|_| {
        let (s, t) = (s.clone(), t.clone());
        async move {
            let now = now_millis();
            s.create_utility(&t, draft("contested", 1, "c", now), audit("create", 1, now))
                .await
        }
    });
    let results = futures::future::join_all(same).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, StoreError::NameTaken(_)))
    );
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod on_embedded {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::embedded().await).await
                }
            )*
        }
        mod on_mongodb {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::mongodb().await).await
                }
            )*
        }
    };
}

contract!(
    create_writes_the_utility_its_version_and_its_audit_entry,
    of_two_concurrent_updates_from_one_filehash_exactly_one_wins,
    rename_moves_the_name_and_refuses_a_taken_one,
    soft_delete_keeps_code_and_versions_and_leaves_the_live_lists,
    versions_are_listed_newest_first_and_read_with_their_code,
    lists_page_by_offset_and_cursor_in_one_order_with_filters,
    executions_are_written_idempotently_and_listed_with_filters,
    audit_entries_are_kept_whole_filtered_and_paged,
    tenants_are_kept_apart,
    fifty_concurrent_creates_get_fifty_distinct_ids,
);

/// MongoDB only: the design's indexes, the unique name, and the TTL indexes with per-tenant
/// retention on what is written.
#[tokio::test]
async fn mongodb_has_the_design_indexes_and_retention_on_what_it_writes() {
    use mongodb::bson::{Document, doc};
    let prefix = servers::unique_prefix();
    let uri = servers::shared().mongo_uri.clone();
    let cfg = mongo_storage_config(&prefix);
    let store = mongo::open(&uri.clone().into(), &cfg).await.unwrap();
    let now = now_millis();
    for code in ["acme", "shortlived"] {
        let t = tenant(code);
        store
            .create_utility(&t, draft("x", 1, "c", now), audit("create", 1, now))
            .await
            .unwrap();
        store
            .insert_executions(&t, vec![execution("e", 1, 1, now, "completed")])
            .await
            .unwrap();
    }
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.database(&format!("{prefix}t_acme"));
    let names = |coll: &'static str| {
        let db = db.clone();
        async move {
            db.collection::<Document>(coll)
                .list_index_names()
                .await
                .unwrap()
                .into_iter()
                .collect::<HashSet<String>>()
        }
    };
    let tasks = names("tasks").await;
    for want in [
        "idx_name_type_status",
        "idx_tenant_user",
        "idx_type_status_updated",
        "uniq_name",
    ] {
        assert!(tasks.contains(want), "tasks lacks {want}: {tasks:?}");
    }
    let execs = names("task_execution").await;
    for want in ["idx_task_user_created", "idx_tenant_created", "idx_ttl"] {
        assert!(
            execs.contains(want),
            "task_execution lacks {want}: {execs:?}"
        );
    }
    assert!(names("audit_log").await.contains("idx_ttl"));
    assert!(
        client
            .database(&format!("{prefix}master"))
            .collection::<Document>("tenants")
            .find_one(doc! {"_id": "acme"})
            .await
            .unwrap()
            .is_some(),
        "the master catalogue knows the tenant"
    );
    // The design's fields on the stored document.
    let task = db
        .collection::<Document>("tasks")
        .find_one(doc! {"name": "x"})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(task.get_str("type").unwrap(), "customutils");
    assert_eq!(task.get_str("functionname").unwrap(), "x()");
    assert_eq!(task.get_i64("id").unwrap(), 1);
    assert!(task.get_binary_generic("filecontents").is_ok());
    // Retention: 30 days by default, 1 day for the tenant configured so.
    for (code, days) in [("acme", 30), ("shortlived", 1)] {
        let db = client.database(&format!("{prefix}t_{code}"));
        for coll in ["task_execution", "audit_log"] {
            let d = db
                .collection::<Document>(coll)
                .find_one(doc! {})
                .await
                .unwrap()
                .unwrap();
            let expires = d.get_datetime("expire_at").unwrap().timestamp_millis();
            let from = d
                .get_i64("createddate")
                .or_else(|_| d.get_i64("timestamp"))
                .unwrap();
            assert_eq!(expires - from, days * 86_400_000, "{code}.{coll}");
        }
    }
}

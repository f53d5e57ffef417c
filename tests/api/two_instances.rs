//! Two instances of the service sharing one MongoDB-wire server and one Redis behave as one
//! service: once a write through one has returned, the other never serves what it replaced,
//! from either cache level, even while it is being read hard.

use crate::helpers::TestApp;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use zona_utils::domain::Role;

fn code(n: i64) -> String {
    format!("def shared_one(data, filter=None):\n    return {n}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_through_one_instance_is_never_served_stale_by_the_other() {
    let a = TestApp::spawn_production().await;
    let b = a.another_instance().await;
    for app in [&a, &b] {
        let r = app.wait_for_health("healthy").await;
        assert_eq!(r.body["status"], "healthy", "{}", r.body);
    }
    let t = a.token("acme", 1, Role::Admin);
    let created = a
        .upsert_json(
            &t,
            &json!({"title": "shared_one", "description": "d", "code": code(0)}),
        )
        .await;
    created.expect(200);
    let id = created.data()["id"].as_i64().unwrap();
    let mut hash = created.data()["filehash"].as_str().unwrap().to_owned();

    // Readers keep both instances' caches busy (and refilling) the whole time.
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = [&a, &b]
        .into_iter()
        .map(|app| {
            let (client, stop, t) = (app.client.clone(), stop.clone(), t.clone());
            let urls = [
                app.url("/utils/v1/custom-utils/acme/-/shared_one"),
                app.url(&format!("/utils/v1/custom-utils/acme/{id}")),
                app.url("/utils/v1/custom-utils/acme/-/-"),
            ];
            tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for u in &urls {
                        let r = client.get(u).bearer_auth(&t).send().await.unwrap();
                        assert!(r.status().is_success());
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();

    for n in 1..=30_i64 {
        // Alternate the writer; the other instance is the one checked.
        let (writer, reader) = if n % 2 == 1 { (&a, &b) } else { (&b, &a) };
        let r = writer
            .upsert_json(
                &t,
                &json!({"title": "shared_one", "taskid": id, "filehash": hash, "code": code(n)}),
            )
            .await;
        r.expect(200);
        hash = r.data()["filehash"].as_str().unwrap().to_owned();
        let by_name = reader.get_by_name(&t, "acme", "-", "shared_one", "").await;
        assert_eq!(
            by_name.data()["filecontents_instring"],
            code(n),
            "round {n} by name"
        );
        assert_eq!(by_name.data()["version"], n + 1);
        let by_id = reader.get_by_id(&t, "acme", id).await;
        assert_eq!(by_id.data()["filehash"], hash.as_str(), "round {n} by id");
        let list = reader.list(&t, "acme", "").await;
        assert_eq!(list.data()[0]["filehash"], hash.as_str(), "round {n} list");
    }

    stop.store(true, Ordering::Relaxed);
    for r in readers {
        assert!(r.await.unwrap() > 0);
    }

    // Creates and deletes show on the other side at once too.
    a.seed("acme", 1, "newcomer").await;
    assert_eq!(b.list(&t, "acme", "").await.body["count"], 2);
    b.get_by_name(&t, "acme", "-", "newcomer", "")
        .await
        .expect(200);
    b.delete_by_id(&t, "acme", id).await.expect(200);
    a.get_by_id(&t, "acme", id).await.expect(404);
    a.get_by_name(&t, "acme", "-", "shared_one", "")
        .await
        .expect(404);
    assert_eq!(a.list(&t, "acme", "").await.body["count"], 1);
}

/// Redis unreachable between the two: the writer cannot tell the other instance, so the other
/// must stop trusting its in-process cache (its lease runs out) rather than serve what it holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_unreachable_the_other_instance_reads_the_store_not_its_stale_cache() {
    let redis = crate::servers::Server::redis();
    let a = TestApp::spawn_with(|cfg| {
        *cfg = crate::helpers::production_config(
            &cfg.storage.data_dir,
            &crate::servers::shared().mongo_uri,
            &redis.redis_url(),
        );
        cfg.cache.invalidation_lease_ms = 500;
    })
    .await;
    let b = a.another_instance().await;
    for app in [&a, &b] {
        let r = app.wait_for_health("healthy").await;
        assert_eq!(r.body["status"], "healthy", "{}", r.body);
    }
    let t = a.token("acme", 1, Role::Admin);
    let created = a
        .upsert_json(
            &t,
            &json!({"title": "shared_one", "description": "d", "code": code(0)}),
        )
        .await;
    created.expect(200);
    let id = created.data()["id"].as_i64().unwrap();
    let mut hash = created.data()["filehash"].as_str().unwrap().to_owned();
    // B holds it in its in-process cache.
    for _ in 0..3 {
        b.get_by_name(&t, "acme", "-", "shared_one", "")
            .await
            .expect(200);
    }

    redis.pause();
    for n in 1..=3_i64 {
        let r = a
            .upsert_json(
                &t,
                &json!({"title": "shared_one", "taskid": id, "filehash": hash, "code": code(n)}),
            )
            .await;
        r.expect(200);
        hash = r.data()["filehash"].as_str().unwrap().to_owned();
        let seen = b.get_by_name(&t, "acme", "-", "shared_one", "").await;
        assert_eq!(seen.data()["filecontents_instring"], code(n), "round {n}");
        assert_eq!(
            b.get_by_id(&t, "acme", id).await.data()["filehash"],
            hash.as_str()
        );
    }

    redis.resume();
    for app in [&a, &b] {
        let r = app.wait_for_health("healthy").await;
        assert_eq!(r.body["status"], "healthy", "{}", r.body);
    }
    let r = b
        .upsert_json(
            &t,
            &json!({"title": "shared_one", "taskid": id, "filehash": hash, "code": code(9)}),
        )
        .await;
    r.expect(200);
    let seen = a.get_by_name(&t, "acme", "-", "shared_one", "").await;
    assert_eq!(seen.data()["filecontents_instring"], code(9));
}

//! Faults, with real servers the tests start, freeze and kill: Redis unreachable or down, and
//! MongoDB down, each followed by recovery without a restart of the service.

use crate::helpers::{Reply, TestApp, production_config, simple_code};
use crate::servers::{self, Server};
use serde_json::json;
use std::time::{Duration, Instant};
use zona_utils::domain::Role;

fn code(n: i64) -> String {
    format!("def flaky(data, filter=None):\n    return {n}\n")
}

async fn update(app: &TestApp, t: &str, id: i64, hash: &str, n: i64) -> Reply {
    app.upsert_json(
        t,
        &json!({"title": "flaky", "taskid": id, "filehash": hash, "code": code(n)}),
    )
    .await
}

/// Reads that must not wait on a dead Redis: each answers well within one Redis timeout
/// (250 ms) times a few, so a request never waits for Redis per call.
async fn read_fresh(app: &TestApp, t: &str, id: i64, n: i64) {
    let started = Instant::now();
    for _ in 0..10 {
        let by_name = app.get_by_name(t, "acme", "-", "flaky", "").await;
        by_name.expect(200);
        assert_eq!(by_name.data()["filecontents_instring"], code(n));
        let by_id = app.get_by_id(t, "acme", id).await;
        assert_eq!(by_id.data()["filecontents_instring"], code(n));
        app.list(t, "acme", "").await.expect(200);
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "30 reads took {:?}: requests are waiting on Redis",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_unreachable_or_down_degrades_then_recovers_by_itself() {
    let redis = Server::redis();
    let app = TestApp::spawn_with(|cfg| {
        *cfg = production_config(
            &cfg.storage.data_dir,
            &servers::shared().mongo_uri,
            &redis.redis_url(),
        );
        cfg.cache.invalidation_lease_ms = 500;
    })
    .await;
    let t = app.token("acme", 1, Role::Admin);
    let r = app.wait_for_health("healthy").await;
    assert_eq!(r.body["status"], "healthy", "{}", r.body);
    let created = app
        .upsert_json(
            &t,
            &json!({"title": "flaky", "description": "d", "code": code(1)}),
        )
        .await;
    created.expect(200);
    let id = created.data()["id"].as_i64().unwrap();
    let mut hash = created.data()["filehash"].as_str().unwrap().to_owned();
    read_fresh(&app, &t, id, 1).await;

    // Unreachable: the process holds its port and answers nothing.
    redis.pause();
    let r = app.wait_for_health("degraded").await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body["status"], "degraded", "{}", r.body);
    assert_eq!(r.body["checks"]["redis"]["status"], "unhealthy");
    assert_eq!(r.body["checks"]["database"]["status"], "healthy");
    read_fresh(&app, &t, id, 1).await;
    let u = update(&app, &t, id, &hash, 2).await;
    u.expect(200);
    hash = u.data()["filehash"].as_str().unwrap().to_owned();
    read_fresh(&app, &t, id, 2).await;

    // Reachable again: healthy, and what was written meanwhile is what is served.
    redis.resume();
    let r = app.wait_for_health("healthy").await;
    assert_eq!(r.body["status"], "healthy", "{}", r.body);
    read_fresh(&app, &t, id, 2).await;

    // Down: connections are refused.
    let mut redis = redis;
    redis.kill();
    let r = app.wait_for_health("degraded").await;
    assert_eq!(r.body["status"], "degraded", "{}", r.body);
    let u = update(&app, &t, id, &hash, 3).await;
    u.expect(200);
    hash = u.data()["filehash"].as_str().unwrap().to_owned();
    read_fresh(&app, &t, id, 3).await;
    app.seed("acme", 1, "made_while_down").await;

    // Back (empty: no persistence): recovers by itself, serving the latest.
    redis.restart();
    let r = app.wait_for_health("healthy").await;
    assert_eq!(r.body["status"], "healthy", "{}", r.body);
    read_fresh(&app, &t, id, 3).await;
    update(&app, &t, id, &hash, 4).await.expect(200);
    read_fresh(&app, &t, id, 4).await;
    assert_eq!(app.list(&t, "acme", "").await.body["count"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_down_serves_cached_reads_refuses_writes_and_recovers_by_itself() {
    let mut mongo = Server::durable_mongo();
    let app = TestApp::spawn_with(|cfg| {
        *cfg = production_config(
            &cfg.storage.data_dir,
            &mongo.mongo_uri(),
            &servers::shared().redis_url,
        );
        cfg.storage.mongodb.server_selection_timeout_secs = 1;
        cfg.storage.mongodb.socket_timeout_secs = 3;
    })
    .await;
    let t = app.token("acme", 1, Role::Admin);
    assert_eq!(
        app.wait_for_health("healthy").await.body["status"],
        "healthy"
    );
    let created = app
        .upsert_json(
            &t,
            &json!({"title": "flaky", "description": "d", "code": code(1)}),
        )
        .await;
    created.expect(200);
    let id = created.data()["id"].as_i64().unwrap();
    let hash = created.data()["filehash"].as_str().unwrap().to_owned();
    let acked = update(&app, &t, id, &hash, 2).await;
    acked.expect(200);
    let hash = acked.data()["filehash"].as_str().unwrap().to_owned();
    // Read once so the cache holds them.
    read_fresh(&app, &t, id, 2).await;

    mongo.kill();
    let r = app.wait_for_health("unhealthy").await;
    assert_eq!(r.status.as_u16(), 503, "{}", r.body);
    assert_eq!(r.body["checks"]["database"]["status"], "unhealthy");
    // What the cache holds is still served.
    read_fresh(&app, &t, id, 2).await;
    // Writes are refused with a message that says what to do, and change nothing.
    let refused = update(&app, &t, id, &hash, 3).await;
    refused.expect(503);
    assert!(
        refused.message().contains("nothing was changed"),
        "{}",
        refused.message()
    );
    app.upsert_json(
        &t,
        &json!({"title": "newcomer", "description": "d", "code": simple_code("newcomer")}),
    )
    .await
    .expect(503);

    mongo.restart();
    let r = app.wait_for_health("healthy").await;
    assert_eq!(r.body["status"], "healthy", "{}", r.body);
    // Every acknowledged write is there, the refused ones are not.
    let now = app.get_by_id(&t, "acme", id).await;
    now.expect(200);
    assert_eq!(now.data()["version"], 2);
    assert_eq!(now.data()["filecontents_instring"], code(2));
    assert_eq!(app.versions(&t, "acme", id).await.body["count"], 2);
    app.get_by_name(&t, "acme", "-", "newcomer", "")
        .await
        .expect(404);
    // And writes work again.
    update(&app, &t, id, &hash, 3).await.expect(200);
    read_fresh(&app, &t, id, 3).await;
}

/// Writes race a crash: every create the service acknowledged is there after the restart,
/// and every utility that is there is whole (its version 1 and its audit entry with it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_write_is_lost_when_mongodb_dies_mid_stream() {
    let mut mongo = Server::durable_mongo();
    let app = TestApp::spawn_with(|cfg| {
        *cfg = production_config(
            &cfg.storage.data_dir,
            &mongo.mongo_uri(),
            &servers::shared().redis_url,
        );
        cfg.storage.mongodb.server_selection_timeout_secs = 1;
        cfg.storage.mongodb.socket_timeout_secs = 3;
    })
    .await;
    let t = app.token("acme", 1, Role::Admin);
    assert_eq!(
        app.wait_for_health("healthy").await.body["status"],
        "healthy"
    );
    let acked_so_far = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writer = {
        let (client, url, t) = (
            app.client.clone(),
            app.url("/utils/v1/custom-utils"),
            t.clone(),
        );
        let acked_so_far = acked_so_far.clone();
        tokio::spawn(async move {
            let mut acked = vec![];
            let mut refused = 0;
            for i in 0..1000 {
                let name = format!("w{i}");
                let r = client
                    .post(&url)
                    .bearer_auth(&t)
                    .json(&json!({"title": name, "description": "d", "code": simple_code(&name)}))
                    .send()
                    .await
                    .unwrap();
                match r.status().as_u16() {
                    200 => {
                        acked.push(name);
                        acked_so_far.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    503 => {
                        refused += 1;
                        if refused == 5 {
                            break;
                        }
                    }
                    other => panic!("unexpected {other}: {}", r.text().await.unwrap()),
                }
            }
            (acked, refused)
        })
    };
    // Kill it while the writes are flowing.
    while acked_so_far.load(std::sync::atomic::Ordering::SeqCst) < 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    mongo.kill();
    let (acked, refused) = writer.await.unwrap();
    assert_eq!(
        refused,
        5,
        "the crash came mid-stream: {} acked",
        acked.len()
    );
    mongo.restart();
    assert_eq!(
        app.wait_for_health("healthy").await.body["status"],
        "healthy"
    );
    let listed = app.list(&t, "acme", "?limit=500").await;
    listed.expect(200);
    let present: Vec<(String, i64)> = listed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_owned(),
                u["id"].as_i64().unwrap(),
            )
        })
        .collect();
    for name in &acked {
        assert!(
            present.iter().any(|(n, _)| n == name),
            "acknowledged {name} was lost"
        );
    }
    let audit = app.audit(&t, "acme", "?limit=500&action=create").await;
    audit.expect(200);
    let audited = audit.body["count"].as_u64().unwrap() as usize;
    assert_eq!(
        audited,
        present.len(),
        "one create entry per utility present, no more, no less"
    );
    for (name, id) in &present {
        let v = app.versions(&t, "acme", *id).await;
        assert_eq!(v.body["count"], 1, "{name} has its version");
    }
}

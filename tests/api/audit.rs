use crate::helpers::{TestApp, simple_code};
use serde_json::json;
use zona_utils::domain::Role;

#[tokio::test]
async fn every_change_and_every_denial_is_recorded() {
    every_change_and_every_denial_is_recorded_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn every_change_and_every_denial_is_recorded_on(app: TestApp) {
    let t = app.token("acme", 4, Role::Creator);
    let admin = app.token("acme", 99, Role::Admin);
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "audited", "description": "d", "code": simple_code("audited")}),
        )
        .await;
    let id = r.data()["id"].as_i64().unwrap();
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "audited", "taskid": id, "filehash": r.data()["filehash"],
                                 "code": "def audited(data, filter=None):\n    return 2\n"}),
        )
        .await;
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "audited2", "taskid": id, "filehash": r.data()["filehash"],
                                 "code": "def audited2(data, filter=None):\n    return 2\n"}),
        )
        .await;
    r.expect(200);
    app.delete_by_id(&t, "acme", id).await.expect(200);
    // Version 3, the renamed one: older versions define `audited`, which the contract of the
    // utility now named `audited2` rejects.
    app.restore(&t, "acme", id, 3, None).await.expect(200);
    // Denied: a creator reading the audit log, and touching another tenant.
    app.audit(&t, "acme", "").await.expect(403);
    app.list(&t, "globex", "").await.expect(403);

    let log = app.audit(&admin, "acme", "?limit=100").await;
    log.expect(200);
    let entries = log.data().as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["create", "update", "rename", "delete", "restore", "denied"] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    assert_eq!(actions.iter().filter(|a| **a == "denied").count(), 2);
    for e in entries {
        assert_eq!(e["tenantcode"], "acme");
        assert!(e["timestamp"].as_i64().unwrap() > 0);
        assert!(!e["resource"].as_str().unwrap().is_empty());
        assert!(!e["request_id"].as_str().unwrap().is_empty(), "{e}");
    }
    let denied = entries
        .iter()
        .find(|e| e["details"]["target_tenant"] == "globex")
        .unwrap();
    assert_eq!(denied["userid"], 4);
    assert_eq!(denied["role"], "creator");
    let timestamps: Vec<i64> = entries
        .iter()
        .map(|e| e["timestamp"].as_i64().unwrap())
        .collect();
    assert!(timestamps.windows(2).all(|w| w[0] >= w[1]), "newest first");

    // Filters and pagination.
    let creates = app.audit(&admin, "acme", "?action=create").await;
    assert_eq!(creates.body["count"], 1);
    let by_user = app.audit(&admin, "acme", "?user=4").await;
    assert_eq!(by_user.body["count"], entries.len());
    let none = app.audit(&admin, "acme", "?user=12345").await;
    assert_eq!(none.body["count"], 0);
    let future = app
        .audit(
            &admin,
            "acme",
            &format!("?from={}", zona_utils::domain::now_millis() + 60_000),
        )
        .await;
    assert_eq!(future.body["count"], 0);
    let page1 = app.audit(&admin, "acme", "?limit=2").await;
    assert_eq!(page1.data().as_array().unwrap().len(), 2);
    let cursor = page1.body["next_cursor"].as_str().unwrap();
    let page2 = app
        .audit(&admin, "acme", &format!("?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(page2.data()[0], entries[2]);
    app.audit(&admin, "acme", "?from=yesterday")
        .await
        .expect(400);
}

#[tokio::test]
async fn the_audit_log_is_for_admins_of_the_tenant_and_superadmins() {
    let app = TestApp::spawn().await;
    app.seed("acme", 4, "logged").await;
    app.seed("globex", 4, "elsewhere").await;
    let now = zona_utils::domain::now_millis();
    app.audit(&app.token("acme", 4, Role::User), "acme", "")
        .await
        .expect(403);
    app.audit(&app.token("acme", 4, Role::Creator), "acme", "")
        .await
        .expect(403);
    // An admin is an admin of their own tenant only.
    let admin = app.token("acme", 99, Role::Admin);
    app.audit(&admin, "globex", "").await.expect(403);
    let own = app.audit(&admin, "acme", "?action=create").await;
    own.expect(200);
    assert_eq!(own.body["count"], 1);
    assert_eq!(own.data()[0]["tenantcode"], "acme");
    // A superadmin reads any tenant's.
    let root = app.token("acme", 1, Role::Superadmin);
    let other = app.audit(&root, "globex", "?action=create").await;
    other.expect(200);
    assert_eq!(other.body["count"], 1);
    assert_eq!(other.data()[0]["tenantcode"], "globex");
    // The time range, both ends.
    let before = app
        .audit(
            &root,
            "globex",
            &format!("?action=create&to={}", now - 60_000),
        )
        .await;
    assert_eq!(before.body["count"], 0);
    let within = app
        .audit(
            &root,
            "globex",
            &format!("?action=create&from={}&to={}", now - 60_000, now + 60_000),
        )
        .await;
    assert_eq!(within.body["count"], 1);
}

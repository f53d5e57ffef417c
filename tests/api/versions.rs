use crate::helpers::TestApp;
use serde_json::json;
use zona_utils::domain::Role;

fn code(n: i32) -> String {
    format!("def versioned(data, filter=None):\n    return {n}\n")
}

#[tokio::test]
async fn list_read_and_restore_versions() {
    list_read_and_restore_versions_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn list_read_and_restore_versions_on(app: TestApp) {
    let t = app.token("acme", 1, Role::Creator);
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "versioned", "description": "d", "code": code(1)}),
        )
        .await;
    r.expect(200);
    let id = r.data()["id"].as_i64().unwrap();
    let mut hash = r.data()["filehash"].as_str().unwrap().to_owned();
    for n in 2..=3 {
        let r = app
            .upsert_json(
                &t,
                &json!({"title": "versioned", "taskid": id, "filehash": hash, "code": code(n)}),
            )
            .await;
        r.expect(200);
        hash = r.data()["filehash"].as_str().unwrap().to_owned();
    }
    let list = app.versions(&t, "acme", id).await;
    list.expect(200);
    assert_eq!(list.body["count"], 3);
    let numbers: Vec<i64> = list
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![3, 2, 1]);
    assert!(list.data()[0].get("code").is_none());

    let v1 = app.version(&t, "acme", id, 1).await;
    v1.expect(200);
    assert_eq!(v1.data()["code"], code(1));
    assert_eq!(v1.data()["action"], "create");
    app.version(&t, "acme", id, 9).await.expect(404);

    // A stale hash does not restore.
    let stale = app
        .restore(&t, "acme", id, 1, Some("0".repeat(64).as_str()))
        .await;
    stale.expect(409);
    let restored = app.restore(&t, "acme", id, 1, Some(&hash)).await;
    restored.expect(200);
    assert_eq!(restored.data()["version"], 4);
    let now = app.get_by_id(&t, "acme", id).await;
    assert_eq!(now.data()["filecontents_instring"], code(1));
    let v4 = app.version(&t, "acme", id, 4).await;
    assert_eq!(v4.data()["action"], "restore");
    assert_eq!(v4.data()["restored_from"], 1);
}

#[tokio::test]
async fn restoring_brings_back_a_deleted_utility() {
    restoring_brings_back_a_deleted_utility_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn restoring_brings_back_a_deleted_utility_on(app: TestApp) {
    let t = app.token("acme", 1, Role::Creator);
    let u = app.seed("acme", 1, "phoenix").await;
    let id = u["id"].as_i64().unwrap();
    app.delete_by_id(&t, "acme", id).await.expect(200);
    app.get_by_id(&t, "acme", id).await.expect(404);
    app.restore(&t, "acme", id, 1, None).await.expect(200);
    let back = app.get_by_id(&t, "acme", id).await;
    back.expect(200);
    assert_eq!(back.data()["status"], "active");
}

#[tokio::test]
async fn versions_follow_rbac() {
    versions_follow_rbac_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn versions_follow_rbac_on(app: TestApp) {
    let u = app.seed("acme", 2, "private_util").await;
    let id = u["id"].as_i64().unwrap();
    let other = app.token("acme", 1, Role::User);
    app.versions(&other, "acme", id).await.expect(403);
    app.version(&other, "acme", id, 1).await.expect(403);
    app.restore(&other, "acme", id, 1, None).await.expect(403);
    let owner = app.token("acme", 2, Role::User);
    app.versions(&owner, "acme", id).await.expect(200);
}

use crate::helpers::{TestApp, simple_code};
use serde_json::json;
use zona_utils::domain::Role;

#[tokio::test]
async fn create_read_update_delete_round_trip() {
    create_read_update_delete_round_trip_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn create_read_update_delete_round_trip_on(app: TestApp) {
    let t = app.token("acme", 7, Role::Creator);
    let code = simple_code("doubler");
    let created = app
        .upsert_json(&t, &json!({"title": "doubler", "description": "Doubles", "category": "Math", "code": code}))
        .await;
    created.expect(200);
    let u = created.data();
    assert_eq!(u["name"], "doubler");
    assert_eq!(u["functionname"], "doubler()");
    assert_eq!(u["filename"], "doubler.py");
    assert_eq!(u["type"], "customutils");
    assert_eq!(u["tenantcode"], "acme");
    assert_eq!(u["userid"], 7);
    assert_eq!(u["status"], "active");
    assert_eq!(u["version"], 1);
    assert_eq!(
        u["filehash"],
        zona_utils::crypto::file_hash(code.as_bytes())
    );
    let id = u["id"].as_i64().unwrap();

    let by_name = app.get_by_name(&t, "acme", "7", "doubler", "").await;
    by_name.expect(200);
    assert_eq!(by_name.data()["filecontents_instring"], code.as_str());
    assert_eq!(by_name.data()["id"], id);
    app.get_by_id(&t, "acme", id).await.expect(200);

    let new_code = "def doubler(data, filter=None):\n    return data * 2\n";
    let updated = app
        .upsert_json(
            &t,
            &json!({"title": "doubler", "taskid": id, "filehash": u["filehash"], "code": new_code}),
        )
        .await;
    updated.expect(200);
    assert_eq!(updated.data()["version"], 2);
    assert_eq!(
        updated.data()["description"],
        "Doubles",
        "fields not sent are kept"
    );
    assert_eq!(
        updated.data()["filehash"],
        zona_utils::crypto::file_hash(new_code.as_bytes())
    );

    app.delete_by_id(&t, "acme", id).await.expect(200);
    app.get_by_id(&t, "acme", id).await.expect(404);
    app.get_by_name(&t, "acme", "7", "doubler", "")
        .await
        .expect(404);
    // Soft delete: the versions are still there.
    let versions = app.versions(&t, "acme", id).await;
    versions.expect(200);
    assert_eq!(versions.data().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_design_multipart_form_creates_and_updates() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 3, Role::User);
    let code = "def mp_util(data, filter):\n    return {'n': len(data)}\n";
    let r = app
        .upsert_form(
            &t,
            &[
                ("title", "mp_util"),
                ("description", "From a form"),
                ("category", "Text"),
                ("input_label", "Text to count"),
                ("filter_label", "Unused"),
                ("required_filter", "true"),
                ("output", r#"{"outputs":[{"name":"n"}]}"#),
                ("userid", "3"),
                ("tenantcode", "acme"),
            ],
            code,
        )
        .await;
    r.expect(200);
    let u = r.data().clone();
    assert_eq!(u["outputfields"], r#"{"outputs":[{"name":"n"}]}"#);
    let fields: serde_json::Value = serde_json::from_str(u["fields"].as_str().unwrap()).unwrap();
    assert_eq!(fields["inputfields"][0]["label"], "Text to count");
    assert_eq!(fields["inputfields"][1]["required"], true);
    let params: serde_json::Value =
        serde_json::from_str(u["input_params"].as_str().unwrap()).unwrap();
    assert_eq!(params["params"][1]["name"], "filter");
    assert_eq!(params["params"][1]["required"], true);

    let id = u["id"].as_i64().unwrap().to_string();
    let hash = u["filehash"].as_str().unwrap();
    let r = app
        .upsert_form(
            &t,
            &[("title", "mp_util"), ("taskid", &id), ("filehash", hash)],
            "def mp_util(data, filter):\n    return 1\n",
        )
        .await;
    r.expect(200);
    assert_eq!(r.data()["version"], 2);
}

#[tokio::test]
async fn a_stale_filehash_gets_409_and_changes_nothing() {
    a_stale_filehash_gets_409_and_changes_nothing_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn a_stale_filehash_gets_409_and_changes_nothing_on(app: TestApp) {
    let t = app.token("acme", 1, Role::User);
    let u = app.seed("acme", 1, "shared_util").await;
    let id = u["id"].as_i64().unwrap();
    let first = app
        .upsert_json(
            &t,
            &json!({"title": "shared_util", "taskid": id, "filehash": u["filehash"],
                                 "code": "def shared_util(data, filter=None):\n    return 1\n"}),
        )
        .await;
    first.expect(200);
    // A second editor still holds the old hash.
    let second = app
        .upsert_json(
            &t,
            &json!({"title": "shared_util", "taskid": id, "filehash": u["filehash"],
                                 "code": "def shared_util(data, filter=None):\n    return 2\n"}),
        )
        .await;
    second.expect(409);
    assert_eq!(second.message(), "Util has been altered by other user.");
    let now = app.get_by_id(&t, "acme", id).await;
    assert_eq!(
        now.data()["filecontents_instring"],
        "def shared_util(data, filter=None):\n    return 1\n"
    );
    assert_eq!(now.data()["version"], 2);

    // Without a filehash there is no update.
    let missing = app
        .upsert_json(&t, &json!({"title": "shared_util", "taskid": id, "code": "def shared_util(data, filter=None):\n    return 3\n"}))
        .await;
    missing.expect(400);
    assert_eq!(missing.body["field"], json!(["filehash"]));
}

#[tokio::test]
async fn rename_through_oldtitle_keeps_id_and_history() {
    rename_through_oldtitle_keeps_id_and_history_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn rename_through_oldtitle_keeps_id_and_history_on(app: TestApp) {
    let t = app.token("acme", 1, Role::Creator);
    let u = app.seed("acme", 1, "old_name").await;
    let id = u["id"].as_i64().unwrap();
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "new_name", "oldtitle": "old_name", "filehash": u["filehash"],
                                 "code": "def new_name(data, filter=None):\n    return 0\n"}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.data()["id"], id);
    assert_eq!(r.data()["name"], "new_name");
    app.get_by_name(&t, "acme", "1", "old_name", "")
        .await
        .expect(404);
    app.get_by_name(&t, "acme", "1", "new_name", "")
        .await
        .expect(200);
    let versions = app.versions(&t, "acme", id).await;
    let names: Vec<_> = versions
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("new_name"), json!("old_name")]);
    assert_eq!(versions.data()[0]["action"], "rename");

    // Renaming onto a taken name is a conflict.
    let other = app.seed("acme", 1, "taken_name").await;
    let clash = app
        .upsert_json(
            &t,
            &json!({"title": "taken_name", "taskid": id, "filehash": r.data()["filehash"],
                                 "code": "def taken_name(data, filter=None):\n    return 0\n"}),
        )
        .await;
    clash.expect(409);
    assert!(
        clash.message().contains("already exists"),
        "{}",
        clash.message()
    );
    assert_eq!(
        app.get_by_id(&t, "acme", other["id"].as_i64().unwrap())
            .await
            .data()["description"],
        "seeded"
    );
}

#[tokio::test]
async fn names_are_unique_per_tenant_only() {
    names_are_unique_per_tenant_only_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn names_are_unique_per_tenant_only_on(app: TestApp) {
    app.seed("acme", 1, "same_name").await;
    let t = app.token("acme", 2, Role::User);
    let dup = app
        .upsert_json(
            &t,
            &json!({"title": "same_name", "description": "d", "code": simple_code("same_name")}),
        )
        .await;
    dup.expect(409);
    // Another tenant may use the name.
    app.seed("globex", 1, "same_name").await;
}

#[tokio::test]
async fn every_name_rule() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::User);
    let create = |name: String| {
        let code = format!("def {name}(data, filter=None):\n    return 1\n");
        let body = json!({"title": name, "description": "d", "code": code});
        let app = &app;
        let t = t.clone();
        async move { app.upsert_json(&t, &body).await }
    };
    create("a".repeat(50)).await.expect(200);
    let long = create("b".repeat(51)).await;
    long.expect(400);
    assert_eq!(long.body["field"], json!(["title"]));
    assert!(long.message().contains("limit is 50"), "{}", long.message());
    for bad in [
        "has-dash",
        "has space",
        "dot.name",
        "ünicode",
        "1leading_digit",
    ] {
        let r = create(bad.to_owned()).await;
        r.expect(400);
        assert_eq!(r.body["field"], json!(["title"]), "{bad}");
    }
    for reserved in ["main", "init", "test", "admin", "Main", "ADMIN"] {
        let r = create(reserved.to_owned()).await;
        r.expect(400);
        assert!(
            r.message().contains("reserved"),
            "{reserved}: {}",
            r.message()
        );
    }
    let empty = app
        .upsert_json(
            &t,
            &json!({"title": "", "description": "d", "code": "x = 1\n"}),
        )
        .await;
    empty.expect(400);
    assert!(empty.message().contains("required"));
}

#[tokio::test]
async fn field_limits_have_a_pair_each() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::User);
    let body = |name: &str, description: String, category: String| json!({"title": name, "description": description, "category": category, "code": simple_code(name)});
    app.upsert_json(&t, &body("desc_ok", "d".repeat(2000), "c".into()))
        .await
        .expect(200);
    let r = app
        .upsert_json(&t, &body("desc_long", "d".repeat(2001), "c".into()))
        .await;
    r.expect(400);
    assert_eq!(r.body["field"], json!(["description"]));
    app.upsert_json(&t, &body("cat_ok", "d".into(), "c".repeat(100)))
        .await
        .expect(200);
    let r = app
        .upsert_json(&t, &body("cat_long", "d".into(), "c".repeat(101)))
        .await;
    r.expect(400);
    assert_eq!(r.body["field"], json!(["category"]));
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "no_desc", "code": simple_code("no_desc")}),
        )
        .await;
    r.expect(400);
    assert_eq!(r.body["field"], json!(["description"]));
}

#[tokio::test]
async fn code_size_limit_pair() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::User);
    let limit = app.cfg.limits.code_max_bytes;
    let head = simple_code("big_ok");
    let pad = |n: usize| format!("{head}{}\n", "#".repeat(n - head.len() - 1));
    let at_limit = pad(limit);
    assert_eq!(at_limit.len(), limit);
    app.upsert_json(
        &t,
        &json!({"title": "big_ok", "description": "d", "code": at_limit}),
    )
    .await
    .expect(200);
    let over = pad(limit + 1).replace("big_ok", "big_no");
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "big_no", "description": "d", "code": over}),
        )
        .await;
    r.expect(413);
    assert_eq!(r.body["field"], json!(["code"]));
    assert!(r.message().contains(&limit.to_string()), "{}", r.message());
    app.get_by_name(&t, "acme", "1", "big_no", "")
        .await
        .expect(404);
}

#[tokio::test]
async fn malformed_and_oversized_bodies() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::User);
    let r = app
        .upsert_raw(&t, "application/json", b"{\"title\": ".to_vec())
        .await;
    r.expect(400);
    assert!(r.message().contains("not valid JSON"), "{}", r.message());
    let r = app
        .upsert_raw(&t, "application/json", b"{\"title\": 5}".to_vec())
        .await;
    r.expect(400);
    let r = app
        .upsert_raw(&t, "application/json", b"{\"titel\": \"x\"}".to_vec())
        .await;
    r.expect(400);
    assert!(r.message().contains("titel"), "{}", r.message());
    let r = app
        .upsert_raw(
            &t,
            "multipart/form-data; boundary=XYZ",
            b"--XYZ\r\ngarbage".to_vec(),
        )
        .await;
    r.expect(400);
    assert!(r.message().contains("multipart"), "{}", r.message());
    let r = app
        .upsert_raw(&t, "multipart/form-data", b"--XYZ\r\n".to_vec())
        .await;
    r.expect(400);
    assert!(r.message().contains("boundary"), "{}", r.message());
    let r = app.upsert_raw(&t, "text/plain", b"hello".to_vec()).await;
    r.expect(415);
    // Over the body limit: 413 before anything is parsed or saved.
    let huge = vec![b' '; app.cfg.server.body_limit_bytes + 10];
    let r = app.upsert_raw(&t, "application/json", huge.clone()).await;
    r.expect(413);
    let mut form =
        b"--XYZ\r\ncontent-disposition: form-data; name=\"code\"; filename=\"big.py\"\r\n\r\n"
            .to_vec();
    form.extend_from_slice(&huge);
    form.extend_from_slice(b"\r\n--XYZ--\r\n");
    let r = app
        .upsert_raw(&t, "multipart/form-data; boundary=XYZ", form)
        .await;
    r.expect(413);
    let r = app.list(&t, "acme", "").await;
    assert_eq!(r.body["count"], 0);

    // The other endpoints that take a body: the same limit and the same 400s.
    use reqwest::Method;
    let seeded = app.seed("acme", 1, "kept").await;
    let id = seeded["id"].as_i64().unwrap();
    let bodies = [
        (Method::POST, "/utils/v1/validate".to_owned()),
        (Method::DELETE, "/utils/v1/custom-utils".to_owned()),
        (
            Method::POST,
            format!("/utils/v1/versions/acme/{id}/1/restore"),
        ),
        (Method::POST, "/utils/v1/execute/acme/kept".to_owned()),
    ];
    for (method, path) in &bodies {
        let r = app
            .send_raw(method.clone(), &t, path, "application/json", huge.clone())
            .await;
        assert_eq!(r.status, 413, "{method} {path}: {}", r.body);
        assert_eq!(r.body["success"], false, "{method} {path}");
        let r = app
            .send_raw(
                method.clone(),
                &t,
                path,
                "application/json",
                b"{\"code\": ".to_vec(),
            )
            .await;
        assert_eq!(r.status, 400, "{method} {path}: {}", r.body);
        assert!(
            r.message().contains("JSON"),
            "{method} {path}: {}",
            r.message()
        );
    }
    // Nothing of that reached the utility.
    let r = app.get_by_id(&t, "acme", id).await;
    r.expect(200);
    assert_eq!(r.data()["status"], "active");
    assert_eq!(r.data()["filehash"], seeded["filehash"]);
}

#[tokio::test]
async fn syntax_errors_come_back_with_line_and_column() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::User);
    let r = app
        .upsert_json(&t, &json!({"title": "broken", "description": "d", "code": "def broken(data, filter):\n    return (1 +\n"}))
        .await;
    r.expect(422);
    let f = &r.data()["findings"][0];
    assert_eq!(f["rule_id"], "syntax");
    assert!(f["line"].as_u64().unwrap() >= 2, "{f}");
    assert!(f["column"].as_u64().unwrap() >= 1, "{f}");
    app.get_by_name(&t, "acme", "1", "broken", "")
        .await
        .expect(404);
}

#[tokio::test]
async fn lists_paginate_filter_sort_and_count() {
    lists_paginate_filter_sort_and_count_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn lists_paginate_filter_sort_and_count_on(app: TestApp) {
    let admin = app.token("acme", 100, Role::Admin);
    for i in 0..7 {
        let category = if i % 2 == 0 { "even" } else { "odd" };
        let name = format!("util_{i}");
        app.upsert_json(
            &admin,
            &json!({"title": name, "description": "d", "category": category, "userid": 1 + (i % 3),
                                        "code": simple_code(&name)}),
        )
        .await
        .expect(200);
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let all = app.list(&admin, "acme", "").await;
    all.expect(200);
    assert_eq!(all.body["count"], 7);
    let names: Vec<String> = all
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.first().unwrap(), "util_6", "newest first");
    assert!(
        all.data()
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["filehash"].as_str().unwrap().len() == 64)
    );
    assert!(
        all.data()[0].get("filecontents_instring").is_none(),
        "lists carry no code"
    );

    let p1 = app.list(&admin, "acme", "?limit=3").await;
    assert_eq!(p1.data().as_array().unwrap().len(), 3);
    assert_eq!(p1.body["count"], 7);
    let cursor = p1.body["next_cursor"].as_str().unwrap().to_owned();
    let p2 = app
        .list(&admin, "acme", &format!("?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(p2.data()[0]["name"], "util_3");
    let by_offset = app.list(&admin, "acme", "?limit=3&offset=3").await;
    assert_eq!(by_offset.data(), p2.data());

    let even = app.list(&admin, "acme", "?category=even").await;
    assert_eq!(even.body["count"], 4);
    let prefixed = app.list(&admin, "acme", "?prefix=util_1").await;
    assert_eq!(prefixed.body["count"], 1);
    let of_user = app.get_by_name(&admin, "acme", "2", "-", "").await;
    assert_eq!(of_user.body["count"], 2);

    app.delete_by_id(&admin, "acme", all.data()[0]["id"].as_i64().unwrap())
        .await
        .expect(200);
    assert_eq!(app.list(&admin, "acme", "").await.body["count"], 6);
    assert_eq!(
        app.list(&admin, "acme", "?status=inactive").await.body["count"],
        1
    );

    app.list(&admin, "acme", "?limit=0").await.expect(400);
    app.list(&admin, "acme", "?limit=100000").await.expect(400);
    app.list(&admin, "acme", "?limit=abc").await.expect(400);
    app.list(&admin, "acme", "?cursor=garbage")
        .await
        .expect(400);
    app.list(&admin, "acme", "?status=weird").await.expect(400);
    app.list(&admin, "acme", "?bogus=1").await.expect(400);
}

#[tokio::test]
async fn delete_with_the_design_body() {
    delete_with_the_design_body_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn delete_with_the_design_body_on(app: TestApp) {
    let t = app.token("acme", 5, Role::Creator);
    app.seed("acme", 5, "to_remove").await;
    let r = app
        .delete_by_body(
            &t,
            &json!({"functionname": "to_remove()", "tenantcode": "acme", "userid": "5"}),
        )
        .await;
    r.expect(200);
    assert_eq!(r.data()["status"], "inactive");
    app.delete_by_body(
        &t,
        &json!({"functionname": "to_remove", "tenantcode": "acme"}),
    )
    .await
    .expect(404);
    app.delete_by_body(&t, &json!({"tenantcode": "acme"}))
        .await
        .expect(400);
    // A body that names another user or tenant than the token's: 403, nothing deleted.
    app.seed("acme", 5, "still_here").await;
    app.delete_by_body(
        &t,
        &json!({"functionname": "still_here()", "tenantcode": "acme", "userid": "6"}),
    )
    .await
    .expect(403);
    app.delete_by_body(
        &t,
        &json!({"functionname": "still_here()", "tenantcode": "globex", "userid": "5"}),
    )
    .await
    .expect(403);
    let r = app.get_by_name(&t, "acme", "5", "still_here", "").await;
    r.expect(200);
    assert_eq!(r.data()["status"], "active");
}

#[tokio::test]
async fn bad_paths_get_400_and_unknown_routes_404() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::Admin);
    app.get_by_id(&t, "ACME!", 1).await.expect(400);
    let r = app
        .send_get(&t, "/utils/v1/custom-utils/acme/notanumber")
        .await;
    r.expect(400);
    assert_eq!(r.body["field"], json!(["id"]));
    app.send_get(&t, "/utils/v1/nothing-here").await.expect(404);
    app.get_by_id(&t, "acme", 12345).await.expect(404);
}

impl TestApp {
    pub async fn send_get(&self, token: &str, path: &str) -> crate::helpers::Reply {
        let resp = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.json().await.unwrap();
        crate::helpers::Reply {
            status,
            headers,
            body,
        }
    }
}

#[tokio::test]
async fn a_failure_on_the_server_is_an_opaque_500_with_a_request_id() {
    let app = TestApp::spawn().await;
    // A tenant whose database file is damaged: the store fails in a way no request can fix.
    let file = app.data_dir.path().join("tenants/broken.sqlite");
    std::fs::write(&file, b"not a database, only bytes; ".repeat(200)).unwrap();
    let t = app.token("broken", 1, Role::Admin);
    let r = app.list(&t, "broken", "").await;
    r.expect(500);
    assert_eq!(r.body["error"], "INTERNAL_ERROR");
    let id = r.headers["x-request-id"].to_str().unwrap();
    assert!(!id.is_empty());
    assert!(r.message().contains(id), "{}", r.message());
    // Opaque: nothing of the cause (SQLite's message, the file's path) reaches the client.
    let body = r.body.to_string();
    for leak in ["sqlite", "database", "tenants", "file is not"] {
        assert!(!body.to_lowercase().contains(leak), "{leak}: {body}");
    }
    // Other tenants are unaffected.
    let t = app.token("acme", 1, Role::Admin);
    app.list(&t, "acme", "").await.expect(200);
}

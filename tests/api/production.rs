//! The API tests that matter most, again on the production shape: the MongoDB store and the
//! Redis cache (shared test servers, a database and key prefix per test).

use crate::helpers::TestApp;
use crate::{audit, execute, persistence, rbac, utilities, versions};
use serde_json::json;
use zona_utils::domain::Role;

/// `name => module::name_on`: the test `name`, run on the production shape.
macro_rules! on_production {
    ($($case:ident => $body:path),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                $body(TestApp::spawn_production().await).await
            }
        )*
    };
}

on_production!(
    create_read_update_delete_round_trip => utilities::create_read_update_delete_round_trip_on,
    a_stale_filehash_gets_409_and_changes_nothing => utilities::a_stale_filehash_gets_409_and_changes_nothing_on,
    rename_through_oldtitle_keeps_id_and_history => utilities::rename_through_oldtitle_keeps_id_and_history_on,
    names_are_unique_per_tenant_only => utilities::names_are_unique_per_tenant_only_on,
    lists_paginate_filter_sort_and_count => utilities::lists_paginate_filter_sort_and_count_on,
    delete_with_the_design_body => utilities::delete_with_the_design_body_on,
    the_whole_permission_matrix => rbac::the_whole_permission_matrix_on,
    lists_are_scoped_by_role => rbac::lists_are_scoped_by_role_on,
    a_tenant_in_the_body_that_disagrees_with_the_token_is_403 => rbac::a_tenant_in_the_body_that_disagrees_with_the_token_is_403_on,
    list_read_and_restore_versions => versions::list_read_and_restore_versions_on,
    restoring_brings_back_a_deleted_utility => versions::restoring_brings_back_a_deleted_utility_on,
    versions_follow_rbac => versions::versions_follow_rbac_on,
    every_change_and_every_denial_is_recorded => audit::every_change_and_every_denial_is_recorded_on,
    data_and_tokens_survive_a_restart => persistence::data_and_tokens_survive_a_restart_on,
    runs_a_utility_by_name_and_by_id_and_records_it => execute::runs_a_utility_by_name_and_by_id_and_records_it_on,
    an_update_runs_the_new_code_at_once => execute::an_update_runs_the_new_code_at_once_on,
);

#[tokio::test]
async fn health_reports_both_dependencies() {
    let app = TestApp::spawn_production().await;
    let r = app.wait_for_health("healthy").await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body["status"], "healthy", "{}", r.body);
    assert_eq!(r.body["checks"]["database"]["status"], "healthy");
    assert_eq!(r.body["checks"]["redis"]["status"], "healthy");
}

/// What the store holds is sealed: the marker in the code is nowhere in the tenant's
/// MongoDB documents.
#[tokio::test]
async fn plaintext_code_never_reaches_mongodb() {
    use mongodb::bson::{Document, doc};
    let app = TestApp::spawn_production().await;
    let t = app.token("acme", 1, Role::Creator);
    let marker = "ZONA_MARKER_4b1d9c";
    let code = format!("def sealed_one(data, filter=None):\n    return '{marker}'\n");
    app.upsert_json(
        &t,
        &json!({"title": "sealed_one", "description": "d", "code": code}),
    )
    .await
    .expect(200);
    let client = mongodb::Client::with_uri_str(crate::servers::shared().mongo_uri.as_str())
        .await
        .unwrap();
    let prefix = &app.cfg.storage.mongodb.db_prefix;
    let db = client.database(&format!("{prefix}t_acme"));
    let mut seen = 0;
    for coll in db.list_collection_names().await.unwrap() {
        let mut cursor = db
            .collection::<Document>(&coll)
            .find(doc! {})
            .await
            .unwrap();
        while cursor.advance().await.unwrap() {
            let raw = cursor.current().as_bytes().to_vec();
            seen += 1;
            assert!(
                !raw.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "plaintext code found in {coll}"
            );
        }
    }
    assert!(
        seen >= 3,
        "the utility, its version and its audit entry were read"
    );
}

/// Runs one of the `shared_*` utilities and returns the fuel its call used.
async fn run_shared(app: &TestApp, token: &str, name: &str, marker: &str) -> u64 {
    let r = app
        .execute(token, "acme", name, "", &json!({"data": "x,y"}))
        .await;
    r.expect_outcome("ok");
    assert_eq!(r.data()["result"], format!("{marker}xy111"));
    r.data()["fuel_used"].as_u64().unwrap()
}

/// The compiled form of a utility version is shared through Redis, sealed with the service's
/// key; an entry that does not open is never run, the call compiles instead. Whether a call
/// was handed bytecode shows in its fuel: without it, the guest compiles the source first.
#[tokio::test]
async fn bytecode_is_shared_through_redis_sealed_and_not_trusted_blindly() {
    use redis::AsyncCommands;
    let a = TestApp::spawn_production().await;
    a.wait_for_health("healthy").await;
    // Both running before anything is cached (an instance that starts voids what L2 holds).
    let b = a.another_instance().await;
    b.wait_for_health("healthy").await;
    a.engine_ready().await;
    b.engine_ready().await;
    let t = a.token("acme", 7, Role::User);
    let marker = "ZONA_BYTECODE_MARKER_91f3";
    let mut ids = Vec::new();
    for name in ["shared_one", "shared_two"] {
        // Enough code that compiling it costs fuel that shows.
        let code = format!(
            "def {name}(data, filter=None):\n    table = {{i: str(i) * 3 for i in range(3)}}\n    \
             words = [w.strip() for w in data.split(',') if w]\n    \
             return '{marker}' + ''.join(words) + table[1]\n"
        );
        let r = a
            .upsert_json(
                &t,
                &json!({"title": name, "description": "d", "code": code}),
            )
            .await;
        r.expect(200);
        ids.push(r.data()["id"].as_i64().unwrap());
    }
    let a_one = run_shared(&a, &t, "shared_one", marker).await;
    let a_two = run_shared(&a, &t, "shared_two", marker).await;

    // Two entries in Redis, and the code's constants are not readable in them.
    let client = redis::Client::open(crate::servers::shared().redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let prefix = format!("{}:acme:fixed:bytecode:", a.cfg.cache.key_prefix);
    let keys: Vec<String> = redis.keys(format!("{prefix}*")).await.unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for k in &keys {
        let stored: Vec<u8> = redis.get(k).await.unwrap();
        assert!(
            !stored.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "the bytecode in Redis is sealed"
        );
    }

    // B runs `shared_two` with A's bytecode: no compiling, so the fuel of A's call.
    let b_two = run_shared(&b, &t, "shared_two", marker).await;

    // `shared_one`'s entry tampered with inside its envelope (a 16-byte header, then the sealed
    // bytes in MessagePack; the last byte is the seal's tag): B cannot open it, so it compiles.
    let one = keys
        .iter()
        .find(|k| k.starts_with(&format!("{prefix}{}:", ids[0])))
        .unwrap();
    let stored: Vec<u8> = redis.get(one).await.unwrap();
    let (header, body) = stored.split_at(16);
    let mut sealed: Vec<u8> = rmp_serde::from_slice(body).unwrap();
    *sealed.last_mut().unwrap() ^= 0xff;
    let mut tampered = header.to_vec();
    tampered.extend(rmp_serde::to_vec_named(&sealed).unwrap());
    let _: () = redis.set(one, tampered).await.unwrap();
    let b_one = run_shared(&b, &t, "shared_one", marker).await;
    // Measured: ~1.35 M units with bytecode, ~2.35 M when the guest compiles first.
    let near = |x: u64, y: u64| x.abs_diff(y) < y / 20;
    assert!(near(a_one, a_two), "{a_one} {a_two}");
    assert!(
        near(b_two, a_two),
        "B was handed A's bytecode: {b_two} vs {a_two}"
    );
    assert!(
        b_one > a_one + a_one / 5,
        "B compiled rather than run what it could not open: {b_one} vs {a_one}"
    );
}

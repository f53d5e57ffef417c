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

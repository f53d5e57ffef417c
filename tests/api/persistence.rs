use crate::helpers::TestApp;
use serde_json::json;
use zona_utils::domain::Role;

#[tokio::test]
async fn data_and_tokens_survive_a_restart() {
    data_and_tokens_survive_a_restart_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn data_and_tokens_survive_a_restart_on(app: TestApp) {
    let t = app.token("acme", 1, Role::Creator);
    let code = "def durable(data, filter=None):\n    return 'still here'\n";
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "durable", "description": "d", "code": code}),
        )
        .await;
    r.expect(200);
    let id = r.data()["id"].as_i64().unwrap();
    let app = app.restart().await;
    // The same token still verifies: the generated secret was kept.
    let got = app.get_by_id(&t, "acme", id).await;
    got.expect(200);
    assert_eq!(got.data()["filecontents_instring"], code);
    assert_eq!(app.versions(&t, "acme", id).await.body["count"], 1);
    // Ids keep counting after a restart.
    let next = app.seed("acme", 1, "second").await;
    assert_eq!(next["id"], id + 1);
}

#[tokio::test]
async fn plaintext_code_never_reaches_the_data_files() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::Creator);
    let marker = "ZONA_MARKER_7f3c2a9e";
    let code = format!("def secretive(data, filter=None):\n    return '{marker}'\n");
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "secretive", "description": "d", "code": code}),
        )
        .await;
    r.expect(200);
    let id = r.data()["id"].as_i64().unwrap();
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "secretive", "taskid": id, "filehash": r.data()["filehash"],
                                 "code": code.replace("return", "return  ")}),
        )
        .await;
    r.expect(200);
    let mut app = app;
    app.stop().await;
    let mut files = 0;
    let mut stack = vec![app.data_dir.path().to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "plaintext code found in {}",
                path.display()
            );
        }
    }
    assert!(files >= 2, "the data directory was written");
}

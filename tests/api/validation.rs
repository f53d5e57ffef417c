//! Validation over HTTP: POST /validate, and the policy on every path that saves code.

use crate::helpers::{TestApp, repo_path, simple_code, test_config};
use serde_json::{Value, json};
use zona_utils::domain::Role;

fn rule_ids(findings: &Value) -> Vec<&str> {
    findings
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect()
}

const HOSTILE: &str = "import subprocess\n\ndef leaky(data, filter=None):\n    return subprocess.check_output(data)\n";
const DYNAMIC: &str = "def dyn(data, filter=None):\n    return getattr(data, filter)()\n";

#[tokio::test]
async fn validate_reports_findings_without_saving() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::User);
    let r = app
        .validate(&t, &json!({"code": simple_code("clean"), "name": "clean"}))
        .await;
    r.expect(200);
    assert_eq!(r.data(), &json!({"valid": true, "findings": []}));

    let r = app
        .validate(&t, &json!({"code": HOSTILE, "name": "leaky"}))
        .await;
    r.expect(200);
    assert_eq!(r.data()["valid"], false);
    let f = &r.data()["findings"][0];
    assert_eq!(f["rule_id"], "forbidden-import-process");
    assert_eq!(
        (f["severity"].as_str(), f["action"].as_str()),
        (Some("high"), Some("block"))
    );
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(8))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(1), Some(18))
    );
    assert_eq!(f["source_line"], "import subprocess");
    assert!(!f["message"].as_str().unwrap().is_empty() && !f["hint"].as_str().unwrap().is_empty());

    // The contract is checked when a name is given, with the declared parameters.
    let r = app
        .validate(&t, &json!({"code": simple_code("clean"), "name": "other"}))
        .await;
    assert_eq!(rule_ids(&r.data()["findings"]), ["contract-entry"]);
    let params = json!({"params": [{"name": "text", "order": 1, "type": "string"}]});
    let r = app
        .validate(
            &t,
            &json!({"code": simple_code("clean"), "name": "clean", "input_params": params}),
        )
        .await;
    assert_eq!(rule_ids(&r.data()["findings"]), ["contract-params"]);
    assert!(
        r.data()["findings"][0]["hint"]
            .as_str()
            .unwrap()
            .contains("def clean(text):")
    );
    // Without a name, only the policy is checked.
    let r = app.validate(&t, &json!({"code": "x = 1\n"})).await;
    assert_eq!(r.data()["valid"], true);
    // Syntax errors come back as a finding an editor can underline.
    let r = app
        .validate(&t, &json!({"code": "def f(:\n    pass\n"}))
        .await;
    r.expect(200);
    let f = &r.data()["findings"][0];
    assert_eq!(
        (
            f["rule_id"].as_str(),
            f["line"].as_u64(),
            f["column"].as_u64()
        ),
        (Some("syntax"), Some(1), Some(7))
    );

    let r = app.list(&t, "acme", "").await;
    assert_eq!(r.body["count"], 0, "validate saves nothing");
}

#[tokio::test]
async fn validate_needs_a_token_and_well_formed_input() {
    let app = TestApp::spawn().await;
    let r = app
        .validate("not-a-token", &json!({"code": "x = 1\n"}))
        .await;
    r.expect(401);
    let t = app.token("acme", 1, Role::User);
    for (body, field) in [
        (json!({"code": "x = 1\n", "name": "bad name!"}), "name"),
        (
            json!({"code": "x = 1\n", "input_params": {"params": []}}),
            "name",
        ),
        (
            json!({"code": "x = 1\n", "name": "ok", "input_params": {"params": [{"name": "1x", "order": 1, "type": "string"}]}}),
            "input_params",
        ),
        (json!({"code": "   "}), "code"),
    ] {
        let r = app.validate(&t, &body).await;
        r.expect(400);
        assert_eq!(r.body["field"], json!([field]), "{body}: {}", r.body);
    }
    let r = app.validate(&t, &json!({"name": "x"})).await;
    r.expect(400);
    let r = app
        .validate(&t, &json!({"code": "x = 1\n", "extra": 1}))
        .await;
    r.expect(400);
}

#[tokio::test]
async fn validate_code_size_limit_pair() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::Creator);
    let limit = app.cfg.limits.code_max_bytes;
    let at_limit = format!("x = '{}'\n", "a".repeat(limit - 7));
    assert_eq!(at_limit.len(), limit);
    let r = app.validate(&t, &json!({"code": at_limit})).await;
    r.expect(200);
    assert_eq!(r.data()["valid"], true);
    let r = app
        .validate(&t, &json!({"code": format!("{at_limit}#")}))
        .await;
    r.expect(413);
    assert_eq!(r.body["field"], json!(["code"]));
    assert!(r.message().contains(&limit.to_string()), "{}", r.message());
}

#[tokio::test]
async fn create_with_hostile_code_is_rejected_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::Creator);
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "leaky", "description": "d", "code": HOSTILE}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.body["error"], "CODE_REJECTED");
    assert_eq!(r.body["field"], json!(["code"]));
    assert_eq!(r.data()["valid"], false);
    assert_eq!(
        rule_ids(&r.data()["findings"]),
        ["forbidden-import-process"]
    );
    assert!(r.message().contains("line 1, column 8"), "{}", r.message());
    app.get_by_name(&t, "acme", "1", "leaky", "")
        .await
        .expect(404);
    assert_eq!(app.list(&t, "acme", "").await.body["count"], 0);

    // The multipart form goes through the same validation.
    let fields = [("title", "leaky"), ("description", "d")];
    let r = app.upsert_form(&t, &fields, HOSTILE).await;
    r.expect(422);
    assert_eq!(
        rule_ids(&r.data()["findings"]),
        ["forbidden-import-process"]
    );
}

#[tokio::test]
async fn update_with_hostile_code_is_rejected_and_the_utility_is_unchanged() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::Creator);
    let u = app.seed("acme", 1, "keeper").await;
    let id = u["id"].as_i64().unwrap();
    let hostile =
        "def keeper(data, filter=None):\n    return ().__class__.__bases__[0].__subclasses__()\n";
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "keeper", "taskid": id, "filehash": u["filehash"], "code": hostile}),
        )
        .await;
    r.expect(422);
    assert_eq!(
        rule_ids(&r.data()["findings"]),
        ["forbidden-attribute", "forbidden-attribute"]
    );
    let now = app.get_by_name(&t, "acme", "1", "keeper", "").await;
    now.expect(200);
    assert_eq!(now.data()["filehash"], u["filehash"]);
    assert_eq!(now.data()["filecontents_instring"], simple_code("keeper"));
    assert_eq!(
        app.versions(&t, "acme", id)
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn warnings_are_saved_with_the_utility_and_returned() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::Creator);
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "dyn", "description": "d", "code": DYNAMIC}),
        )
        .await;
    r.expect(200);
    let warnings = &r.data()["warnings"];
    assert_eq!(rule_ids(warnings), ["dynamic-attribute"]);
    assert_eq!(warnings[0]["action"], "warn");
    assert_eq!(warnings[0]["line"], 2);
    let read = app.get_by_name(&t, "acme", "1", "dyn", "").await;
    read.expect(200);
    assert_eq!(&read.data()["warnings"], warnings);
    // Clean code saves no warnings.
    let clean = app.seed("acme", 1, "clean").await;
    assert_eq!(clean["warnings"], json!([]));
}

#[tokio::test]
async fn a_tenant_overlay_changes_the_outcome_for_that_tenant_only() {
    let app = TestApp::spawn().await;
    let globex = app.token("globex", 1, Role::Creator);
    let acme = app.token("acme", 1, Role::Creator);
    let client = "import requests\n\ndef fetch(data, filter=None):\n    return requests.get(data).status_code\n";
    // globex's overlay allows HTTP clients...
    let r = app
        .upsert_json(
            &globex,
            &json!({"title": "fetch", "description": "d", "code": client}),
        )
        .await;
    r.expect(200);
    let r = app
        .upsert_json(
            &acme,
            &json!({"title": "fetch", "description": "d", "code": client}),
        )
        .await;
    r.expect(422);
    assert_eq!(
        rule_ids(&r.data()["findings"]),
        ["forbidden-import-network"]
    );
    // ...and makes medium findings block.
    let r = app
        .upsert_json(
            &globex,
            &json!({"title": "dyn", "description": "d", "code": DYNAMIC}),
        )
        .await;
    r.expect(422);
    assert_eq!(rule_ids(&r.data()["findings"]), ["dynamic-attribute"]);
    assert_eq!(r.data()["findings"][0]["action"], "block");
    let r = app
        .upsert_json(
            &acme,
            &json!({"title": "dyn", "description": "d", "code": DYNAMIC}),
        )
        .await;
    r.expect(200);
    // /validate answers with the caller's tenant policy.
    let r = app
        .validate(&globex, &json!({"code": "import random\n"}))
        .await;
    assert_eq!(rule_ids(&r.data()["findings"]), ["globex-no-randomness"]);
    let r = app
        .validate(&acme, &json!({"code": "import random\n"}))
        .await;
    assert_eq!(r.data(), &json!({"valid": true, "findings": []}));
}

/// A policy directory: the repository's default, edited by `edit`.
fn policies_with(dir: &std::path::Path, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    let policies = dir.join("policies");
    std::fs::create_dir_all(policies.join("tenants")).unwrap();
    let text = std::fs::read_to_string(repo_path("policies/default.toml")).unwrap();
    std::fs::write(policies.join("default.toml"), edit(text)).unwrap();
    policies
}

#[tokio::test]
async fn restore_runs_the_current_policy() {
    // Version 1 is saved under a looser default policy (sockets allowed)...
    let dir = tempfile::tempdir().unwrap();
    let loose = policies_with(dir.path(), |t| t.replace("\"socket\", ", ""));
    let mut app = TestApp::spawn_with(|cfg| cfg.validation.policies_dir = loose.clone()).await;
    let t = app.token("acme", 1, Role::Creator);
    let v1 = "import socket\n\ndef host(data, filter=None):\n    return socket.gethostname()\n";
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "host", "description": "d", "code": v1}),
        )
        .await;
    r.expect(200);
    let id = r.data()["id"].as_i64().unwrap();
    let r = app
        .upsert_json(&t, &json!({"title": "host", "taskid": id, "filehash": r.data()["filehash"], "code": simple_code("host")}))
        .await;
    r.expect(200);
    // ...then the service restarts with the repository's policy: restoring version 1 is refused.
    app.cfg.validation.policies_dir = repo_path("policies");
    let app = app.restart().await;
    let r = app.restore(&t, "acme", id, 1, None).await;
    r.expect(422);
    assert_eq!(
        rule_ids(&r.data()["findings"]),
        ["forbidden-import-network"]
    );
    let now = app.get_by_id(&t, "acme", id).await;
    assert_eq!(now.data()["version"], 2);
    assert_eq!(now.data()["filecontents_instring"], simple_code("host"));
}

#[tokio::test]
async fn a_bad_policy_file_stops_the_start_naming_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let policies = policies_with(dir.path(), |t| t);
    std::fs::write(
        policies.join("tenants/initech.toml"),
        "[actions]\nhigh = \"warn\"\n",
    )
    .unwrap();
    let mut cfg = test_config(dir.path());
    cfg.validation.policies_dir = policies.clone();
    let err = match zona_utils::startup::Server::build(&cfg).await {
        Ok(_) => {
            panic!("the service started with a tenant policy that relaxes a non-relaxable action")
        }
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("initech.toml") && err.contains("actions.high"),
        "{err}"
    );

    std::fs::remove_file(policies.join("tenants/initech.toml")).unwrap();
    std::fs::write(
        policies.join("default.toml"),
        "[actions]\nhigh = \"blok\"\n",
    )
    .unwrap();
    let err = match zona_utils::startup::Server::build(&cfg).await {
        Ok(_) => panic!("the service started with a broken default policy"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("default.toml") && err.contains("blok"),
        "{err}"
    );
}

#[tokio::test]
async fn deeply_nested_code_is_a_limit_finding_not_a_crash() {
    let app = TestApp::spawn().await;
    let t = app.token("acme", 1, Role::Creator);
    let deep = format!(
        "def deep(data, filter=None):\n    return {}1\n",
        "-".repeat(200_000)
    );
    let r = app.validate(&t, &json!({"code": deep})).await;
    r.expect(200);
    assert_eq!(r.data()["valid"], false);
    assert_eq!(rule_ids(&r.data()["findings"]), ["limit-ast-depth"]);
    assert_eq!(r.data()["findings"][0]["line"], 2);
    let r = app
        .upsert_json(
            &t,
            &json!({"title": "deep", "description": "d", "code": deep}),
        )
        .await;
    r.expect(422);
    assert_eq!(rule_ids(&r.data()["findings"]), ["limit-ast-depth"]);
    // The service is still up.
    assert_eq!(app.health().await.status.as_u16(), 200);
}

//! POST /utils/v1/execute: the real runtime in worker processes, through the API.

use crate::helpers::TestApp;
use serde_json::{Value, json};
use std::time::Duration;
use zona_utils::domain::Role;

/// Creates `name` with `code` (and optional `input_params`) as user `user` of `tenant`.
async fn create(app: &TestApp, token: &str, name: &str, code: &str, params: Option<Value>) -> i64 {
    let mut body = json!({"title": name, "description": "test", "code": code});
    if let Some(p) = params {
        body["input_params"] = p;
    }
    let r = app.upsert_json(token, &body).await;
    r.expect(200);
    r.data()["id"].as_i64().unwrap()
}

async fn ready_app() -> TestApp {
    let app = TestApp::spawn().await;
    app.engine_ready().await;
    app
}

/// Polls the executions list until the record of `execution_id` is written (off the hot path).
async fn wait_record(app: &TestApp, token: &str, tenant: &str, execution_id: &str) -> Value {
    for _ in 0..200 {
        let r = app.executions(token, tenant, "?limit=100").await;
        r.expect(200);
        if let Some(rec) = r
            .data()
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == execution_id)
        {
            return rec.clone();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("execution {execution_id} was never recorded");
}

#[tokio::test]
async fn runs_a_utility_by_name_and_by_id_and_records_it() {
    runs_a_utility_by_name_and_by_id_and_records_it_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs).
pub async fn runs_a_utility_by_name_and_by_id_and_records_it_on(app: TestApp) {
    app.engine_ready().await;
    let t = app.token("acme", 7, Role::Creator);
    let code = "def shout(data, filter=None):\n    print('shouting', len(data))\n    return {'text': data.upper(), 'filter': filter}\n";
    let id = create(&app, &t, "shout", code, None).await;

    let r = app
        .execute(&t, "acme", "shout", "", &json!({"data": "héllo"}))
        .await;
    r.expect(200);
    let d = r.data();
    assert_eq!(d["outcome"], "ok");
    assert_eq!(d["result"], json!({"text": "HÉLLO", "filter": null}));
    assert_eq!(d["stdout"], "shouting 5\n");
    assert_eq!(d["taskid"], id);
    assert_eq!(d["runtime"], "wasm");
    assert!(d["fuel_used"].as_u64().unwrap() > 0);
    assert!(d["peak_memory_bytes"].as_u64().unwrap() > 0);
    assert!(d["execution_time"].as_f64().unwrap() > 0.0);

    let by_id = app
        .execute(
            &t,
            "acme",
            &id.to_string(),
            "",
            &json!({"data": "x", "filter": "f"}),
        )
        .await;
    by_id.expect(200);
    assert_eq!(by_id.data()["result"], json!({"text": "X", "filter": "f"}));

    let exec_id = d["execution_id"].as_str().unwrap();
    let rec = wait_record(&app, &t, "acme", exec_id).await;
    assert_eq!(rec["taskid"], id);
    assert_eq!(rec["userid"], 7);
    assert_eq!(rec["status"], "completed");
    assert_eq!(rec["outcome"], "ok");
    assert_eq!(rec["name"], "shout");
    assert_eq!(
        rec["request"],
        json!({"data": "héllo", "filter": null}).to_string()
    );
    assert_eq!(rec["logs"], json!(["stdout: shouting 5"]));
    assert_eq!(rec["fuel_used"], d["fuel_used"]);

    let admin = app.token("acme", 1, Role::Admin);
    let audit = app.audit(&admin, "acme", "?action=execute").await;
    audit.expect(200);
    assert!(
        audit
            .data()
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["details"]["execution_id"] == exec_id),
        "{}",
        audit.body
    );
    let filtered = app
        .executions(&t, "acme", &format!("?utility={id}&status=completed"))
        .await;
    filtered.expect(200);
    assert_eq!(filtered.body["count"], 2);
}

#[tokio::test]
async fn arguments_are_checked_against_input_params() {
    let app = ready_app().await;
    let t = app.token("acme", 7, Role::User);
    let params = json!({"params": [
        {"name": "n", "order": 1, "type": "integer"},
        {"name": "label", "order": 2, "type": "string", "required": false}]});
    create(
        &app,
        &t,
        "typed",
        "def typed(n, label=None):\n    return [n * 2, label]\n",
        Some(params),
    )
    .await;
    let ok = app
        .execute(&t, "acme", "typed", "", &json!({"n": 21}))
        .await;
    ok.expect(200);
    assert_eq!(ok.data()["result"], json!([42, null]));

    for (args, param) in [
        (json!({}), "n"),
        (json!({"n": "21"}), "n"),
        (json!({"n": 1, "extra": true}), "extra"),
        (json!({"n": 1, "label": 5}), "label"),
    ] {
        let r = app.execute(&t, "acme", "typed", "", &args).await;
        r.expect(400);
        assert_eq!(r.body["field"], json!([param]), "{args}: {}", r.body);
        assert!(r.message().contains(param), "{}", r.message());
    }
    let r = app
        .send_raw_execute(&t, "acme", "typed", "application/json", "[1, 2]")
        .await;
    r.expect(400);
    let r = app
        .send_raw_execute(&t, "acme", "typed", "application/json", "{nope")
        .await;
    r.expect(400);
    let r = app
        .send_raw_execute(&t, "acme", "typed", "text/plain", "n=1")
        .await;
    r.expect(415);
    app.execute(&t, "acme", "nosuch", "", &json!({}))
        .await
        .expect(404);
}

#[tokio::test]
async fn execution_follows_the_permission_matrix() {
    let app = ready_app().await;
    let owner = app.token("acme", 7, Role::User);
    create(
        &app,
        &owner,
        "mine",
        "def mine(data, filter=None):\n    return data\n",
        None,
    )
    .await;
    let args = json!({"data": "x"});
    for (token, status) in [
        (app.token("acme", 7, Role::User), 200),
        (app.token("acme", 8, Role::User), 403),
        (app.token("acme", 8, Role::Creator), 403),
        (app.token("acme", 9, Role::Admin), 200),
        (app.token("other", 9, Role::Admin), 403),
        (app.token("other", 9, Role::Superadmin), 200),
    ] {
        app.execute(&token, "acme", "mine", "", &args)
            .await
            .expect(status);
    }
    let r = app
        .client
        .post(app.url("/utils/v1/execute/acme/mine"))
        .json(&args)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_users_errors_come_back_with_their_line_numbers() {
    let app = ready_app().await;
    let t = app.token("acme", 7, Role::User);
    let code = "def helper(x):\n    return 1 / x\n\ndef broken(data, filter=None):\n    return helper(0)\n";
    create(&app, &t, "broken", code, None).await;
    let r = app
        .execute(&t, "acme", "broken", "", &json!({"data": "x"}))
        .await;
    r.expect_outcome("error");
    assert_eq!(r.body["error"], "ERROR");
    assert!(r.message().contains("ZeroDivisionError"), "{}", r.message());
    let d = r.data();
    assert_eq!(d["outcome"], "error");
    assert_eq!(d["error"]["type"], "ZeroDivisionError");
    let tb = d["error"]["traceback"].as_str().unwrap();
    assert!(
        tb.contains("line 5, in broken") && tb.contains("line 2, in helper"),
        "{tb}"
    );
    let rec = wait_record(&app, &t, "acme", d["execution_id"].as_str().unwrap()).await;
    assert_eq!(rec["status"], "failed");
    assert_eq!(rec["outcome"], "error");
    assert!(
        rec["error_message"]
            .as_str()
            .unwrap()
            .starts_with("ZeroDivisionError")
    );
}

#[tokio::test]
async fn wall_time_pair_and_the_timeout_parameter() {
    let app = ready_app().await;
    let t = app.token("acme", 7, Role::User);
    let code = "import time\ndef spin(data, filter=None):\n    end = time.monotonic() + float(data)\n    while time.monotonic() < end:\n        pass\n    return 'done'\n";
    create(&app, &t, "spin", code, None).await;
    let r = app
        .execute(&t, "acme", "spin", "?timeout=2", &json!({"data": "0.1"}))
        .await;
    r.expect(200);
    assert_eq!(r.data()["outcome"], "ok");
    let r = app
        .execute(&t, "acme", "spin", "?timeout=0.5", &json!({"data": "5"}))
        .await;
    r.expect_outcome("timeout");
    assert_eq!(r.body["error"], "TIMEOUT");
    // The design's ceiling is 300 s.
    let r = app
        .execute(&t, "acme", "spin", "?timeout=301", &json!({"data": "0"}))
        .await;
    r.expect(400);
    assert_eq!(r.body["field"], json!(["timeout"]));
    app.execute(&t, "acme", "spin", "?timeout=-1", &json!({"data": "0"}))
        .await
        .expect(400);
    // And the engine is healthy after the timeout.
    let r = app
        .execute(&t, "acme", "spin", "", &json!({"data": "0"}))
        .await;
    assert_eq!(r.data()["outcome"], "ok");
}

#[tokio::test]
async fn configured_limits_apply_to_every_call() {
    let app = TestApp::spawn_with(|c| {
        c.sandbox.fuel = 300_000_000;
        c.sandbox.stdout_bytes = 1000;
        c.sandbox.memory_bytes = 128 * 1024 * 1024;
        c.sandbox.result_bytes = 1000;
    })
    .await;
    app.engine_ready().await;
    let t = app.token("acme", 7, Role::User);
    let code = "def work(data, filter=None):\n    kind, n = data.split(':')\n    n = int(n)\n    if kind == 'loop':\n        return sum(range(n))\n    if kind == 'print':\n        print('x' * n)\n        return n\n    if kind == 'mem':\n        return len(bytearray(n * 1024 * 1024))\n    return 'y' * n\n";
    create(&app, &t, "work", code, None).await;
    for (arg, within) in [
        ("loop:1000", "ok"),
        ("loop:1000000000", "out_of_fuel"),
        ("print:100", "ok"),
        ("print:5000", "output_limit"),
        ("mem:8", "ok"),
        ("mem:200", "memory_limit"),
        ("result:100", "ok"),
        ("result:5000", "invalid_result"),
    ] {
        let r = app
            .execute(&t, "acme", "work", "", &json!({"data": arg}))
            .await;
        r.expect_outcome(within);
    }
}

#[tokio::test]
async fn output_streams_before_the_call_ends() {
    let app = ready_app().await;
    let t = app.token("acme", 7, Role::User);
    let code = "import logging, time\ndef slow(data, filter=None):\n    print('first', flush=True)\n    logging.warning('careful')\n    end = time.monotonic() + 1.0\n    while time.monotonic() < end:\n        pass\n    print('second')\n    return 'done'\n";
    create(&app, &t, "slow", code, None).await;
    let started = std::time::Instant::now();
    let mut resp = app
        .execute_stream(&t, "acme", "slow", &json!({"data": ""}))
        .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut text = String::new();
    let mut first_at = None;
    while let Some(chunk) = resp.chunk().await.unwrap() {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if first_at.is_none() && text.contains("first") {
            first_at = Some(started.elapsed());
            // Output arrives while the utility still runs: the result is not there yet.
            assert!(!text.contains("event: result"), "{text}");
        }
    }
    assert!(first_at.is_some(), "{text}");
    let events: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("event: "))
        .collect();
    assert_eq!(events, ["stdout", "stderr", "stdout", "result"], "{text}");
    let result = text
        .split("event: result\ndata: ")
        .nth(1)
        .and_then(|r| r.lines().next())
        .unwrap();
    let result: Value = serde_json::from_str(result).unwrap();
    assert_eq!(result["data"]["result"], "done");
    assert_eq!(result["data"]["stdout"], "first\nsecond\n");
    assert_eq!(result["data"]["stderr"], "WARNING:root:careful\n");
}

#[tokio::test]
async fn a_full_queue_answers_429_with_retry_after() {
    let app = TestApp::spawn_with(|c| {
        c.sandbox.workers = 1;
        c.sandbox.queue_depth = 1;
    })
    .await;
    app.engine_ready().await;
    let t = app.token("acme", 7, Role::User);
    let code = "import time\ndef nap(data, filter=None):\n    time.sleep(1)\n    return 1\n";
    create(&app, &t, "nap", code, None).await;
    let args = json!({"data": ""});
    let calls = (0..5).map(|_| app.execute(&t, "acme", "nap", "", &args));
    let replies = futures::future::join_all(calls).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    // One runs, one waits; the rest are refused at once.
    assert!(ok >= 2, "{ok} ran");
    assert!(!busy.is_empty(), "none refused");
    for r in busy {
        r.expect(429);
        assert!(r.headers.contains_key("retry-after"));
        assert_eq!(r.body["error"], "BUSY");
    }

    // Streaming calls are refused the same way, before any stream starts.
    let calls = (0..5).map(|_| async {
        let resp = app.execute_stream(&t, "acme", "nap", &args).await;
        let status = resp.status().as_u16();
        let retry_after = resp.headers().contains_key("retry-after");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        (status, retry_after, ct, resp.text().await.unwrap())
    });
    let replies = futures::future::join_all(calls).await;
    let streamed = replies.iter().filter(|r| r.0 == 200).count();
    let busy: Vec<_> = replies.iter().filter(|r| r.0 == 429).collect();
    assert!(streamed >= 2, "{replies:?}");
    assert!(!busy.is_empty(), "{replies:?}");
    for (_, retry_after, ct, body) in busy {
        assert!(retry_after);
        assert!(ct.starts_with("application/json"), "{ct}");
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"], "BUSY");
    }
    for (status, _, ct, body) in &replies {
        if *status == 200 {
            assert!(ct.starts_with("text/event-stream"), "{ct}");
            assert!(body.contains("event: result"), "{body}");
        }
    }
}

#[tokio::test]
async fn a_hundred_concurrent_calls_through_the_api_are_all_correct() {
    let app = TestApp::spawn_with(|c| {
        c.sandbox.workers = 2;
        c.sandbox.queue_depth = 200;
    })
    .await;
    app.engine_ready().await;
    let t = app.token("acme", 7, Role::User);
    let params = json!({"params": [{"name": "n", "order": 1, "type": "integer"}]});
    create(
        &app,
        &t,
        "square",
        "def square(n):\n    return n * n\n",
        Some(params),
    )
    .await;
    let calls = (0..100).map(|n| {
        let (app, t) = (&app, &t);
        async move {
            (
                n,
                app.execute(t, "acme", "square", "", &json!({"n": n})).await,
            )
        }
    });
    for (n, r) in futures::future::join_all(calls).await {
        r.expect(200);
        assert_eq!(r.data()["result"], json!(n * n));
    }
}

#[tokio::test]
async fn a_deleted_utility_cannot_run() {
    let app = ready_app().await;
    let t = app.token("acme", 7, Role::Creator);
    let id = create(
        &app,
        &t,
        "gone",
        "def gone(data, filter=None):\n    return 1\n",
        None,
    )
    .await;
    app.execute(&t, "acme", "gone", "", &json!({"data": ""}))
        .await
        .expect(200);
    app.delete_by_id(&t, "acme", id).await.expect(200);
    app.execute(&t, "acme", "gone", "", &json!({"data": ""}))
        .await
        .expect(404);
}

#[tokio::test]
async fn an_update_runs_the_new_code_at_once() {
    an_update_runs_the_new_code_at_once_on(TestApp::spawn().await).await
}

/// Also run on the production shape (production.rs), where the bytecode of a version is shared
/// through Redis.
pub async fn an_update_runs_the_new_code_at_once_on(app: TestApp) {
    app.engine_ready().await;
    let t = app.token("acme", 7, Role::User);
    let id = create(
        &app,
        &t,
        "ver",
        "def ver(data, filter=None):\n    return 1\n",
        None,
    )
    .await;
    let r = app
        .execute(&t, "acme", "ver", "", &json!({"data": ""}))
        .await;
    assert_eq!(r.data()["result"], 1);
    let hash = app.get_by_id(&t, "acme", id).await.data()["filehash"].clone();
    app.upsert_json(
        &t,
        &json!({"title": "ver", "taskid": id, "filehash": hash,
                "code": "def ver(data, filter=None):\n    return 2\n"}),
    )
    .await
    .expect(200);
    let r = app
        .execute(&t, "acme", "ver", "", &json!({"data": ""}))
        .await;
    assert_eq!(r.data()["result"], 2);
    assert_eq!(r.data()["version"], 2);
}

#[tokio::test]
async fn executions_are_listed_with_filters_scoped_by_role_and_kept_over_a_clean_stop() {
    let app = ready_app().await;
    let alice = app.token("acme", 7, Role::User);
    let bob = app.token("acme", 8, Role::User);
    let admin = app.token("acme", 1, Role::Admin);
    let echo = create(
        &app,
        &alice,
        "echo",
        "def echo(data, filter=None):\n    if data == 'boom':\n        raise ValueError(data)\n    return data\n",
        None,
    )
    .await;
    let start = zona_utils::domain::now_millis();
    // Alice: 6 runs (one fails); Bob: 2 runs of his own utility.
    for data in ["a", "b", "c", "d", "e", "boom"] {
        app.execute(&alice, "acme", "echo", "", &json!({"data": data}))
            .await;
    }
    create(
        &app,
        &bob,
        "bobs",
        "def bobs(data, filter=None):\n    return 0\n",
        None,
    )
    .await;
    for _ in 0..2 {
        app.execute(&bob, "acme", "bobs", "", &json!({"data": ""}))
            .await
            .expect(200);
    }
    // A clean stop right after the calls: every acknowledged run is in the record after it.
    let app = app.restart().await;
    let all = app.executions(&admin, "acme", "").await;
    all.expect(200);
    assert_eq!(all.body["count"], 8, "{}", all.body);

    // A user sees their own runs only, and asking for another's is refused.
    let mine = app.executions(&alice, "acme", "").await;
    assert_eq!(mine.body["count"], 6);
    assert!(
        mine.data()
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["userid"] == 7)
    );
    app.executions(&alice, "acme", "?user=8").await.expect(403);
    app.executions(&alice, "globex", "").await.expect(403);
    // An admin filters by user, utility, status and time.
    assert_eq!(
        app.executions(&admin, "acme", "?user=8").await.body["count"],
        2
    );
    let failed = app
        .executions(&admin, "acme", &format!("?utility={echo}&status=failed"))
        .await;
    assert_eq!(failed.body["count"], 1);
    assert_eq!(failed.data()[0]["outcome"], "error");
    assert!(
        failed.data()[0]["error_message"]
            .as_str()
            .unwrap()
            .contains("boom")
    );
    let later = app
        .executions(
            &admin,
            "acme",
            &format!("?from={}", zona_utils::domain::now_millis() + 60_000),
        )
        .await;
    assert_eq!(later.body["count"], 0);
    let earlier = app
        .executions(&admin, "acme", &format!("?to={}", start - 1))
        .await;
    assert_eq!(earlier.body["count"], 0);
    // Pages: newest first, by cursor and by offset, with no overlap.
    let p1 = app.executions(&admin, "acme", "?limit=3").await;
    assert_eq!(p1.data().as_array().unwrap().len(), 3);
    let cursor = p1.body["next_cursor"].as_str().unwrap();
    let p2 = app
        .executions(&admin, "acme", &format!("?limit=3&cursor={cursor}"))
        .await;
    let by_offset = app.executions(&admin, "acme", "?limit=3&offset=3").await;
    assert_eq!(p2.data(), by_offset.data());
    let ids: std::collections::HashSet<_> = p1
        .data()
        .as_array()
        .unwrap()
        .iter()
        .chain(p2.data().as_array().unwrap())
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 6);
    let times: Vec<i64> = all
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["createddate"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    app.executions(&admin, "acme", "?status=weird")
        .await
        .expect(400);
}

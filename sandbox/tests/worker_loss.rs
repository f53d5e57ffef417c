//! A worker process that dies is replaced; its call ends as `internal`. A binary of its own:
//! it kills every worker of its process.

use std::time::Duration;
use zona_sandbox::{
    ExecRequest, Executor, Isolation, Limits, Outcome, RuntimeConfig, WasmExecutor,
};

fn run(rt: &tokio::runtime::Runtime, ex: &WasmExecutor) -> zona_sandbox::Execution {
    let req = ExecRequest::new("def f():\n    return 41 + 1\n", "f", Limits::default());
    rt.block_on(ex.execute(req, None)).expect("the call runs")
}

/// The worker processes of this test binary.
fn worker_pids() -> Vec<i32> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // pid (comm) state ppid ...
            let ppid = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().nth(1));
            ppid == Some(me.as_str()) && stat.contains("(zona-sandbox-w")
        })
        .collect()
}

#[test]
fn a_lost_worker_is_replaced() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ex = rt
        .block_on(WasmExecutor::new(RuntimeConfig {
            max_concurrency: 2,
            cache_dir: std::env::var_os("ZONA_CACHE_DIR")
                .map_or_else(zona_sandbox::default_cache_dir, Into::into),
            isolation: Isolation::Processes {
                program: env!("CARGO_BIN_EXE_zona-sandbox-worker").into(),
                args: vec![],
            },
            ..RuntimeConfig::default()
        }))
        .expect("the engine starts");
    assert_eq!(run(&rt, &ex).outcome, Outcome::Ok);
    let before = worker_pids();
    assert!(!before.is_empty(), "the calls run in worker processes");
    for pid in &before {
        // SAFETY: plain kill(2) of our own child processes.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
    // Calls handed to a dead worker end as `internal`; the replacements serve the rest.
    let mut ok = 0;
    for _ in 0..50 {
        let e = run(&rt, &ex);
        match e.outcome {
            Outcome::Ok => ok += 1,
            Outcome::Internal => assert_eq!(e.error.unwrap().kind, "WorkerLost"),
            other => panic!("unexpected {other:?}"),
        }
        if ok >= 5 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ok >= 5, "the pool recovered");
    let after = worker_pids();
    assert!(
        after.iter().all(|p| !before.contains(p)),
        "{before:?} -> {after:?}"
    );

    // A worker lost in the middle of a call: that call, and only it, ends as `internal`.
    let busy = ExecRequest::new(
        "import time\ndef f():\n    end = time.monotonic() + 20\n    while time.monotonic() < end:\n        pass\n",
        "f",
        Limits {
            wall_time: Duration::from_secs(30),
            fuel: u64::MAX / 2,
            ..Limits::default()
        },
    );
    let ex = std::sync::Arc::new(ex);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let call = rt.spawn({
        let ex = ex.clone();
        async move { ex.execute(busy, Some(tx)).await }
    });
    // Started: the call is on a worker. Give it a moment to be inside the guest, then kill.
    let started = rt.block_on(rx.recv());
    assert_eq!(started, Some(zona_sandbox::OutputChunk::Started));
    std::thread::sleep(Duration::from_millis(300));
    for pid in worker_pids() {
        // SAFETY: as above.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let e = rt
        .block_on(call)
        .unwrap()
        .expect("the call ends with an outcome");
    assert_eq!(e.outcome, Outcome::Internal, "{:?}", e.error);
    assert_eq!(e.error.unwrap().kind, "WorkerLost");
    let mut recovered = false;
    for _ in 0..50 {
        if run(&rt, &ex).outcome == Outcome::Ok {
            recovered = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(recovered, "the pool recovered after a loss mid-call");
}

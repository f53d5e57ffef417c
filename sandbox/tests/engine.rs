//! The engine with the real runtime: fetched into the cache by the crate's own fetch, compiled
//! and snapshotted once (minutes on a fresh machine), shared by every test of this binary.

use serde_json::{Map, Value, json};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use zona_sandbox::{
    ExecRequest, Execution, Executor, Isolation, Limits, Outcome, OutputChunk, RuntimeConfig,
    WasmExecutor,
};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

/// The runtime cache the scripts prepared (scripts/lib.sh sets it), else the default.
fn cache_dir() -> std::path::PathBuf {
    std::env::var_os("ZONA_CACHE_DIR").map_or_else(zona_sandbox::default_cache_dir, Into::into)
}

fn executor() -> Arc<WasmExecutor> {
    static EX: OnceLock<Arc<WasmExecutor>> = OnceLock::new();
    EX.get_or_init(|| {
        let cfg = RuntimeConfig {
            max_concurrency: 4,
            queue_depth: 200,
            cache_dir: cache_dir(),
            isolation: Isolation::Processes {
                program: env!("CARGO_BIN_EXE_zona-sandbox-worker").into(),
                args: vec![],
            },
            ..RuntimeConfig::default()
        };
        Arc::new(
            runtime()
                .block_on(WasmExecutor::new(cfg))
                .expect("the engine starts"),
        )
    })
    .clone()
}

fn request(code: &str, args: Value, limits: Limits) -> ExecRequest {
    ExecRequest::new(code, "f", limits)
        .with_params(args.as_object().cloned().unwrap_or_else(Map::new))
}

fn run_with(code: &str, args: Value, limits: Limits) -> Execution {
    let ex = executor();
    runtime()
        .block_on(ex.execute(request(code, args, limits), None))
        .expect("the call runs")
}

fn run(code: &str, args: Value) -> Execution {
    run_with(code, args, Limits::default())
}

#[track_caller]
fn assert_outcome(e: &Execution, outcome: Outcome) {
    assert_eq!(e.outcome, outcome, "{e:#?}");
}

/// After a call that hit a limit, the engine still serves a normal call.
#[track_caller]
fn assert_healthy() {
    let e = run("def f():\n    return 41 + 1\n", json!({}));
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.result, Some(json!(42)));
}

#[test]
fn returns_json_results_and_output() {
    let e = run(
        "def f(data, filter=None):\n    print('hello', data)\n    return {'n': len(data), 'filter': filter}\n",
        json!({"data": "abc", "filter": null}),
    );
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.result, Some(json!({"n": 3, "filter": null})));
    assert_eq!(e.stdout, "hello abc\n");
    assert!(e.fuel_used > 0);
    assert!(e.peak_memory_bytes > 0);
}

#[test]
fn unicode_goes_in_and_out() {
    let e = run(
        "def f(data):\n    print('→', data[::-1])\n    return {'echo': data + ' ✓', 'len': len(data)}\n",
        json!({"data": "héllo wörld 日本 🎉"}),
    );
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(
        e.result,
        Some(json!({"echo": "héllo wörld 日本 🎉 ✓", "len": 16}))
    );
    assert_eq!(e.stdout, "→ 🎉 本日 dlröw olléh\n");
}

#[test]
fn exceptions_carry_the_users_line_numbers() {
    let code = "import json\n\ndef helper(x):\n    return x['missing']\n\ndef f(data):\n    return helper({})\n";
    let e = run(code, json!({"data": "x"}));
    assert_outcome(&e, Outcome::Error);
    let err = e.error.expect("an error");
    assert_eq!(err.kind, "KeyError");
    assert!(err.message.contains("missing"), "{err:?}");
    assert!(err.traceback.contains("line 7, in f"), "{}", err.traceback);
    assert!(
        err.traceback.contains("line 4, in helper"),
        "{}",
        err.traceback
    );
    assert!(
        err.traceback.contains("return x['missing']"),
        "{}",
        err.traceback
    );
    assert!(
        !err.traceback.contains("_zona"),
        "no harness frames: {}",
        err.traceback
    );
}

#[test]
fn a_syntax_error_is_the_users_error() {
    let e = run("def f(:\n    pass\n", json!({}));
    assert_outcome(&e, Outcome::Error);
    assert_eq!(e.error.unwrap().kind, "SyntaxError");
}

#[test]
fn a_missing_entry_function_is_named() {
    let e = run("def g():\n    return 1\n", json!({}));
    assert_outcome(&e, Outcome::Error);
    assert!(e.error.unwrap().message.contains("'f'"));
}

#[test]
fn non_json_results_are_refused_clearly() {
    let e = run("def f():\n    return {1, 2}\n", json!({}));
    assert_outcome(&e, Outcome::InvalidResult);
    let err = e.error.unwrap();
    assert!(err.message.contains("not JSON"), "{err:?}");
    assert!(err.kind.contains("set"), "{err:?}");
    let e = run("def f():\n    return float('nan')\n", json!({}));
    assert_outcome(&e, Outcome::InvalidResult);
}

#[test]
fn result_size_limit_pair() {
    let limits = Limits {
        result_bytes: 10_000,
        ..Limits::default()
    };
    let code = "def f(n):\n    return 'x' * n\n";
    let e = run_with(code, json!({"n": 9_000}), limits.clone());
    assert_outcome(&e, Outcome::Ok);
    let e = run_with(code, json!({"n": 20_000}), limits);
    assert_outcome(&e, Outcome::InvalidResult);
    assert!(e.error.unwrap().message.contains("10000"));
    assert_healthy();
}

#[test]
fn fuel_limit_pair() {
    let limits = Limits {
        fuel: 200_000_000,
        ..Limits::default()
    };
    let code = "def f(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n";
    let e = run_with(code, json!({"n": 1_000}), limits.clone());
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.result, Some(json!(499_500)));
    assert!(e.fuel_used < 200_000_000);
    let e = run_with(code, json!({"n": 100_000_000}), limits);
    assert_outcome(&e, Outcome::OutOfFuel);
    assert!(e.error.unwrap().message.contains("200000000"));
    assert_healthy();
}

#[test]
fn wall_time_limit_pair() {
    let limits = Limits {
        wall_time: Duration::from_millis(500),
        fuel: u64::MAX / 2,
        ..Limits::default()
    };
    let code = "def f(spin):\n    while spin:\n        pass\n    return 'done'\n";
    let e = run_with(code, json!({"spin": false}), limits.clone());
    assert_outcome(&e, Outcome::Ok);
    let e = run_with(code, json!({"spin": true}), limits);
    assert_outcome(&e, Outcome::Timeout);
    assert!(e.duration >= Duration::from_millis(500), "{:?}", e.duration);
    assert_healthy();
}

#[test]
fn sleeping_works_and_is_bounded_by_the_wall_time() {
    let limits = Limits {
        wall_time: Duration::from_millis(500),
        ..Limits::default()
    };
    let code = "import time\ndef f(s):\n    t = time.monotonic()\n    time.sleep(s)\n    return time.monotonic() - t\n";
    let e = run_with(code, json!({"s": 0.05}), limits.clone());
    assert_outcome(&e, Outcome::Ok);
    let slept = e.result.unwrap().as_f64().unwrap();
    assert!(slept >= 0.05, "slept {slept}");
    let e = run_with(code, json!({"s": 30}), limits);
    assert_outcome(&e, Outcome::Timeout);
    assert!(e.duration < Duration::from_secs(5), "{:?}", e.duration);
    assert_healthy();
}

#[test]
fn memory_limit_pair() {
    let limits = Limits {
        memory_bytes: 128 * 1024 * 1024,
        ..Limits::default()
    };
    let code = "def f(mb):\n    b = bytearray(mb * 1024 * 1024)\n    return len(b)\n";
    let e = run_with(code, json!({"mb": 16}), limits.clone());
    assert_outcome(&e, Outcome::Ok);
    assert!(e.peak_memory_bytes >= 16 * 1024 * 1024);
    let e = run_with(code, json!({"mb": 200}), limits);
    assert_outcome(&e, Outcome::MemoryLimit);
    assert_healthy();
}

#[test]
fn output_limit_pair() {
    let limits = Limits {
        stdout_bytes: 10_000,
        stderr_bytes: 10_000,
        ..Limits::default()
    };
    let code = "import sys\ndef f(n, err=False):\n    s = sys.stderr if err else sys.stdout\n    for _ in range(n):\n        s.write('x' * 99 + '\\n')\n    return n\n";
    let e = run_with(code, json!({"n": 50}), limits.clone());
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.stdout.len(), 5_000);
    assert!(!e.stdout_truncated);
    let e = run_with(code, json!({"n": 500}), limits.clone());
    assert_outcome(&e, Outcome::OutputLimit);
    assert!(e.stdout_truncated);
    assert_eq!(e.stdout.len(), 10_000, "what fits is kept");
    let e = run_with(code, json!({"n": 50, "err": true}), limits.clone());
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.stderr.len(), 5_000);
    assert!(!e.stderr_truncated);
    let e = run_with(code, json!({"n": 500, "err": true}), limits);
    assert_outcome(&e, Outcome::OutputLimit);
    assert!(e.stderr_truncated);
    assert_eq!(e.stderr.len(), 10_000, "what fits is kept");
    assert_healthy();
}

/// The sandbox is the boundary: none of these reach the host, whatever validation let through.
#[test]
fn the_guest_cannot_reach_the_host() {
    let cases = [
        (
            "passwd",
            "def f():\n    return open('/etc/passwd').read()\n",
        ),
        (
            "list_root",
            "import os\ndef f():\n    names = os.listdir('/')\n    assert not names, names\n    raise PermissionError('empty root')\n",
        ),
        (
            "write_stdlib",
            "def f():\n    open('/usr/local/lib/x.txt', 'w').write('x')\n",
        ),
        (
            "socket",
            "import socket\ndef f():\n    s = socket.socket()\n    s.connect(('127.0.0.1', 22))\n",
        ),
        (
            "process",
            "import subprocess\ndef f():\n    return subprocess.run(['ls']).returncode\n",
        ),
        (
            "os_system",
            "import os\ndef f():\n    return os.system('ls')\n",
        ),
        (
            "ctypes",
            "import ctypes\ndef f():\n    return ctypes.CDLL(None)\n",
        ),
    ];
    for (name, code) in cases {
        let e = run(code, json!({}));
        assert_eq!(e.outcome, Outcome::Error, "{name}: {e:#?}");
    }
    let e = run(
        "import os\ndef f():\n    return dict(os.environ)\n",
        json!({}),
    );
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.result, Some(json!({})), "no environment variables");
}

#[test]
fn no_state_survives_between_calls() {
    let code = "import json\nCOUNT = 0\ndef f():\n    global COUNT\n    COUNT += 1\n    json.zona_marker = getattr(json, 'zona_marker', 0) + 1\n    return [COUNT, json.zona_marker]\n";
    for _ in 0..3 {
        let e = run(code, json!({}));
        assert_outcome(&e, Outcome::Ok);
        assert_eq!(e.result, Some(json!([1, 1])));
    }
}

#[test]
fn random_is_reseeded_per_call() {
    let code = "import random\ndef f():\n    return random.random()\n";
    let a = run(code, json!({})).result.unwrap();
    let b = run(code, json!({})).result.unwrap();
    assert_ne!(a, b);
}

#[test]
fn numpy_global_random_is_reseeded_per_call() {
    let code = "import numpy as np\ndef f():\n    return float(np.random.rand())\n";
    let a = run(code, json!({})).result.unwrap();
    let b = run(code, json!({})).result.unwrap();
    assert_ne!(a, b);
}

#[test]
fn output_streams_while_the_call_runs() {
    let ex = executor();
    let code = "import time\ndef f():\n    print('first', flush=True)\n    t = time.monotonic()\n    while time.monotonic() - t < 0.5:\n        pass\n    print('second')\n    return 1\n";
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let call = runtime().spawn(async move {
        ex.execute(request(code, json!({}), Limits::default()), Some(tx))
            .await
    });
    let mut next = || {
        runtime()
            .block_on(async { tokio::time::timeout(Duration::from_secs(30), rx.recv()).await })
            .expect("a chunk arrives")
            .expect("the channel is open")
    };
    assert_eq!(next(), OutputChunk::Started);
    assert_eq!(next(), OutputChunk::Stdout("first\n".into()));
    assert!(
        !call.is_finished(),
        "the first chunk came before the call ended"
    );
    let e = runtime().block_on(call).unwrap().unwrap();
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.stdout, "first\nsecond\n");
}

#[test]
fn a_hundred_concurrent_calls_are_all_correct() {
    let ex = executor();
    let code = "def f(n):\n    return {'n': n, 'sq': n * n}\n";
    let results = runtime().block_on(async move {
        let calls = (0..100).map(|n| {
            let ex = ex.clone();
            async move {
                ex.execute(request(code, json!({"n": n}), Limits::default()), None)
                    .await
            }
        });
        futures::future::join_all(calls).await
    });
    for (n, r) in results.into_iter().enumerate() {
        let e = r.expect("accepted: the queue holds 200");
        assert_outcome(&e, Outcome::Ok);
        assert_eq!(e.result, Some(json!({"n": n, "sq": n * n})));
    }
}

#[test]
fn numpy_and_pandas_are_available() {
    let code = "import numpy as np\nimport pandas as pd\ndef f(xs):\n    a = np.array(xs)\n    df = pd.DataFrame({'x': xs})\n    return {'mean': float(a.mean()), 'sum': int(df['x'].sum())}\n";
    let e = run(code, json!({"xs": [1, 2, 3, 4]}));
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.result, Some(json!({"mean": 2.5, "sum": 10})));
}

#[test]
fn bytecode_from_one_call_runs_the_next_without_compiling() {
    let code = "def f(x):\n    return x * 3\n";
    let mut req = request(code, json!({"x": 5}), Limits::default());
    req.want_bytecode = true;
    let first = runtime()
        .block_on(executor().execute(req.clone(), None))
        .unwrap();
    assert_outcome(&first, Outcome::Ok);
    let bytecode = first.bytecode.expect("asked for bytecode");
    // The same code object, given instead of the source (the source is not even sent).
    let mut again = ExecRequest::new("", "f", Limits::default())
        .with_params(json!({"x": 7}).as_object().cloned().unwrap());
    again.bytecode = Some(bytecode);
    let second = runtime().block_on(executor().execute(again, None)).unwrap();
    assert_outcome(&second, Outcome::Ok);
    assert_eq!(second.result, Some(json!(21)));
    assert!(second.bytecode.is_none(), "nothing new was compiled");
    assert!(
        second.fuel_used < first.fuel_used,
        "{} vs {}",
        second.fuel_used,
        first.fuel_used
    );
}

#[test]
fn the_threads_isolation_runs_calls_too() {
    let ex = runtime()
        .block_on(WasmExecutor::new(RuntimeConfig {
            max_concurrency: 1,
            cache_dir: cache_dir(),
            isolation: Isolation::Threads,
            ..RuntimeConfig::default()
        }))
        .expect("the engine starts");
    let e = runtime()
        .block_on(ex.execute(
            request(
                "def f(a):\n    return a + 1\n",
                json!({"a": 1}),
                Limits::default(),
            ),
            None,
        ))
        .unwrap();
    assert_outcome(&e, Outcome::Ok);
    assert_eq!(e.result, Some(json!(2)));
}

#[test]
fn compiling_only_returns_bytecode_and_syntax_errors() {
    let e = runtime()
        .block_on(executor().execute(
            ExecRequest::compile_only(
                "def f():\n    raise SystemExit('never run')\n",
                Limits::default(),
            ),
            None,
        ))
        .unwrap();
    assert_outcome(&e, Outcome::Ok);
    assert!(e.bytecode.is_some_and(|b| !b.is_empty()));
    let e = runtime()
        .block_on(executor().execute(
            ExecRequest::compile_only("def f(:\n", Limits::default()),
            None,
        ))
        .unwrap();
    assert_outcome(&e, Outcome::Error);
    assert_eq!(e.error.unwrap().kind, "SyntaxError");
}

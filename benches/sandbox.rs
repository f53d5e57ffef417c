//! The execution engine: latency of one call per workload, and the time per call when calls run
//! concurrently on worker processes against threads of one process (throughput and its scaling
//! with cores), in the same run. `cargo bench --bench sandbox`; the table of `zona-utils bench`
//! has percentiles, the native python3 comparison and the HTTP path.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zona_sandbox::{
    ExecRequest, Executor, Isolation, Limits, Outcome, RuntimeConfig, WasmExecutor,
};
use zona_utils::bench::workloads;

fn runtime_config(isolation: Isolation) -> RuntimeConfig {
    RuntimeConfig {
        cache_dir: std::env::var_os("ZONA_CACHE_DIR")
            .map_or_else(zona_sandbox::default_cache_dir, Into::into),
        isolation,
        ..RuntimeConfig::default()
    }
}

fn processes() -> Isolation {
    Isolation::Processes {
        program: env!("CARGO_BIN_EXE_zona-utils").into(),
        args: vec!["sandbox-worker".into()],
    }
}

/// The service's request: bytecode compiled once, then handed in.
fn request(rt: &tokio::runtime::Runtime, ex: &WasmExecutor, name: &str) -> ExecRequest {
    let w = workloads().into_iter().find(|w| w.name == name).unwrap();
    let mut req = ExecRequest::new(w.code, w.function(), Limits::default())
        .with_params(w.params.as_object().cloned().unwrap_or_default());
    req.want_bytecode = true;
    let first = rt.block_on(ex.execute(req.clone(), None)).unwrap();
    assert_eq!(first.outcome, Outcome::Ok, "{:?}", first.error);
    req.bytecode = first.bytecode;
    req.want_bytecode = false;
    req
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let engines = [
        (
            "processes",
            Arc::new(
                rt.block_on(WasmExecutor::new(runtime_config(processes())))
                    .unwrap(),
            ),
        ),
        (
            "threads",
            Arc::new(
                rt.block_on(WasmExecutor::new(runtime_config(Isolation::Threads)))
                    .unwrap(),
            ),
        ),
    ];

    let mut latency = c.benchmark_group("call latency");
    latency.measurement_time(Duration::from_secs(5));
    for w in ["trivial", "json", "numpy"] {
        let (_, ex) = &engines[0];
        let req = request(&rt, ex, w);
        latency.bench_function(BenchmarkId::new("processes", w), |b| {
            b.iter(|| rt.block_on(ex.execute(req.clone(), None)).unwrap())
        });
    }
    latency.finish();

    // Time per call with `conc` calls in flight: its inverse is the throughput.
    let mut scaling = c.benchmark_group("time per call, trivial, concurrent");
    scaling.measurement_time(Duration::from_secs(5));
    for (label, ex) in &engines {
        let req = Arc::new(request(&rt, ex, "trivial"));
        for conc in [1, cores] {
            scaling.bench_function(BenchmarkId::new(*label, conc), |b| {
                b.iter_custom(|iters| {
                    let started = Instant::now();
                    rt.block_on(async {
                        let per_task = iters.div_ceil(conc as u64);
                        let tasks = (0..conc).map(|_| {
                            let (ex, req) = (ex.clone(), req.clone());
                            tokio::spawn(async move {
                                for _ in 0..per_task {
                                    ex.execute((*req).clone(), None).await.unwrap();
                                }
                            })
                        });
                        futures::future::join_all(tasks).await;
                    });
                    started
                        .elapsed()
                        .mul_f64(iters as f64 / (iters.div_ceil(conc as u64) * conc as u64) as f64)
                })
            });
        }
    }
    scaling.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

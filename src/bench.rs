//! `zona-utils bench`: per-call latency and throughput of the execution engine for a few
//! workloads, on worker processes and on threads, beside a native `python3` started per call
//! with the same harness, and (with `--http`) end to end through the API. Prints one table.

use crate::config::{Config, Overrides};
use crate::domain::{Principal, Role, TenantCode, UserId};
use anyhow::Context;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zona_sandbox::{ExecRequest, Executor, Isolation, Limits, Outcome, WasmExecutor};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Seconds each measurement runs
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Workloads to run: trivial, json, numpy, pandas
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "trivial,json,numpy,pandas"
    )]
    pub workloads: Vec<String>,
    /// Also run every workload on threads of one process (for the comparison)
    #[arg(long)]
    pub threads: bool,
    /// Also time a native python3 started per call with the same harness
    #[arg(long)]
    pub native: bool,
    /// Also measure POST /execute end to end (a service on port 0, embedded store)
    #[arg(long)]
    pub http: bool,
    /// TOML configuration file (the sandbox section applies)
    #[arg(long, env = "ZONA_CONFIG")]
    pub config: Option<std::path::PathBuf>,
}

pub struct Workload {
    pub name: &'static str,
    pub code: &'static str,
    pub params: Value,
}

/// The utilities measured, by name (each defines a function of its own name).
pub fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "trivial",
            code: "def trivial(data, filter=None):\n    return data\n",
            params: json!({"data": "hello"}),
        },
        Workload {
            name: "json",
            code: "import json\n\ndef json_heavy(data, filter=None):\n    rows = json.loads(data)\n    out = {}\n    for r in rows:\n        key = r['group']\n        acc = out.setdefault(key, {'n': 0, 'total': 0.0, 'tags': set()})\n        acc['n'] += 1\n        acc['total'] += r['value']\n        acc['tags'].update(r['tags'])\n    return {k: {'n': v['n'], 'mean': v['total'] / v['n'], 'tags': sorted(v['tags'])} for k, v in out.items()}\n",
            params: json!({"data": serde_json::to_string(&(0..200).map(|i| json!({
                "id": i, "group": format!("g{}", i % 7), "value": i as f64 * 1.5,
                "tags": [format!("t{}", i % 5), format!("u{}", i % 3)]})).collect::<Vec<_>>()).unwrap_or_default()}),
        },
        Workload {
            name: "numpy",
            code: "import numpy as np\n\ndef numpy_stats(data, filter=None):\n    a = np.array(data, dtype=float)\n    return {'mean': float(a.mean()), 'std': float(a.std()), 'p90': float(np.percentile(a, 90))}\n",
            params: json!({"data": (0..1000).map(|i| (i * 37 % 101) as f64).collect::<Vec<_>>()}),
        },
        Workload {
            name: "pandas",
            code: "import pandas as pd\n\ndef pandas_groups(data, filter=None):\n    df = pd.DataFrame(data)\n    g = df.groupby('group')['value'].agg(['count', 'mean'])\n    return {k: [int(r['count']), float(r['mean'])] for k, r in g.iterrows()}\n",
            params: json!({"data": (0..200).map(|i| json!({"group": format!("g{}", i % 5), "value": i})).collect::<Vec<_>>()}),
        },
    ]
}

impl Workload {
    pub fn function(&self) -> &'static str {
        let start = self.code.find("def ").map_or(0, |i| i + 4);
        let end = self.code[start..].find('(').map_or(start, |i| start + i);
        &self.code[start..end]
    }
}

/// Latencies of one measurement, with how many calls ran in how long.
pub struct Sample {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
}

impl Sample {
    pub fn percentile(&self, p: f64) -> Duration {
        let mut v = self.latencies.clone();
        v.sort();
        if v.is_empty() {
            return Duration::ZERO;
        }
        v[((v.len() - 1) as f64 * p).round() as usize]
    }

    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }
}

fn row(what: &str, conc: usize, s: &Sample) {
    println!(
        "| {what} | {conc} | {:.2} | {:.2} | {:.0} | {} |",
        s.percentile(0.5).as_secs_f64() * 1e3,
        s.percentile(0.99).as_secs_f64() * 1e3,
        s.per_second(),
        s.latencies.len()
    );
}

/// Runs `call` from `concurrency` tasks for `seconds`; every call must succeed.
pub async fn measure<F, Fut>(concurrency: usize, seconds: f64, call: F) -> anyhow::Result<Sample>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let call = Arc::new(call);
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let tasks = (0..concurrency).map(|_| {
        let call = call.clone();
        tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                call().await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        })
    });
    let mut latencies = Vec::new();
    for t in futures::future::join_all(tasks).await {
        latencies.extend(t??);
    }
    Ok(Sample {
        latencies,
        elapsed: started.elapsed(),
    })
}

async fn engine_rows(
    ex: Arc<WasmExecutor>,
    label: &str,
    args: &BenchArgs,
    workers: usize,
) -> anyhow::Result<()> {
    for w in workloads()
        .into_iter()
        .filter(|w| args.workloads.iter().any(|n| n == w.name))
    {
        // As the service does: the first call compiles and hands back the bytecode.
        let mut req = ExecRequest::new(w.code, w.function(), Limits::default())
            .with_params(w.params.as_object().cloned().unwrap_or_default());
        req.want_bytecode = true;
        let first = ex.execute(req.clone(), None).await?;
        anyhow::ensure!(
            first.outcome == Outcome::Ok,
            "{}: {:?}",
            w.name,
            first.error
        );
        req.bytecode = first.bytecode;
        req.want_bytecode = false;
        let req = Arc::new(req);
        for conc in [1, workers] {
            let (ex, req) = (ex.clone(), req.clone());
            let s = measure(conc, args.seconds, move || {
                let (ex, req) = (ex.clone(), req.clone());
                async move {
                    let e = ex.execute((*req).clone(), None).await?;
                    anyhow::ensure!(e.outcome == Outcome::Ok, "{:?}", e.error);
                    Ok(())
                }
            })
            .await?;
            row(&format!("engine, {label}, {}", w.name), conc, &s);
        }
    }
    Ok(())
}

/// How much fuel a second of pure Python burns: what the default budget is sized by.
async fn fuel_rate(ex: &WasmExecutor) -> anyhow::Result<String> {
    let code =
        "def spin(n):\n    x = 0\n    for i in range(n):\n        x += i * i % 7\n    return x\n";
    let limits = Limits {
        wall_time: Duration::from_secs(60),
        fuel: u64::MAX / 4,
        ..Limits::default()
    };
    let mut rates = Vec::new();
    for _ in 0..3 {
        let req = ExecRequest::new(code, "spin", limits.clone()).with_params(
            json!({"n": 3_000_000})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let e = ex.execute(req, None).await?;
        anyhow::ensure!(e.outcome == Outcome::Ok, "{:?}", e.error);
        rates.push(e.fuel_used as f64 / e.duration.as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    let rate = rates[1];
    let budget = Limits::default().fuel as f64;
    Ok(format!(
        "fuel: {rate:.2e} units per second of pure Python (median of 3 runs of a 3,000,000-step \
         loop); the default budget of {budget:.0e} lasts {:.1} s",
        budget / rate
    ))
}

/// A native python3 process per call, running the same harness on the same request.
async fn native_rows(args: &BenchArgs, python: &std::path::Path) -> anyhow::Result<()> {
    let harness = include_str!("../python-runtime/harness.py");
    for w in workloads()
        .into_iter()
        .filter(|w| args.workloads.iter().any(|n| n == w.name))
    {
        let request = json!({"code": w.code, "function": w.function(), "params": w.params,
            "seed": 1, "max_result": 1 << 22});
        let program = format!(
            "import sys, types\nh = types.ModuleType('_host')\nh.call = lambda b: sys.__stdout__.write(b.decode())\nsys.modules['_host'] = h\nns = {{}}\nexec(compile({harness:?}, '<zona-harness>', 'exec'), ns)\nns['call']({:?})\n",
            request.to_string()
        );
        let probe = tokio::process::Command::new(python)
            .args(["-I", "-c", &program])
            .output()
            .await?;
        if !String::from_utf8_lossy(&probe.stdout).contains("\"ok\"") {
            println!(
                "| native python3 per call, {} | 1 | n/a | n/a | n/a | 0 (fails there: {}) |",
                w.name,
                String::from_utf8_lossy(&probe.stdout)
                    .chars()
                    .take(80)
                    .collect::<String>()
            );
            continue;
        }
        let program = Arc::new(program);
        let python = Arc::new(python.to_owned());
        let s = measure(1, args.seconds, move || {
            let (program, python) = (program.clone(), python.clone());
            async move {
                let out = tokio::process::Command::new(&*python)
                    .args(["-I", "-c", &program])
                    .output()
                    .await?;
                anyhow::ensure!(
                    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("\"ok\""),
                    "native python3 failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                Ok(())
            }
        })
        .await?;
        row(&format!("native python3 per call, {}", w.name), 1, &s);
    }
    Ok(())
}

async fn http_rows(args: &BenchArgs, cfg: &Config, workers: usize) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let mut cfg = cfg.clone();
    cfg.server.listen = "127.0.0.1:0".parse()?;
    cfg.storage.data_dir = dir.clone();
    cfg.storage.mongodb_uri = None;
    cfg.cache.redis_url = None;
    let server = crate::startup::Server::build(&cfg).await?;
    let addr = server.local_addr();
    let state = server.state().clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async {
        let _ = stop_rx.await;
    }));
    state.wait_ready().await?;
    let who = Principal {
        user: UserId(1),
        tenant: TenantCode::parse("bench")?,
        role: Role::Admin,
    };
    let token = crate::token(&cfg, &who, Duration::from_secs(3600))?;
    let client = reqwest::Client::new();
    for w in workloads()
        .into_iter()
        .filter(|w| args.workloads.iter().any(|n| n == w.name))
    {
        let created = client
            .post(format!("http://{addr}/utils/v1/custom-utils"))
            .bearer_auth(&token)
            .json(
                &json!({"title": w.function(), "description": "bench", "code": w.code,
                          "input_params": {"params": [
                              {"name": "data", "order": 1, "type": "any"},
                              {"name": "filter", "order": 2, "type": "any", "required": false}]}}),
            )
            .send()
            .await?;
        anyhow::ensure!(
            created.status().is_success(),
            "creating {}: {}",
            w.name,
            created.text().await?
        );
        let url = Arc::new(format!(
            "http://{addr}/utils/v1/execute/bench/{}",
            w.function()
        ));
        let body = Arc::new(w.params.clone());
        for conc in [1, workers * 2] {
            let (client, url, body, token) =
                (client.clone(), url.clone(), body.clone(), token.clone());
            let s = measure(conc, args.seconds, move || {
                let (client, url, body, token) =
                    (client.clone(), url.clone(), body.clone(), token.clone());
                async move {
                    let r = client
                        .post(&*url)
                        .bearer_auth(&token)
                        .json(&*body)
                        .send()
                        .await?;
                    let status = r.status();
                    let v: Value = r.json().await?;
                    anyhow::ensure!(status.is_success() && v["data"]["outcome"] == "ok", "{v}");
                    Ok(())
                }
            })
            .await?;
            row(&format!("HTTP POST /execute, {}", w.name), conc, &s);
        }
    }
    let _ = stop_tx.send(());
    serving.await??;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("zona-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let cfg = Config::load(args.config.as_deref(), &Overrides::default())?;
    let exe = std::env::current_exe().context("locating this executable for the workers")?;
    let rt = cfg.sandbox.runtime(Some(exe));
    let workers = rt.max_concurrency;
    eprintln!("preparing the engine (the first time on a machine takes minutes)...");
    let ex = Arc::new(WasmExecutor::new(rt.clone()).await?);
    println!(
        "{} cores, {workers} workers, {} s per row; latency in ms\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.seconds
    );
    println!("| what | concurrency | p50 | p99 | calls/s | calls |");
    println!("|---|---|---|---|---|---|");
    engine_rows(ex.clone(), "worker processes", &args, workers).await?;
    let fuel = fuel_rate(&ex).await?;
    drop(ex);
    if args.threads {
        let threads = Arc::new(
            WasmExecutor::new(zona_sandbox::RuntimeConfig {
                isolation: Isolation::Threads,
                ..rt.clone()
            })
            .await?,
        );
        engine_rows(threads, "threads of one process", &args, workers).await?;
    }
    if args.native {
        native_rows(&args, &rt.python).await?;
    }
    if args.http {
        http_rows(&args, &cfg, workers).await?;
    }
    println!("\n{fuel}");
    Ok(())
}

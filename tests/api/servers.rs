//! Real Redis and MongoDB-wire servers for the tests, started on free loopback ports as child
//! processes and stopped when dropped (or, for the shared ones, when the test binary exits).
//!
//! The binaries come from `ZONA_TEST_REDIS_SERVER` / `ZONA_TEST_SECANTUSD` (set by
//! `scripts/test.sh`), else from PATH, else from the cache directory's venv; a missing one
//! fails the test with a message that says how to get it.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

fn binary(env: &str, name: &str, fallback: Option<PathBuf>) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    on_path(name)
        .or(fallback.filter(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!(
                "{name} is needed by this test and was not found (set {env}, or put it on PATH); \
                 scripts/test.sh installs it"
            )
        })
}

fn redis_binary() -> PathBuf {
    binary("ZONA_TEST_REDIS_SERVER", "redis-server", None)
}

fn secantusd_binary() -> PathBuf {
    let cache = std::env::var_os("ZONA_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/zona-utils")));
    binary(
        "ZONA_TEST_SECANTUSD",
        "secantusd-py",
        cache.map(|c| c.join("secantusdb-venv/bin/secantusd-py")),
    )
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The child gets `signal` when the thread that started it ends, so servers never outlive
/// the test binary.
fn spawn(mut cmd: Command, signal: i32) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, signal);
            Ok(())
        });
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("starting {:?}: {e}", cmd.get_program()))
}

fn wait_until_listening(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} on port {port} exited at start: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not listen on port {port} within 60 s");
}

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    what: &'static str,
    start: fn(u16, &Option<tempfile::TempDir>) -> Child,
    /// The storage of a durable MongoDB-wire server; kept across restarts.
    dir: Option<tempfile::TempDir>,
}

fn start_redis(port: u16, _: &Option<tempfile::TempDir>) -> Child {
    let mut cmd = Command::new(redis_binary());
    cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"]);
    spawn(cmd, libc::SIGKILL)
}

fn start_mongo(port: u16, dir: &Option<tempfile::TempDir>) -> Child {
    let mut cmd = Command::new(secantusd_binary());
    cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--log-level", "WARNING"]);
    match dir {
        // Every commit is synced, so a killed server keeps what it acknowledged.
        Some(d) => cmd
            .arg("--storage-path")
            .arg(d.path())
            .arg("--sync-on-commit"),
        None => cmd.args(["--storage-path", ":memory:"]),
    };
    // TERM lets it remove its throwaway storage.
    spawn(cmd, libc::SIGTERM)
}

impl Server {
    fn launch(
        what: &'static str,
        start: fn(u16, &Option<tempfile::TempDir>) -> Child,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let port = free_port();
        let mut child = start(port, &dir);
        wait_until_listening(port, &mut child, what);
        Self {
            child: Some(child),
            port,
            what,
            start,
            dir,
        }
    }

    pub fn redis() -> Self {
        Self::launch("redis-server", start_redis, None)
    }

    /// A throwaway MongoDB-wire server (in-memory storage).
    pub fn mongo() -> Self {
        Self::launch("secantusd-py", start_mongo, None)
    }

    /// A MongoDB-wire server whose storage survives `kill` and `restart`.
    pub fn durable_mongo() -> Self {
        Self::launch(
            "secantusd-py",
            start_mongo,
            Some(tempfile::tempdir().expect("tempdir")),
        )
    }

    pub fn redis_url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn mongo_uri(&self) -> String {
        format!("mongodb://127.0.0.1:{}/", self.port)
    }

    /// SIGKILL: the server goes away at once, as in a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGSTOP: the server still holds its port but answers nothing, as when unreachable.
    pub fn pause(&self) {
        if let Some(c) = &self.child {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGSTOP);
            }
        }
    }

    pub fn resume(&self) {
        if let Some(c) = &self.child {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGCONT);
            }
        }
    }

    /// Starts it again on the same port (and storage).
    pub fn restart(&mut self) {
        self.kill();
        let mut child = (self.start)(self.port, &self.dir);
        wait_until_listening(self.port, &mut child, self.what);
        self.child = Some(child);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGCONT);
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub struct Shared {
    pub redis_url: String,
    pub mongo_uri: String,
}

/// One Redis and one MongoDB-wire server for every test of the binary that does not kill
/// them; tests keep apart by database and key prefixes. They are started from a thread that
/// lives as long as the process, so they stop when it exits.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("test-servers".into())
            .spawn(move || {
                let redis = Server::redis();
                let mongo = Server::mongo();
                tx.send(Shared {
                    redis_url: redis.redis_url(),
                    mongo_uri: mongo.mongo_uri(),
                })
                .expect("the test waits for its servers");
                // Keep the servers (and this thread, their parent) for the whole run.
                let _keep = (redis, mongo);
                loop {
                    std::thread::park();
                }
            })
            .expect("spawning the server thread");
        rx.recv().expect("shared test servers started")
    })
}

/// A prefix no other test uses: for database names (`[a-z0-9_]`, short) and Redis keys.
pub fn unique_prefix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("t{}_", &id[..10])
}

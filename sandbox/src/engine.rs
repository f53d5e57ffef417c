//! One `Engine` for the process, an epoch ticker for wall-time deadlines, and the cache of
//! compiled modules.

use crate::error::SandboxError;
use crate::limits::RuntimeConfig;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, Module, PoolingAllocationConfig};

/// Largest function table an instance may have (the guest's limiter enforces the same bound).
pub(crate) const TABLE_ELEMENTS: usize = 200_000;

/// Settings every engine of this crate shares: what the runtime needs and what the limits use.
fn base_config() -> Config {
    let mut c = Config::new();
    c.wasm_exceptions(true);
    c.consume_fuel(true);
    c.epoch_interruption(true);
    c
}

/// The engine calls run on: pooling allocator with copy-on-write memory images, so an instance
/// is a few page-table operations away from a fresh interpreter.
pub(crate) fn call_engine(cfg: &RuntimeConfig, slots: u32) -> Result<Engine, SandboxError> {
    let mut c = base_config();
    c.memory_init_cow(true);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_core_instances(slots)
        .total_memories(slots)
        .total_tables(slots)
        .max_memory_size(cfg.max_memory_bytes as usize)
        // CPython's function table starts at ~47,000 entries.
        .table_elements(TABLE_ELEMENTS)
        // Its instance (mostly the function references of ~50,000 functions) is ~1.6 MB.
        .max_core_instance_size(8 << 20)
        // Reset a finished call's memory by copying back only the pages it dirtied (found with
        // PAGEMAP_SCAN, Linux 6.7+), keeping them mapped: no munmap/madvise, and no page faults
        // when the slot's next call touches them again.
        .pagemap_scan(wasmtime::Enabled::Auto)
        .linear_memory_keep_resident(cfg.keep_resident_bytes)
        .table_keep_resident(4 << 20);
    c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&c).map_err(|e| SandboxError::Engine(format!("{e}")))
}

/// The engine the snapshot's setup turn runs on: compiled quickly, run once.
pub(crate) fn setup_engine() -> Result<Engine, SandboxError> {
    let mut c = base_config();
    c.cranelift_opt_level(wasmtime::OptLevel::None);
    Engine::new(&c).map_err(|e| SandboxError::Engine(format!("{e}")))
}

/// Increments the engine's epoch every `tick` until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("zona-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                }
            })
            .expect("spawning the epoch thread");
        Self { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The key of a compiled module: what it was compiled from, by which wasmtime, with which
/// settings. Anything else is a different entry.
fn cache_key(engine: &Engine, source_id: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    let settings = h.finish();
    let mut d = Sha256::new();
    d.update(source_id.as_bytes());
    d.update(env!("CARGO_PKG_VERSION").as_bytes());
    d.update(wasmtime_version().as_bytes());
    d.update(settings.to_le_bytes());
    hex::encode(d.finalize())[..32].to_owned()
}

fn wasmtime_version() -> &'static str {
    // The crate's pinned major; precompile_compatibility_hash covers the rest.
    "wasmtime-48"
}

/// The path of `<cache>/compiled/<key>.cwasm` once it is there and intact: compiled with `build`
/// and stored atomically (temp file + rename) with its checksum beside it if it was not. The name
/// carries the engine's compatibility hash, so an intact file was made for this engine.
pub(crate) fn compiled_module(
    engine: &Engine,
    cfg: &RuntimeConfig,
    source_id: &str,
    what: &str,
    build: impl FnOnce() -> Result<Vec<u8>, SandboxError>,
) -> Result<std::path::PathBuf, SandboxError> {
    let dir = cfg.cache_dir.join("compiled");
    std::fs::create_dir_all(&dir).map_err(SandboxError::cache(&dir))?;
    let key = cache_key(engine, source_id);
    let path = dir.join(format!("{key}.cwasm"));
    let sum = dir.join(format!("{key}.sha256"));
    // One builder at a time across processes (test binaries, service instances): the others
    // wait and then find it built.
    let lock_path = dir.join(format!("{key}.lock"));
    let lock = std::fs::File::create(&lock_path).map_err(SandboxError::cache(&lock_path))?;
    // SAFETY: flock on a descriptor this function owns; released when `lock` is dropped.
    if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
        return Err(SandboxError::cache(&lock_path)(
            std::io::Error::last_os_error(),
        ));
    }
    // Intact but unloadable (written by a build whose format differs under the same key) is as
    // useless as corrupt: rebuilt too. Loading maps the file; it costs milliseconds.
    let usable = intact(&path, &sum)
        && load(engine, &path, what)
            .inspect_err(
                |e| tracing::warn!(error = %e, "cached module does not load; rebuilding it"),
            )
            .is_ok();
    if !usable {
        tracing::info!(what, "compiling (once; the result is cached)");
        let started = std::time::Instant::now();
        let bytes = build()?;
        let compiled = engine
            .precompile_module(&bytes)
            .map_err(|e| SandboxError::Prepare(format!("compiling {what}: {e}")))?;
        let digest = hex::encode(Sha256::digest(&compiled));
        write_atomic(&path, &compiled)?;
        write_atomic(&sum, digest.as_bytes())?;
        tracing::info!(what, secs = started.elapsed().as_secs_f64(), "compiled");
    }
    Ok(path)
}

/// Whether the file is there and matches the checksum written beside it. Hashing hundreds of
/// MB takes a while, so a file is hashed once per process (and again if it changes).
fn intact(path: &Path, sum: &Path) -> bool {
    use std::sync::Mutex;
    type Seen = (std::path::PathBuf, u64, Option<std::time::SystemTime>);
    static VERIFIED: Mutex<Vec<Seen>> = Mutex::new(Vec::new());
    let Ok(want) = std::fs::read_to_string(sum) else {
        return false;
    };
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let seen: Seen = (path.to_owned(), meta.len(), meta.modified().ok());
    if VERIFIED.lock().is_ok_and(|v| v.contains(&seen)) {
        return true;
    }
    match crate::fetch::sha256_file(path) {
        Ok(have) if have == want.trim() => {
            if let Ok(mut v) = VERIFIED.lock() {
                v.push(seen);
            }
            true
        }
        Ok(_) => {
            tracing::warn!(path = %path.display(), "cached module is corrupt; rebuilding it");
            false
        }
        Err(_) => false,
    }
}

pub(crate) fn load(engine: &Engine, path: &Path, what: &str) -> Result<Module, SandboxError> {
    // SAFETY: the file is one this crate wrote with `precompile_module` for an engine with the
    // same compatibility hash (its name), and its checksum matches what was written.
    unsafe { Module::deserialize_file(engine, path) }.map_err(|e| {
        SandboxError::Prepare(format!(
            "loading the compiled {what} ({}): {e:#}",
            path.display()
        ))
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    let tmp = path.with_extension(format!(
        "tmp-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(SandboxError::cache(path))
}

pub(crate) fn read_wasm(path: &Path) -> Result<Vec<u8>, SandboxError> {
    std::fs::read(path).map_err(SandboxError::cache(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_module_is_trusted_only_while_it_matches_its_checksum() {
        let dir = std::env::temp_dir().join(format!("zona-engine-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (path, sum) = (dir.join("m.cwasm"), dir.join("m.sha256"));
        assert!(!intact(&path, &sum), "missing");
        std::fs::write(&path, b"compiled bytes").unwrap();
        std::fs::write(&sum, hex::encode(Sha256::digest(b"compiled bytes"))).unwrap();
        assert!(intact(&path, &sum));
        // Same length, other bytes, a later mtime: corrupt, so rebuilt rather than loaded.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, b"corrupt! bytes").unwrap();
        assert!(!intact(&path, &sum));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_corrupt_compiled_module_is_rebuilt_and_then_loads() {
        let dir = std::env::temp_dir().join(format!("zona-compiled-test-{}", std::process::id()));
        let cfg = RuntimeConfig {
            cache_dir: dir.clone(),
            ..RuntimeConfig::default()
        };
        let engine = Engine::new(&base_config()).unwrap();
        let builds = std::cell::Cell::new(0);
        // The smallest valid module: the magic and the version.
        let build = || {
            builds.set(builds.get() + 1);
            Ok(b"\0asm\x01\0\0\0".to_vec())
        };
        let path = compiled_module(&engine, &cfg, "tiny", "a tiny module", build).unwrap();
        assert_eq!(builds.get(), 1);
        load(&engine, &path, "a tiny module").unwrap();
        compiled_module(&engine, &cfg, "tiny", "a tiny module", build).unwrap();
        assert_eq!(builds.get(), 1, "an intact entry is reused");
        // Flip a byte in the middle: the checksum no longer matches, so it is built again.
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, &bytes).unwrap();
        let again = compiled_module(&engine, &cfg, "tiny", "a tiny module", build).unwrap();
        assert_eq!(builds.get(), 2, "a corrupt entry is rebuilt");
        load(&engine, &again, "a tiny module").unwrap();
        // Bytes that match their checksum but are no compiled module: rebuilt, not trusted.
        let garbage = b"not a compiled module at all";
        std::fs::write(&again, garbage).unwrap();
        std::fs::write(
            again.with_extension("sha256"),
            hex::encode(Sha256::digest(garbage)),
        )
        .unwrap();
        let rebuilt = compiled_module(&engine, &cfg, "tiny", "a tiny module", build).unwrap();
        assert_eq!(builds.get(), 3, "an unloadable entry is rebuilt");
        load(&engine, &rebuilt, "a tiny module").unwrap();
        // Another source is another entry.
        let other = compiled_module(&engine, &cfg, "other", "a tiny module", build).unwrap();
        assert_ne!(other, again);
        assert_eq!(builds.get(), 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

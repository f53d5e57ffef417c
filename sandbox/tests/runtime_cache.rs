//! The runtime in the cache: a file changed after it was verified is hashed again, and a
//! mismatch is unpacked again from the verified wheel rather than trusted.

use std::path::Path;
use zona_sandbox::{RuntimeConfig, fetch_runtime};

fn sha256(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap();
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn a_tampered_runtime_file_is_unpacked_again() {
    let shared: std::path::PathBuf =
        std::env::var_os("ZONA_CACHE_DIR").map_or_else(zona_sandbox::default_cache_dir, Into::into);
    // A cache of its own, with the wheel the shared cache already holds (linked, not copied):
    // this test never touches the runtime the other tests use.
    let prepared = RuntimeConfig {
        cache_dir: shared.clone(),
        ..RuntimeConfig::default()
    };
    fetch_runtime(&prepared, &|_| {}).expect("the shared runtime is there");
    let cache = tempfile::Builder::new()
        .prefix("runtime-cache-test-")
        .tempdir_in(&shared)
        .unwrap();
    std::fs::create_dir_all(cache.path().join("wheels")).unwrap();
    for e in std::fs::read_dir(shared.join("wheels")).unwrap() {
        let e = e.unwrap();
        std::fs::hard_link(e.path(), cache.path().join("wheels").join(e.file_name())).unwrap();
    }
    let cfg = RuntimeConfig {
        cache_dir: cache.path().to_owned(),
        ..RuntimeConfig::default()
    };
    let steps = std::sync::Mutex::new(Vec::<String>::new());
    let progress = |s: &str| steps.lock().unwrap().push(s.to_owned());
    let paths = fetch_runtime(&cfg, &progress).unwrap();
    let zip = std::fs::read_dir(&paths.stdlib_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let good = sha256(&zip);
    assert_eq!(sha256(&paths.wasm), paths.wasm_sha256);

    // Untouched: trusted as it is, without unpacking.
    steps.lock().unwrap().clear();
    fetch_runtime(&cfg, &progress).unwrap();
    assert!(
        steps.lock().unwrap().is_empty(),
        "{:?}",
        steps.lock().unwrap()
    );

    // Tampered (the guest reads its stdlib from this file on every call): found and replaced.
    let mut f = std::fs::OpenOptions::new().append(true).open(&zip).unwrap();
    std::io::Write::write_all(&mut f, b"tampered").unwrap();
    drop(f);
    assert_ne!(sha256(&zip), good);
    steps.lock().unwrap().clear();
    let again = fetch_runtime(&cfg, &progress).unwrap();
    assert_eq!(sha256(&zip), good);
    assert_eq!(again.wasm, paths.wasm);
    let steps = steps.into_inner().unwrap();
    assert!(
        steps.iter().any(|s| s.contains("verifying it again")),
        "{steps:?}"
    );
    assert!(steps.iter().any(|s| s.contains("unpacking")), "{steps:?}");

    // Touched but unchanged (a copy that kept the bytes): hashed again, kept, not unpacked.
    let bytes = std::fs::read(&zip).unwrap();
    std::fs::write(&zip, &bytes).unwrap();
    let steps = std::sync::Mutex::new(Vec::<String>::new());
    let progress = |s: &str| steps.lock().unwrap().push(s.to_owned());
    fetch_runtime(&cfg, &progress).unwrap();
    let steps = steps.into_inner().unwrap();
    assert!(!steps.iter().any(|s| s.contains("unpacking")), "{steps:?}");
}

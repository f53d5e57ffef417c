#!/usr/bin/env bash
# Parses benches/data/utilities_1000.py with rustpython-parser 0.4 (what the validation engine
# uses) and with ruff_python_parser (the alternative), in the same run, and prints the time per
# parse of each. The comparison crate is generated under the cache directory, not kept in the repo.
# Usage: scripts/bench-parsers.sh
source "$(dirname "$0")/lib.sh"
cd "$ZONA_ROOT"
need_rust
DIR="$ZONA_CACHE_DIR/parser-compare"
mkdir -p "$DIR/src"
cat > "$DIR/Cargo.toml" <<'TOML'
[package]
name = "parser-compare"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
ruff_python_parser = "=0.0.10"
rustpython-parser = "0.4"

[profile.release]
debug = false
TOML
cat > "$DIR/src/main.rs" <<'RS'
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let src = std::fs::read_to_string(std::env::args().nth(1).expect("a Python file")).unwrap();
    // Interleaved rounds, so both see the same machine load.
    for round in 1..=5 {
        let n = 400;
        let t = Instant::now();
        for _ in 0..n {
            black_box(rustpython_parser::parse(black_box(&src), rustpython_parser::Mode::Module, "<u>").unwrap());
        }
        let rustpython = t.elapsed() / n;
        let t = Instant::now();
        for _ in 0..n {
            black_box(ruff_python_parser::parse_module(black_box(&src)).unwrap());
        }
        let ruff = t.elapsed() / n;
        println!("round {round}: rustpython-parser 0.4 {rustpython:?} per parse, ruff_python_parser {ruff:?} per parse");
    }
}
RS
log "building the comparison (in $DIR)"
cargo build --release -q --manifest-path "$DIR/Cargo.toml" --target-dir "$ZONA_CACHE_DIR/parser-compare-target"
"$ZONA_CACHE_DIR/parser-compare-target/release/parser-compare" benches/data/utilities_1000.py

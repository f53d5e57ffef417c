#!/usr/bin/env bash
# The execution engine's figures (docs/benchmarks.md): `zona-utils bench` on worker processes and
# on threads, a native python3 per call with numpy and pandas (in a venv of its own, for the
# comparison), and the HTTP path. Usage: scripts/bench-engine.sh [seconds per row]
source "$(dirname "$0")/lib.sh"
cd "$ZONA_ROOT"
need_rust
need_python
venv="$ZONA_CACHE_DIR/bench-python"
if ! "$venv/bin/python" -c 'import numpy, pandas' 2>/dev/null; then
  log "installing numpy and pandas into $venv (the native comparison)"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check numpy pandas
fi
cargo build --release --bin zona-utils -q
BIN="${CARGO_TARGET_DIR:-$ZONA_ROOT/target}/release/zona-utils"
ZONA_LOG_LEVEL=warn ZONA_SANDBOX__PYTHON="$venv/bin/python" \
  "$BIN" bench --seconds "${1:-5}" --threads --native --http

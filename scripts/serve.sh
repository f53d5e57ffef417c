#!/usr/bin/env bash
# Runs the service on its embedded defaults (127.0.0.1:8109, data in ./data). Extra arguments go
# to 'zona-utils serve' (e.g. --listen 0.0.0.0:8109).
source "$(dirname "$0")/lib.sh"
cd "$ZONA_ROOT"
need_rust
need_python
exec cargo run --release --bin zona-utils -- serve "$@"

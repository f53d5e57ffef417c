#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs, starts the real servers
# the tests use (Redis, a MongoDB-wire server) on private ports, fetches and prepares the pinned
# Python runtime into the cache (~/.cache/zona-utils), and
# runs every test of the workspace. Extra arguments go to 'cargo test'.
source "$(dirname "$0")/lib.sh"
cd "$ZONA_ROOT"
need_rust
need_python
need_redis
need_secantusdb
# The RS256 tests make their key pairs with openssl, as an operator would.
apt_install openssl openssl

log "building"
cargo build --workspace --all-targets
log "preparing the Python runtime (fetch, verify, compile the snapshot; minutes the first time)"
"${CARGO_TARGET_DIR:-$ZONA_ROOT/target}/debug/zona-utils" runtime prepare >/dev/null

log "running the tests"
cargo test --workspace --all-targets "$@"

#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs, starts the real servers
# the tests use (Redis, a MongoDB-wire server) on private ports, fetches the Python runtime, and
# runs every test of the workspace. Extra arguments go to 'cargo test'.
source "$(dirname "$0")/lib.sh"
cd "$ZONA_ROOT"
need_rust
need_python
need_redis
need_secantusdb

log "building and running the tests"
cargo test --workspace --all-targets "$@"

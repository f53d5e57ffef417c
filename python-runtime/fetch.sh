#!/usr/bin/env bash
# Fetches, verifies and unpacks the pinned runtime into the cache (same as
# `zona-utils runtime fetch`, which the service also does on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --bin zona-utils -- runtime fetch "$@"

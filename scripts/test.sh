#!/usr/bin/env bash
# The one test command. From a fresh clone on a fresh Debian machine, as root:
#   scripts/test.sh                 # the whole suite
#   scripts/test.sh -k tamper -x    # any pytest arguments pass through
# It creates .venv (pip install -e '.[test]'), makes sure a PostgreSQL server is installed and
# running (and stops it again afterwards if this script started it), installs hardhat_local's
# node modules (npm ci), then runs pytest with PROVENANCE_REQUIRE_PG=1 and
# PROVENANCE_REQUIRE_HARDHAT=1 so that no PostgreSQL or Hardhat test is silently skipped. The
# Hardhat node is started and stopped by the tests that need it, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh

# Debian bookworm's "postgresql" is 15; on another release the installed major version is used.
PG_VERSION=${PG_VERSION:-}
PG_CLUSTER=${PG_CLUSTER:-main}
STARTED_SERVICES=()
PG_INSTALLED_HERE=

log() { printf 'test.sh: %s\n' "$*" >&2; }

as_postgres() {
  # cd / first: su keeps the working directory, which user postgres may not be able to read.
  (cd / && su postgres -c "$1")
}

# -- prerequisites ---------------------------------------------------------------------------

ensure_python_venv() {
  # Debian splits venv/ensurepip out of python3; without it 'python3 -m venv' fails.
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' 2>/dev/null
  then
    log "installing python3 and python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
  fi
}

# -- PostgreSQL ------------------------------------------------------------------------------

ensure_postgres_installed() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    PG_INSTALLED_HERE=1
  fi
  if [ -z "$PG_VERSION" ]; then
    PG_VERSION=$(pg_lsclusters -h 2>/dev/null | awk -v c="$PG_CLUSTER" '$2 == c { print $1; exit }')
  fi
  if [ -z "$PG_VERSION" ]; then
    PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  fi
  if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" \
      '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
    log "creating cluster $PG_VERSION/$PG_CLUSTER"
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER"
  fi
}

start_postgres() {
  # The Debian default listen_addresses is 'localhost'; the tests use the Unix socket.
  if pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" status >/dev/null 2>&1; then
    if [ -n "$PG_INSTALLED_HERE" ]; then
      # The package's install script started it on our behalf: ours to stop.
      STARTED_SERVICES+=(postgres)
    else
      log "PostgreSQL $PG_VERSION/$PG_CLUSTER already running; leaving it running"
    fi
  else
    log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
    STARTED_SERVICES+=(postgres)
  fi
  if [ "$(as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'root'\"")" != 1 ]; then
    log "creating superuser role root"
    as_postgres "createuser -s root"
  fi
  export PROVENANCE_TEST_PG_URL=${PROVENANCE_TEST_PG_URL:-postgresql+psycopg:///postgres}
  export PROVENANCE_REQUIRE_PG=1
}

stop_postgres() {
  log "stopping PostgreSQL $PG_VERSION/$PG_CLUSTER (this script started it)"
  pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop || true
}

# -- hook points for later services (not implemented yet) ------------------------------------
# Each start_* appends its name to STARTED_SERVICES only if it started something, and the
# matching stop_* is called on exit. Servers must bind 127.0.0.1 only.

start_hardhat_node() {
  # npm ci in hardhat_local/ (Hardhat 2 + the pinned solcjs). The node itself is started by
  # the tests that use it (tests/integration/test_hardhat.py, on 127.0.0.1:8546-8548) and
  # stopped when they finish; REQUIRE makes them fail rather than skip without node modules.
  source scripts/_node.sh
  ensure_node_modules
  export PROVENANCE_REQUIRE_HARDHAT=1 PROVENANCE_REQUIRE_NODE=1
}

stop_hardhat_node() {
  :
}

start_chromium() {
  # Debian's Chromium for the browser tests (Playwright drives it; it cannot download its
  # own), and libcairo for rendering SVG tags to images. Tests launch and close the browser.
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  ldconfig -p 2>/dev/null | grep -q 'libcairo.so.2' || missing+=(libcairo2)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  export PROVENANCE_REQUIRE_CHROMIUM=1
}

stop_chromium() {
  :
}

stop_started_services() {
  local i
  for ((i = ${#STARTED_SERVICES[@]} - 1; i >= 0; i--)); do
    "stop_${STARTED_SERVICES[i]}" || true
  done
}

# -- main ------------------------------------------------------------------------------------

trap stop_started_services EXIT
# Turn Ctrl-C and kill into an ordinary exit so the EXIT trap still stops what we started.
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_python_venv
ensure_venv test
ensure_postgres_installed
start_postgres
start_hardhat_node
start_chromium

set +e
.venv/bin/pytest "$@"
status=$?
set -e
exit "$status"

# Shared by scripts that need the Node.js tooling in hardhat_local/ (Hardhat 2, pinned solc-js).
# Source it, then call ensure_node_modules:
#   source scripts/_node.sh
#   ensure_node_modules
# It runs `npm ci` in hardhat_local/ when node_modules is missing or older than
# package-lock.json, and does nothing otherwise. Quiet unless npm fails; returns non-zero (with a
# one-line error on stderr) if node or npm is missing or the install fails.

_NODE_SH_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ensure_node_modules() {
  local dir="$_NODE_SH_REPO_ROOT/hardhat_local"
  # npm ci deletes node_modules first, so a stamp inside it never outlives a failed install.
  local stamp="$dir/node_modules/.provenance-npm-ci"
  # Up to date only if the stamp is strictly newer (file times can be coarse: ties reinstall).
  if [ "$stamp" -nt "$dir/package-lock.json" ] && [ "$stamp" -nt "$dir/package.json" ]; then
    return 0
  fi
  local tool
  for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      printf 'ensure_node_modules: %s not found on PATH; install Node.js 20 or 22 with npm\n' \
        "$tool" >&2
      return 1
    fi
  done
  local log
  log=$(mktemp)
  if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    printf 'ensure_node_modules: npm ci failed in %s (output above)\n' "$dir" >&2
    return 1
  fi
  rm -f "$log"
  touch "$stamp"
}

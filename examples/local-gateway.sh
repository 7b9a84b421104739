# Sourced by the examples' walkthrough scripts: a local gateway for one run.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../local-gateway.sh"
#   start_gateway [more apigw serve flags]
#
# Defines `root` (the repository), `work` (a temporary directory, removed at
# exit, whose `data` is the gateway's data dir), `apigw` (the CLI on the
# repository's Node.js) and `step`; `start_gateway` starts `apigw serve` on
# free loopback ports, exports APIGW_ENDPOINT, APIGW_GATEWAY and
# APIGW_DATA_DIR for the CLI, and stops the server (by PID) at exit.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/.bin:$PATH"
apigw() { node "$root/packages/provider/bin/apigw.js" "$@"; }
work="$(mktemp -d)"
mkdir -p "$work/data"
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n=== %s\n\n' "$1"; }

start_gateway() {
  # Started directly (not through the apigw function) so that $! is the server itself.
  node "$root/packages/provider/bin/apigw.js" serve --data-dir "$work/data" --port 0 --admin-port 0 "$@" > "$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 150); do
    grep -q 'admin API listening' "$work/serve.log" 2>/dev/null && break
    sleep 0.1
  done
  APIGW_ENDPOINT="$(sed -n 's/^apigw admin API listening on \([^ ]*\).*/\1/p' "$work/serve.log")"
  APIGW_GATEWAY="$(sed -n 's/^apigw data plane listening on \([^ ]*\).*/\1/p' "$work/serve.log")"
  export APIGW_ENDPOINT APIGW_GATEWAY APIGW_DATA_DIR="$work/data"
  [ -n "$APIGW_ENDPOINT" ] && [ -n "$APIGW_GATEWAY" ] || { cat "$work/serve.log"; return 1; }
}

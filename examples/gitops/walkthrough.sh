#!/usr/bin/env bash
# The GitOps loop on a local gateway: review a plan as a pull-request
# comment, apply exactly the reviewed plan, see a stale plan refused, and
# detect drift. Run from the repository root after `npm run build`:
#
#   bash examples/gitops/walkthrough.sh
#
# It starts `apigw serve` on free loopback ports with a temporary data dir
# and stops it (by PID) when it ends.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$root/node_modules/.bin:$PATH"
apigw() { node "$root/packages/provider/bin/apigw.js" "$@"; }
here="$root/examples/gitops"
work="$(mktemp -d)"
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n=== %s\n\n' "$1"; }

step "Starting a gateway (apigw serve) on free ports"
# Started directly (not through the apigw function) so that $! is the server itself.
node "$root/packages/provider/bin/apigw.js" serve --data-dir "$work/data" --port 0 --admin-port 0 > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 100); do
  grep -q 'admin API listening' "$work/serve.log" 2>/dev/null && break
  sleep 0.1
done
export APIGW_ENDPOINT="$(sed -n 's/^apigw admin API listening on \([^ ]*\).*/\1/p' "$work/serve.log")"
export APIGW_DATA_DIR="$work/data"
[ -n "$APIGW_ENDPOINT" ] || { cat "$work/serve.log"; exit 1; }
cat "$work/serve.log"
token_args=(--data-dir "$work/data")

step "Pull request: validate, and the plan as a Markdown comment"
apigw validate -f "$here/gateway.json"
set +e
apigw "${token_args[@]}" plan -f "$here/gateway.json" --markdown --detailed-exitcode
code=$?
set -e
echo "(plan exit code $code: 2 means changes are present)"
[ "$code" -eq 2 ]

step "Merge: plan, then apply exactly that plan"
apigw "${token_args[@]}" plan -f "$here/gateway.json" --out "$work/plan.json" > /dev/null
apigw "${token_args[@]}" apply "$work/plan.json"

step "The same plan again is stale: the gateway moved, nothing is applied"
if apigw "${token_args[@]}" apply "$work/plan.json"; then echo "a stale plan was applied"; exit 1; fi

step "Drift check: the gateway matches main (exit 0)"
apigw "${token_args[@]}" plan -f "$here/gateway.json" --detailed-exitcode

step "Export: the live stack as a document that plans no change"
apigw "${token_args[@]}" export --stack catalog -o "$work/exported.json"
apigw "${token_args[@]}" plan -f "$work/exported.json" --detailed-exitcode

step "Done"

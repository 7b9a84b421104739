#!/usr/bin/env bash
# The Function Compute chapter of the quick start on a local gateway: the
# template function's code is served from examples/function/code, published
# as functions/hello, and called with an AppCode. Run from the repository root
# after `npm run build`:
#
#   bash examples/function/walkthrough.sh
#
# It starts `apigw serve --workers 2` on free loopback ports with a
# temporary data dir and stops it (by PID) when it ends.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../local-gateway.sh"
here="$root/examples/function"

step "The runtime's function table: quickstart/hello is the code in examples/function/code"
cat > "$work/data/functions.json" <<JSON
{ "quickstart/hello": { "codeDir": "$here/code", "handler": "index.handler", "timeoutSeconds": 5, "memoryMB": 128 } }
JSON
cat "$work/data/functions.json"

step "Starting a gateway (apigw serve --workers 2) on free ports"
start_gateway --workers 2

step "Apply the example"
apigw apply -f "$here/gateway.ts" --auto-approve

step "Call it with the AppCode: ?response=html"
apigw call functions/hello --app-code --query response=html

step "Call it with the AppCode: ?response=json"
apigw call functions/hello --app-code --query response=json

step "Done"

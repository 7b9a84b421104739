#!/usr/bin/env bash
# The GitOps loop of workflow.yml on a local gateway, with the same
# commands: the pull-request job reviews a plan and keeps it as an
# artifact; the merge job applies exactly that artifact — and refuses when
# the merged gateway.json is not the reviewed one, or when the gateway
# changed since the plan was made (a hand edit). Then drift detection and
# export. Run from the repository root after `npm run build`:
#
#   bash examples/gitops/walkthrough.sh
#
# It starts `apigw serve` on free loopback ports with a temporary data dir
# and stops it (by PID) when it ends.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../local-gateway.sh"
here="$root/examples/gitops"

# The jobs of workflow.yml, each in the repository checkout ($work/repo).
# The artifact store stands for actions/upload-artifact + download-artifact.
pr_job() {
  (
    cd "$work/repo"
    apigw validate -f gateway.json
    set +e
    apigw plan -f gateway.json --markdown --detailed-exitcode --out plan.json > plan.md
    code=$?
    set -e
    echo "(plan exit code $code: 2 means changes are present)"
    [ "$code" -eq 2 ]
    cat plan.md
    sha256sum gateway.json > gateway.json.sha256
    rm -rf "$work/artifact" && mkdir "$work/artifact"
    mv plan.json plan.md gateway.json.sha256 "$work/artifact/"
  )
}
merge_job() {
  (
    cd "$work/repo"
    rm -rf reviewed && cp -r "$work/artifact" reviewed
    # Each step stops the job, as a failed step stops a CI job (also when the job is tested with if).
    sha256sum -c reviewed/gateway.json.sha256 || exit 1
    apigw apply reviewed/plan.json || exit 1
  )
}

step "Starting a gateway (apigw serve) on free ports"
start_gateway --workers 1
cat "$work/serve.log"
mkdir "$work/repo"
cp "$here/gateway.json" "$work/repo/gateway.json"

step "Pull request 1: validate; the plan as a Markdown comment, saved as the artifact"
pr_job

step "Merge 1: apply exactly the reviewed artifact"
merge_job

step "Pull request 2: a new description for the partner app"
( cd "$work/repo" && node -e '
  const fs = require("fs");
  const doc = JSON.parse(fs.readFileSync("gateway.json", "utf8"));
  doc.apps[0].description = "reviewed change";
  fs.writeFileSync("gateway.json", JSON.stringify(doc, null, 2) + "\n");
' )
pr_job

step "Before merge 2, gateway.json is edited again without review: the merge job refuses"
cp "$work/repo/gateway.json" "$work/reviewed-gateway.json"
sed -i 's/reviewed change/unreviewed change/' "$work/repo/gateway.json"
if merge_job; then echo "an unreviewed gateway.json was applied"; exit 1; fi
cp "$work/reviewed-gateway.json" "$work/repo/gateway.json"

step "Before merge 2, someone edits the gateway by hand: the reviewed plan is stale, nothing is applied"
printf '{ "apiVersion": "apigw/v1", "stack": "handmade", "apps": [{ "name": "hand_edit" }] }\n' > "$work/hand-edit.json"
apigw apply -f "$work/hand-edit.json" --auto-approve > /dev/null
if merge_job; then echo "a stale plan was applied"; exit 1; fi

step "Pull request 2, re-run: a fresh plan is reviewed, and merging applies it"
pr_job
merge_job

step "Drift check: the gateway matches main (exit 0)"
apigw plan -f "$work/repo/gateway.json" --detailed-exitcode

step "Export: the live stack as a document that plans no change"
apigw export --stack catalog -o "$work/exported.json"
apigw plan -f "$work/exported.json" --detailed-exitcode

step "Done"

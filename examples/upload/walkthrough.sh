#!/usr/bin/env bash
# The OSS chapter of the quick start on a local gateway: upload, read,
# inspect and delete an object through signed calls, with the bucket kept in
# the gateway's data directory. Run from the repository root after
# `npm run build`:
#
#   bash examples/upload/walkthrough.sh
#
# It starts `apigw serve` on free loopback ports with a temporary data dir
# and stops it (by PID) when it ends.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../local-gateway.sh"
here="$root/examples/upload"

step "Starting a gateway (apigw serve) on free ports"
start_gateway

step "Apply the example"
apigw apply -f "$here/gateway.ts" --auto-approve

step "PutObject: upload hello.txt with its metadata"
apigw call files/putFile --path-param name=hello.txt -H 'Content-Type: text/plain' -H 'x-oss-meta-author: ann' -d 'hello, object storage'

step "GetObject: read it back"
apigw call files/getFile --path-param name=hello.txt

step "GetObject with a Range: the first five bytes"
apigw call files/getFile --path-param name=hello.txt -H 'Range: bytes=0-4'

step "HeadObject: size, ETag and metadata, no body"
apigw call files/headFile --path-param name=hello.txt

step "PutObject with x-oss-forbid-overwrite: refused, the object stays"
# apigw call exits 1 for an answer that is not 2xx.
if apigw call files/putFile --path-param name=hello.txt -H 'x-oss-forbid-overwrite: true' -d 'replacement'; then echo "an overwrite was accepted"; exit 1; fi

step "DeleteObject, then GetObject answers 404 NoSuchKey"
apigw call files/deleteFile --path-param name=hello.txt
if apigw call files/getFile --path-param name=hello.txt; then echo "a deleted object was served"; exit 1; fi

step "Done"

#!/usr/bin/env bash
# Data-plane benchmark: installs nginx and wrk from Debian when missing,
# builds the runtime, then runs bench/dataplane/run.js (about 3 minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
export PATH="$PWD/node_modules/.bin:$PATH"
npx tsc -b packages/runtime
exec node bench/dataplane/run.js "$@"

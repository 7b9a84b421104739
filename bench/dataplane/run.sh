#!/usr/bin/env bash
# Data-plane benchmark: installs nginx and wrk from Debian when missing,
# builds the runtime, then runs bench/dataplane/run.js (about 3 minutes).
set -euo pipefail
source "$(dirname "$0")/../prepare.sh"
exec node bench/dataplane/run.js "$@"

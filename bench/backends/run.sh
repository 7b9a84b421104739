#!/usr/bin/env bash
# Backend benchmark: installs nginx and wrk from Debian when missing, builds
# the runtime, then runs bench/backends/run.js (about a minute).
set -euo pipefail
source "$(dirname "$0")/../prepare.sh"
exec node bench/backends/run.js "$@"

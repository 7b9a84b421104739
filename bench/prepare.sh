# Sourced by the benchmarks' run.sh: installs nginx, wrk and taskset from
# Debian when missing (not for a quick run, APIGW_BENCH_QUICK_APIS), puts the repository's Node.js first on PATH and
# builds the runtime. Leaves the working directory at the repository root.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ] && [ -n "${APIGW_BENCH_QUICK_APIS:-}" ]; then
  # A quick run installs nothing: the bench runs with what this machine has.
  echo "quick run: not installing ${missing[*]}" >&2
elif [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
export PATH="$PWD/node_modules/.bin:$PATH"
npx tsc -b packages/runtime

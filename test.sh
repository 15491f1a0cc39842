#!/usr/bin/env bash
# The one test command. On Debian 12 as root (it re-runs itself under sudo otherwise), with the .NET 10 SDK on PATH:
#
#   ./test.sh                                          # the whole suite
#   ./test.sh --project tests/Greyhub.Compute.Slurm.Tests   # extra arguments go to `dotnet test`
#
# 1. .ci/install-deps: the Debian packages the tests drive (only the missing ones);
# 2. the services the suite needs: a one-node Slurm with slurmrestd (scripts/slurm-local.sh), a private rootful
#    Podman API service (scripts/podman-local.sh), the local test images (scripts/build-test-image.sh) and a private
#    PostgreSQL (scripts/postgres-local.sh);
# 3. `dotnet test` with the environment those services export, then the hub's tests again on PostgreSQL;
# 4. on exit (even on failure or Ctrl-C), stops the services it started itself, by their recorded PIDs; a service
#    that was already running when it began is used and left running;
# 5. prints one plain line: "N passed, N failed, N skipped" (the exit status is dotnet test's; a skip is red too).
#
# Settings (environment): SLURM_LOCAL_DIR (default /tmp/greyhub-test-slurm), PODMAN_LOCAL_DIR (default
# /tmp/greyhub-podman), POSTGRES_LOCAL_DIR (default /tmp/greyhub-test-postgres), GREYHUB_IMAGE_CACHE (default /var/cache/greyhub-images), GREYHUB_TEST_LOG_DIR (default
# /tmp/greyhub-test-logs: each run's log; the CI artifacts), GREYHUB_SCREENSHOTS (default $GREYHUB_TEST_LOG_DIR/screenshots:
# every page the browser tests visit, as PNG). .ci/run is this script with CI=true.
set -euo pipefail
cd "$(dirname "$0")"

if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "test.sh: run it as root (it installs packages and starts rootful Podman and Slurm)" >&2; exit 1; }
  # sudo resets PATH; keep the caller's so that the .NET SDK is found.
  exec sudo --preserve-env=CI,SLURM_LOCAL_DIR,PODMAN_LOCAL_DIR,POSTGRES_LOCAL_DIR,GREYHUB_IMAGE_CACHE,GREYHUB_TEST_LOG_DIR,GREYHUB_SCREENSHOTS,DOTNET_ROOT \
    env "PATH=$PATH" bash "$0" "$@"
fi
command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK is not on PATH (see README.md)" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
logs="${GREYHUB_TEST_LOG_DIR:-/tmp/greyhub-test-logs}"
mkdir -p "$logs"
rm -f "$logs"/*.log
# The browser tests' screenshots (tests/Greyhub.Host.Tests/PageChecks.cs), beside the logs: one folder to keep from a run.
export GREYHUB_SCREENSHOTS="${GREYHUB_SCREENSHOTS:-$logs/screenshots}"
mkdir -p "$GREYHUB_SCREENSHOTS"
rm -f "$GREYHUB_SCREENSHOTS"/*.png

bash .ci/install-deps
# The browser tests' accessibility check: axe-core from npm, pinned by its lock file (tests/Greyhub.Host.Tests/axe).
if [[ ! tests/Greyhub.Host.Tests/axe/node_modules/.package-lock.json -nt tests/Greyhub.Host.Tests/axe/package-lock.json ]]; then
  npm ci --prefix tests/Greyhub.Host.Tests/axe --no-audit --no-fund
fi
# The upstream-login tests' OpenID provider: panva's oidc-provider, pinned by its lock file (tests/Greyhub.Host.Tests/oidc).
if [[ ! tests/Greyhub.Host.Tests/oidc/node_modules/.package-lock.json -nt tests/Greyhub.Host.Tests/oidc/package-lock.json ]]; then
  npm ci --prefix tests/Greyhub.Host.Tests/oidc --no-audit --no-fund
fi

# Services this run started (and so stops): one line each, "name stop-command".
started=()
stop_services() {
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    bash -c "${started[i]}" >/dev/null 2>&1 || true
  done
  started=()
}
trap stop_services EXIT

# ---- Services: start each one here (record its stop command in `started` only when this run started it) ----

# A one-node Slurm (with slurmrestd + JWT) for the Slurm engine's tests; 32 CPUs advertised so 20 jobs fit on 2 cores.
export SLURM_LOCAL_DIR="${SLURM_LOCAL_DIR:-/tmp/greyhub-test-slurm}" SLURM_LOCAL_CPUS="${SLURM_LOCAL_CPUS:-32}" SLURM_LOCAL_RESTD_PORT="${SLURM_LOCAL_RESTD_PORT:-auto}"
if [[ $(bash scripts/slurm-local.sh status | head -1) == "nothing running" ]]; then started+=("bash scripts/slurm-local.sh stop"); fi
bash scripts/slurm-local.sh start
eval "$(bash scripts/slurm-local.sh env)"

# The containers engine's tests: a private rootful Podman API service and the local test images (Debian with
# python3; and with jupyterhub-singleuser for the hub's container test), built once per machine and cached
# (scripts/build-test-image.sh; several minutes the first time, seconds after).
export PODMAN_LOCAL_DIR="${PODMAN_LOCAL_DIR:-/tmp/greyhub-podman}"
if ! bash scripts/podman-local.sh status >/dev/null 2>&1; then started+=("bash scripts/podman-local.sh stop"); fi
bash scripts/podman-local.sh start
eval "$(bash scripts/podman-local.sh env)"
export CONTAINERS_CONF GREYHUB_CONTAINERS_ENDPOINT
bash scripts/build-test-image.sh all

# A private PostgreSQL on loopback: the hub's tests run a second time on it (GREYHUB_TEST_DATABASE=postgres below).
export POSTGRES_LOCAL_DIR="${POSTGRES_LOCAL_DIR:-/tmp/greyhub-test-postgres}"
if ! bash scripts/postgres-local.sh status 2>/dev/null | grep -q '^postgres:'; then started+=("bash scripts/postgres-local.sh stop"); fi
bash scripts/postgres-local.sh start
eval "$(bash scripts/postgres-local.sh env)"

# ---- End of services ----

# run_tests NAME ARG...: one `dotnet test` run, its output in $logs/NAME.log; a failing run makes the script fail.
status=0
run_tests() {
  local name=$1 rc
  shift
  set +e
  dotnet test "$@" 2>&1 | tee "$logs/$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  if ((rc != 0)); then status=$rc; fi
}

run_tests suite "$@"

# ---- Extra test runs (only for the whole suite, i.e. without arguments): add them here ----
if (($# == 0)); then
  # The hub's own tests again on the second database provider.
  GREYHUB_TEST_DATABASE=postgres run_tests postgres --project tests/Greyhub.Hub.Tests
fi
# ---- End of extra test runs ----

stop_services

# One plain closing line that any reader understands, summed over every run above.
sum() { cat "$logs"/*.log | { grep -Eo "$1" || true; } | awk '{s+=$NF} END {print s+0}'; }
passed=$(sum 'succeeded: [0-9]+')
failed=$(sum '^  failed: [0-9]+')
skipped=$(sum '^  skipped: [0-9]+')
echo "logs: $logs; screenshots: $GREYHUB_SCREENSHOTS ($(find "$GREYHUB_SCREENSHOTS" -maxdepth 1 -name '*.png' | wc -l) pages)"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
# Requires.Missing fails (never skips) when a program is missing; this is the second lock: a skip from anywhere else is red too.
if ((skipped != 0)); then
  echo "test.sh: ${skipped} test(s) skipped; nothing may skip (see the 'skipped' lines above)" >&2
  ((status != 0)) || status=1
fi
exit "$status"

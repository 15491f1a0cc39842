#!/usr/bin/env bash
# The whole start-up comparison in one command, for a quiet machine: publishes the ReadyToRun executable
# (scripts/publish.sh --tarball-only), builds the Release (JIT) build, starts a private PostgreSQL (scripts/postgres-local.sh,
# stopped again at the end), then runs startup.py for the published executable and the JIT build (SQLite and PostgreSQL,
# 5,000 and 50,000 users, with and without 1,000 dead servers, RUNS times each) and JupyterHub 3.0 once.
#
#   benchmarks/startup/all.sh [RUNS]        (default 3; the tables go to stdout, progress to stderr)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
work="$(mktemp -d -t greyhub-startup-all-XXXXXX)"
export POSTGRES_LOCAL_DIR="$work/postgres"
cleanup() { bash scripts/postgres-local.sh stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
tarball="$(scripts/publish.sh --tarball-only --output "$work/publish" | grep '\.tar\.gz$' | tail -1)"
tar -C "$work" -xzf "$tarball"
published="$(ls -d "$work"/greyhub-*-linux-x64)/greyhub"
dotnet build -c Release src/Greyhub.Host >&2
bash scripts/postgres-local.sh start >&2
eval "$(bash scripts/postgres-local.sh env)"
echo "## published, ReadyToRun ($(git rev-parse --short HEAD))"
benchmarks/startup/startup.py --greyhub-dll "$published" --hubs greyhub-sqlite,greyhub-postgres --runs "$runs"
echo "## Release build, JIT"
benchmarks/startup/startup.py --greyhub-dll src/Greyhub.Host/bin/Release/net10.0/greyhub.dll --hubs greyhub-sqlite,greyhub-postgres --runs "$runs"
echo "## JupyterHub 3.0"
benchmarks/startup/startup.py --greyhub-dll unused --hubs jupyterhub

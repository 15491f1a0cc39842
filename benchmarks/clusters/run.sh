#!/usr/bin/env bash
# API request -> N workers connected on the local engine: the hub, LocalCluster and a hand-started scheduler + workers
# (see README.md). Needs Debian's python3-distributed and openssl. ROUNDS (3) and HUB_ARGS (extra `greyhub serve`
# arguments, e.g. an engine) override the defaults; arguments are the worker counts (default: 2 8).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dotnet build -c Release "$repo/src/Greyhub.Host" -o "$here/bin" >/dev/null
exec /usr/bin/python3 "$here/bench.py" "$here/bin/greyhub.dll" "$@"

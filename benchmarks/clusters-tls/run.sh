#!/usr/bin/env bash
# Dask round trips through Greyhub's SNI port vs direct to the scheduler (see README.md). Needs Debian's
# python3-distributed and python3-cryptography. ROUNDS (3), SUBMITS (1000), HANDSHAKES (300) override the defaults.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build -c Release "$here/Greyhub.SniProxy.Bench" -o "$here/bin" >/dev/null
exec /usr/bin/python3 "$here/bench.py" "$here/bin/Greyhub.SniProxy.Bench.dll"

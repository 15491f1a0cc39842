#!/bin/sh
# The data-serving benchmark in one command: builds the hub in Release, then runs bench.py (hub vs nginx, see README.md).
# usage: benchmarks/data-serving/run.sh [bench.py options: --rounds N --seconds S --connections C --threads T --sizes 1k,1m
#        --skip-readers --skip-xarray --out DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
for tool in wrk /usr/sbin/nginx; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk nginx-light" >&2; exit 2; }
done
dotnet build -c Release "$repo/src/Greyhub.Host" -v q -nologo >&2
exec /usr/bin/python3 "$here/bench.py" "$repo/src/Greyhub.Host/bin/Release/net10.0/greyhub.dll" "$@"

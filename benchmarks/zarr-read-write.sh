#!/usr/bin/env bash
# Writes and reads the same float32 array (chunks CHUNK^3, default 256^3) with Greyhub.Zarr and with Debian's
# zarr-python 2.13, from local disk and over HTTP from a loopback server, and prints GB/s side by side.
#   SIZE=768 (edge length; 768^3 float32 = 1.8 GB)  CHUNK=256  CODEC=blosc-lz4|zstd|zlib|none  PASSES=2
# Reads report the best of PASSES whole-array passes on both sides (steady state, after one-off start-up costs).
# Needs: dotnet, /usr/bin/python3 with python3-zarr, python3-numcodecs, python3-numpy.
set -euo pipefail
SIZE=${SIZE:-768}
CHUNK=${CHUNK:-256}
CODEC=${CODEC:-blosc-lz4}
export PASSES=${PASSES:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release "$root/benchmarks/Greyhub.Zarr.Throughput" -v q -nologo >/dev/null
tool=(dotnet "$root/benchmarks/Greyhub.Zarr.Throughput/bin/Release/net10.0/Greyhub.Zarr.Throughput.dll")

read -r -d '' PYBENCH <<'PYEOF' || true
import sys, time, urllib.request, urllib.error
from collections.abc import Mapping
import numpy as np, zarr, numcodecs

class HttpMap(Mapping):
    """A read-only zarr store over plain HTTP GETs (zarr-python 2 reads one chunk at a time through a mapping)."""
    def __init__(self, base): self.base = base.rstrip("/") + "/"
    def __getitem__(self, key):
        try:
            with urllib.request.urlopen(self.base + key) as r: return r.read()
        except urllib.error.HTTPError as e:
            if e.code == 404: raise KeyError(key)
            raise
    def __iter__(self): return iter(())
    def __len__(self): return 0

mode, where = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if mode == "write":
    n, c, codec = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    comp = {"zlib": numcodecs.Zlib(level=1), "zstd": numcodecs.Zstd(level=1),
            "blosc-lz4": numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE), "none": None}[codec]
    z = zarr.open(zarr.DirectoryStore(where), mode="w", shape=(n, n, n), chunks=(c, c, c), dtype="<f4", compressor=comp, fill_value=0)
    for s in range(0, n, c):
        rows = min(c, n - s)
        i = np.arange(rows * n * n, dtype=np.float32)
        z[s:s + rows] = np.sin((np.float32(s * n * n) + i) * np.float32(1e-4)).reshape(rows, n, n)
    nbytes = n * n * n * 4
else:
    store = zarr.storage.KVStore(HttpMap(where)) if where.startswith("http") else zarr.DirectoryStore(where)
    z = zarr.open(store, mode="r")
    n, c = z.shape[0], z.chunks[0]
    best = float("inf")
    for _ in range(int(sys.argv[3]) if len(sys.argv) > 3 else 2):
        t = time.perf_counter()
        for s in range(0, n, c):
            z[s:s + c]
        best = min(best, time.perf_counter() - t)
    nbytes = z.nbytes
sec = time.perf_counter() - t if mode == "write" else best
print(f"{sec:.3f} {nbytes / sec / 1e9:.3f}")
PYEOF

gbs() { echo "$1" | awk '{print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

cs_write=$("${tool[@]}" write "$work/cs" "$SIZE" "$CHUNK" "$CODEC")
py_write=$(OMP_NUM_THREADS=1 $py -c "$PYBENCH" write "$work/py" "$SIZE" "$CHUNK" "$CODEC")
cs_read=$("${tool[@]}" read "$work/cs")
py_read=$(OMP_NUM_THREADS=1 $py -c "$PYBENCH" read "$work/py" "$PASSES")
cs_read_py=$("${tool[@]}" read "$work/py" "$PASSES")

port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$py -m http.server --bind 127.0.0.1 --directory "$work" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
    if $py -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/cs/.zarray')" 2>/dev/null; then break; fi
    sleep 0.2
done
cs_http=$("${tool[@]}" read "http://127.0.0.1:$port/cs/")
py_http=$(OMP_NUM_THREADS=1 $py -c "$PYBENCH" read "http://127.0.0.1:$port/py/" "$PASSES")

echo "array ${SIZE}^3 float32 ($(awk -v n="$SIZE" 'BEGIN { printf "%.2f", n*n*n*4/1e9 }') GB), chunks ${CHUNK}^3, codec ${CODEC}"
printf "%-22s %14s %14s %8s\n" "operation" "Greyhub GB/s" "zarr-py GB/s" "ratio"
printf "%-22s %14s %14s %8s\n" "write (local disk)" "$(gbs "$cs_write")" "$(gbs "$py_write")" "$(ratio "$(gbs "$cs_write")" "$(gbs "$py_write")")"
printf "%-22s %14s %14s %8s\n" "read (local disk)" "$(gbs "$cs_read")" "$(gbs "$py_read")" "$(ratio "$(gbs "$cs_read")" "$(gbs "$py_read")")"
printf "%-22s %14s %14s %8s\n" "read (HTTP loopback)" "$(gbs "$cs_http")" "$(gbs "$py_http")" "$(ratio "$(gbs "$cs_http")" "$(gbs "$py_http")")"
printf "%-22s %14s %14s\n" "read py-written store" "$(gbs "$cs_read_py")" "-"

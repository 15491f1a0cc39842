#!/usr/bin/env bash
# Blosc-LZ4 decode throughput, single-threaded: Greyhub (C#) vs numcodecs' native c-blosc.
# 64 MB of float32 data, byte shuffle, typesize 4, clevel 5, automatic block size.
# Needs Debian's python3-numcodecs and python3-numpy. Usage: benchmarks/blosc-vs-numcodecs.sh [MB] [REPEATS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mb="${1:-64}"
repeats="${2:-10}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

native=$(/usr/bin/python3 - "$work" "$mb" "$repeats" <<'PY'
import sys, time
import numpy as np
import numcodecs.blosc as blosc
blosc.use_threads = False
blosc.set_nthreads(1)
work, mb, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = mb * (1 << 20) // 4
rs = np.random.RandomState(42)
data = (np.sin(np.arange(n) * 1e-4) * 100 + rs.random_sample(n) * 0.01).astype("<f4")
frame = blosc.compress(data, b"lz4", 5, blosc.SHUFFLE, 0)
open(work + "/frame.blosc", "wb").write(frame)
open(work + "/raw.bin", "wb").write(data.tobytes())
out = np.empty_like(data)
blosc.decompress(frame, out)
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter()
    blosc.decompress(frame, out)
    best = min(best, time.perf_counter() - t)
sys.stderr.write("frame: %d bytes for %d (ratio %.2f), c-blosc %s\n" % (len(frame), data.nbytes, data.nbytes / len(frame), blosc.VERSION_STRING))
print("%.6f" % best)
PY
)

dotnet build -c Release "$here/Greyhub.Zarr.Benchmarks" -v quiet -nologo >/dev/null
csharp=$(dotnet "$here/Greyhub.Zarr.Benchmarks/bin/Release/net10.0/Greyhub.Zarr.Benchmarks.dll" decode-file "$work/frame.blosc" "$work/raw.bin" "$repeats")

python3 - "$mb" "$native" "$csharp" <<'PY'
import sys
mb, native, csharp = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print("Blosc-LZ4 decode, shuffle, typesize 4, %d MB float32, 1 thread (best of N)" % mb)
print("%-24s %10s %10s" % ("", "seconds", "MB/s"))
print("%-24s %10.4f %10.0f" % ("numcodecs (c-blosc)", native, mb / native))
print("%-24s %10.4f %10.0f" % ("Greyhub (C#)", csharp, mb / csharp))
print("ratio C#/native time: %.2fx (target <= 1.5x)" % (csharp / native))
PY

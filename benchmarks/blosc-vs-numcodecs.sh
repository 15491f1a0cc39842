#!/usr/bin/env bash
# Blosc-LZ4 decode throughput, single-threaded: Greyhub (C#) vs numcodecs' native c-blosc.
# float32 data (64 MB by default), byte shuffle, typesize 4, clevel 5, automatic block size; two data sets:
# "noisy" (smooth field + noise in the low mantissa bits, ratio ~1.8) and "smooth" (rounded values, ratio ~5).
# Needs Debian's python3-numcodecs and python3-numpy. Usage: benchmarks/blosc-vs-numcodecs.sh [MB] [REPEATS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mb="${1:-64}"
repeats="${2:-20}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work" "$mb" "$repeats" > "$work/native.txt" <<'PY'
import sys, time
import numpy as np
import numcodecs.blosc as blosc
blosc.use_threads = False
blosc.set_nthreads(1)
work, mb, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = mb * (1 << 20) // 4
rs = np.random.RandomState(42)
field = np.sin(np.arange(n) * 1e-4) * 100
sets = {
    "noisy": (field + rs.random_sample(n) * 0.01).astype("<f4"),
    "smooth": np.round(field, 1).astype("<f4"),
}
for name, data in sets.items():
    frame = blosc.compress(data, b"lz4", 5, blosc.SHUFFLE, 0)
    open("%s/%s.blosc" % (work, name), "wb").write(frame)
    open("%s/%s.raw" % (work, name), "wb").write(data.tobytes())
    out = np.empty_like(data)
    blosc.decompress(frame, out)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        blosc.decompress(frame, out)
        best = min(best, time.perf_counter() - t)
    print("%s %.6f %.2f" % (name, best, data.nbytes / len(frame)))
open(work + "/version.txt", "w").write(blosc.VERSION_STRING)
PY

dotnet build -c Release "$here/Greyhub.Zarr.Benchmarks" -v quiet -nologo >/dev/null
dll="$here/Greyhub.Zarr.Benchmarks/bin/Release/net10.0/Greyhub.Zarr.Benchmarks.dll"

echo "Blosc-LZ4 decode, shuffle, typesize 4, $mb MB float32, clevel 5, 1 thread (best of $repeats), c-blosc $(cat "$work/version.txt")"
printf "%-8s %7s %14s %14s %12s %12s %8s\n" data ratio "native s" "C# s" "native MB/s" "C# MB/s" "C#/nat"
while read -r name native ratio; do
  csharp=$(dotnet "$dll" decode-file "$work/$name.blosc" "$work/$name.raw" "$repeats")
  python3 -c "
mb, n, c = $mb, $native, $csharp
print('%-8s %7s %14.4f %14.4f %12.0f %12.0f %7.2fx' % ('$name', '$ratio', n, c, mb / n, mb / c, c / n))"
done < "$work/native.txt"
echo "target: C#/native time <= 1.5x"

#!/usr/bin/env bash
# Reads one blosc-lz4+shuffle float32 field (SIZE^3, default 512^3 = 512 MiB) in CHUNK^3 chunks with Greyhub.Zarr
# and Debian's zarr-python 2.13, ROUNDS times interleaved (default 3), each process taking the best of PASSES
# whole-array passes (default 3); prints each side's best and the machine's limit (all chunks in memory, Blosc
# decode on every core, one copy into the output), and the CPU seconds of each side's cheapest pass (less disturbed
# than wall time when the machine is shared). Then a second table: CPU per chunk on one thread, Greyhub against c-blosc
# (numcodecs) for the floor (decode + one copy) and against zarr-python for the whole read.
#   SIZE=512 CHUNKS="32 128" ROUNDS=3 PASSES=3 benchmarks/zarr-small-chunks.sh
# Needs: dotnet, /usr/bin/python3 with python3-zarr, python3-numcodecs, python3-numpy.
set -euo pipefail
SIZE=${SIZE:-512}
CHUNKS=${CHUNKS:-"32 128"}
ROUNDS=${ROUNDS:-3}
export PASSES=${PASSES:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release "$root/benchmarks/Greyhub.Zarr.Throughput" -v q -nologo >/dev/null
tool=(dotnet "$root/benchmarks/Greyhub.Zarr.Throughput/bin/Release/net10.0/Greyhub.Zarr.Throughput.dll")

read -r -d '' PYBENCH <<'PYEOF' || true
import sys, time
import numpy as np, zarr, numcodecs
mode, where = sys.argv[1], sys.argv[2]
if mode == "write":
    n, c = int(sys.argv[3]), int(sys.argv[4])
    z = zarr.open(zarr.DirectoryStore(where), mode="w", shape=(n, n, n), chunks=(c, c, c), dtype="<f4",
                  compressor=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE), fill_value=0)
    for s in range(0, n, c):
        i = np.arange(c * n * n, dtype=np.float32)
        z[s:s + c] = np.sin((np.float32(s * n * n) + i) * np.float32(1e-4)).reshape(c, n, n)
elif mode == "chunkcost":
    # One thread: c-blosc (numcodecs) decode of each in-memory chunk plus one copy into the output (the floor as
    # c-blosc gives it), then zarr-python's whole-array read; CPU microseconds per chunk of each.
    numcodecs.blosc.use_threads = False
    numcodecs.blosc.set_nthreads(1)
    z = zarr.open(zarr.DirectoryStore(where), mode="r")
    n, c = z.shape[0], z.chunks[0]
    g = (n + c - 1) // c
    keys = [(x, y, w) for x in range(g) for y in range(g) for w in range(g)]
    raw = {k: open(f"{where}/{k[0]}.{k[1]}.{k[2]}", "rb").read() for k in keys}
    out = np.empty(z.shape, dtype="<f4")
    scratch = np.empty((c, c, c), dtype="<f4")
    floor = lib = float("inf")
    for _ in range(int(sys.argv[3])):
        t0 = time.process_time()
        for (x, y, w) in keys:
            numcodecs.blosc.decompress(raw[(x, y, w)], scratch)
            out[x * c:(x + 1) * c, y * c:(y + 1) * c, w * c:(w + 1) * c] = scratch
        floor = min(floor, time.process_time() - t0)
        t0 = time.process_time()
        for s in range(0, n, c):
            z[s:s + c]
        lib = min(lib, time.process_time() - t0)
    print(f"{floor / len(keys) * 1e6:.1f} {lib / len(keys) * 1e6:.1f} {len(keys)}")
else:
    z = zarr.open(zarr.DirectoryStore(where), mode="r")
    n, c = z.shape[0], z.chunks[0]
    best = cpu = float("inf")
    for _ in range(int(sys.argv[3])):
        t, p = time.perf_counter(), time.process_time()
        for s in range(0, n, c):
            z[s:s + c]
        best = min(best, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - p)
    print(f"{best:.3f} {z.nbytes / best / 1e9:.3f} {cpu:.3f}")
PYEOF

gbs() { echo "$1" | awk '{print $2}'; }
cpus() { echo "$1" | awk '{print $3}'; }
min() { printf "%s\n" "$@" | sort -g | head -1; }
max() { printf "%s\n" "$@" | sort -g | tail -1; }
echo "field ${SIZE}^3 float32, blosc-lz4 clevel 5 + shuffle, whole array slab by slab; best of $PASSES passes per process, $ROUNDS interleaved rounds; $(nproc) cores"
printf "%-8s %14s %14s %8s %14s %10s %12s %12s %10s\n" "chunks" "Greyhub GB/s" "zarr-py GB/s" "ratio" "limit GB/s" "of limit" "Greyhub CPUs" "zarr-py CPUs" "CPU ratio"
costs=()
for chunk in $CHUNKS; do
    store="$work/c$chunk"
    OMP_NUM_THREADS=1 $py -c "$PYBENCH" write "$store" "$SIZE" "$chunk"
    cs=(); pyr=(); csc=(); pyc=()
    for _ in $(seq "$ROUNDS"); do
        out=$("${tool[@]}" read "$store"); cs+=("$(gbs "$out")"); csc+=("$(cpus "$out")")
        out=$(OMP_NUM_THREADS=1 $py -c "$PYBENCH" read "$store" "$PASSES"); pyr+=("$(gbs "$out")"); pyc+=("$(cpus "$out")")
    done
    limit=$(gbs "$("${tool[@]}" limit "$store")")
    c=$(max "${cs[@]}"); p=$(max "${pyr[@]}"); cc=$(min "${csc[@]}"); pc=$(min "${pyc[@]}")
    printf "%-8s %14s %14s %8s %14s %9s%% %12s %12s %10s\n" "${chunk}^3" "$c" "$p" "$(awk -v a="$c" -v b="$p" 'BEGIN{printf "%.2fx", a/b}')" "$limit" \
        "$(awk -v a="$c" -v b="$limit" 'BEGIN{printf "%.0f", 100*a/b}')" "$cc" "$pc" "$(awk -v a="$pc" -v b="$cc" 'BEGIN{printf "%.2fx", a/b}')"
    echo "  rounds: Greyhub ${cs[*]} | zarr-python ${pyr[*]}" >&2
    # CPU per chunk on one thread (least disturbed by other load): floor = Blosc decode + one copy; library = whole read.
    g=$("${tool[@]}" chunkcost "$store"); p=$(OMP_NUM_THREADS=1 $py -c "$PYBENCH" chunkcost "$store" "$PASSES")
    costs+=("$(printf "%-8s %16s %16s %16s %16s %10s" "${chunk}^3" "$(echo "$g" | awk '{print $1}')" "$(echo "$p" | awk '{print $1}')" \
        "$(echo "$g" | awk '{print $2}')" "$(echo "$p" | awk '{print $2}')" "$(awk -v a="$(echo "$p" | awk '{print $2}')" -v b="$(echo "$g" | awk '{print $2}')" 'BEGIN{printf "%.2fx", a/b}')")")
    rm -rf "$store"
done
echo
echo "CPU microseconds per chunk, one thread (floor: Blosc decode of an in-memory chunk + one copy into the output)"
printf "%-8s %16s %16s %16s %16s %10s\n" "chunks" "floor Greyhub" "floor c-blosc" "read Greyhub" "read zarr-py" "CPU ratio"
printf "%s\n" "${costs[@]}"

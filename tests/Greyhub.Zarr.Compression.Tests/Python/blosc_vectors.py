# Test-vector helper for Greyhub.Zarr.Compression.Tests, run with Debian's python3.
# usage: blosc_vectors.py encode CASES.json OUTDIR  -> writes <id>.raw and <id>.enc per case
#        blosc_vectors.py decode CASES.json OUTDIR  -> reads <id>.enc (ours), writes <id>.dec
# Cases: {"id", "codec": "blosc"|"zstd"|"lz4", "cname", "clevel", "shuffle", "typesize",
#         "blocksize", "size", "pattern", "seed", "level", "acceleration"}
import ctypes
import json
import os
import sys

import numpy as np
import numcodecs.blosc as blosc
from numcodecs.lz4 import LZ4
from numcodecs.zstd import Zstd

blosc.use_threads = False
libblosc = ctypes.CDLL("libblosc.so.1")


def make_data(pattern, size, seed):
    rs = np.random.RandomState(seed)
    if pattern == "random":
        return rs.randint(0, 256, size=size, dtype=np.uint8).tobytes()
    if pattern == "lowentropy":
        return rs.randint(0, 4, size=size, dtype=np.uint8).tobytes()
    if pattern == "float32":
        n = (size + 3) // 4
        x = np.linspace(0, 100, n, dtype=np.float32) + rs.standard_normal(n).astype(np.float32) * 0.01
        return x.tobytes()[:size]
    if pattern == "int64":
        n = (size + 7) // 8
        return np.cumsum(rs.randint(0, 3, size=n)).astype(np.int64).tobytes()[:size]
    if pattern == "zeros":
        return bytes(size)
    raise ValueError(pattern)


def blosc_encode(data, case):
    ts = case["typesize"]
    if len(data) % ts == 0 and ts <= 255:
        # numcodecs takes the typesize from the buffer's item size.
        arr = np.frombuffer(data, dtype=np.uint8 if ts == 1 else np.dtype("V%d" % ts))
        return blosc.compress(arr, case["cname"].encode(), case["clevel"], case["shuffle"], case["blocksize"])
    # Sizes numcodecs cannot express: the same libblosc through its context API, as numcodecs calls it.
    dst = ctypes.create_string_buffer(len(data) + 16)
    n = libblosc.blosc_compress_ctx(case["clevel"], case["shuffle"], ts, len(data), data, dst,
                                    len(data) + 16, case["cname"].encode(), case["blocksize"], 1)
    if n <= 0:
        raise RuntimeError("blosc_compress_ctx failed: %d" % n)
    return dst.raw[:n]


def encode(case, data):
    codec = case["codec"]
    if codec == "blosc":
        return blosc_encode(data, case)
    if codec == "zstd":
        return Zstd(level=case["level"]).encode(data)
    if codec == "lz4":
        return LZ4(acceleration=case["acceleration"]).encode(data)
    raise ValueError(codec)


def decode(case, enc):
    codec = case["codec"]
    if codec == "blosc":
        return bytes(blosc.decompress(enc))
    if codec == "zstd":
        return bytes(Zstd().decode(enc))
    if codec == "lz4":
        return bytes(LZ4().decode(enc))
    raise ValueError(codec)


def main():
    mode, cases_path, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(cases_path) as f:
        cases = json.load(f)
    for case in cases:
        base = os.path.join(outdir, str(case["id"]))
        if mode == "encode":
            data = make_data(case["pattern"], case["size"], case["seed"])
            with open(base + ".raw", "wb") as f:
                f.write(data)
            with open(base + ".enc", "wb") as f:
                f.write(encode(case, data))
        elif mode == "decode":
            with open(base + ".enc", "rb") as f:
                enc = f.read()
            try:
                out = decode(case, enc)
            except Exception as e:  # reported to the test as a missing .dec
                sys.stderr.write("case %s: %s\n" % (case["id"], e))
                continue
            with open(base + ".dec", "wb") as f:
                f.write(out)
    print("ok %d" % len(cases))


main()

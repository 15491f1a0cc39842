# zarr-python 2.13 side of the Zarr interop tests, run with Debian's python3.
# usage: zarr_interop.py write DIR   -> writes one v2 array per compressor under DIR/<name>
#        zarr_interop.py read DIR NAMES... -> checks arrays C# wrote; prints "ok <name>" per array
import sys

import numpy as np
import zarr
from numcodecs import LZ4, Blosc, Zstd

COMPRESSORS = {
    "blosc_lz4_shuffle": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE),
    "blosc_lz4_bitshuffle": Blosc(cname="lz4", clevel=9, shuffle=Blosc.BITSHUFFLE),
    "blosc_lz4hc_noshuffle": Blosc(cname="lz4hc", clevel=3, shuffle=Blosc.NOSHUFFLE),
    "blosc_zstd_shuffle": Blosc(cname="zstd", clevel=3, shuffle=Blosc.SHUFFLE),
    "blosc_zstd_bitshuffle": Blosc(cname="zstd", clevel=1, shuffle=Blosc.BITSHUFFLE, blocksize=4096),
    "blosc_zlib_auto": Blosc(cname="zlib", clevel=5, shuffle=Blosc.AUTOSHUFFLE),
    "blosc_blosclz_shuffle": Blosc(cname="blosclz", clevel=5, shuffle=Blosc.SHUFFLE),
    "zstd": Zstd(level=3),
    "lz4": LZ4(acceleration=1),
}
DTYPES = ["<f4", "<i2", "|u1", "<f8"]


def values(dtype):
    i = np.arange(100 * 37)
    if dtype == "<f4":
        v = i * 0.5
    elif dtype == "<i2":
        v = (i * 7) % 30000 - 15000
    elif dtype == "|u1":
        v = i % 251
    else:
        v = i * 0.25 - 100.0
    return v.astype(dtype).reshape(100, 37)


def write(root):
    for name, compressor in COMPRESSORS.items():
        for dtype in DTYPES:
            path = "%s/%s_%s" % (root, name, np.dtype(dtype).name)
            z = zarr.open(path, mode="w", shape=(100, 37), chunks=(30, 10), dtype=dtype, compressor=compressor)
            z[:] = values(dtype)
    print("ok")


def read(root, names):
    for name in names:
        z = zarr.open("%s/%s" % (root, name), mode="r")
        expected = values(z.dtype.str)
        if not np.array_equal(z[:], expected):
            raise SystemExit("values differ in %s" % name)
        print("ok %s %s" % (name, z.compressor.codec_id))


if sys.argv[1] == "write":
    write(sys.argv[2])
else:
    read(sys.argv[2], sys.argv[3:])

# zarr-python 2.13 / numcodecs 0.11 side of NumcodecsFilterInteropTests.
#   write DIR: writes one v2 array per case under DIR/py/<name>, its values as DIR/<name>.out (little-endian bytes,
#              or JSON for object arrays) and the input values as DIR/<name>.in (for Greyhub to write the same array).
#   check DIR: for each DIR/cs/<name> Greyhub wrote from <name>.in, reads it and compares it with what zarr-python
#              reads back after writing <name>.in itself with the same codecs; prints the mismatches as JSON.
import json, os, sys
import numpy as np, zarr, numcodecs
from numcodecs import FixedScaleOffset, Quantize, AsType, PackBits, Categorize, BZ2, LZMA

FRUIT = ["apple", "kiwi", "fig", "plum"]

def cases():
    r = np.random.default_rng(7)
    shape = (7, 9)
    smooth = np.add.outer(np.linspace(0, 3, 7), np.linspace(0, 1, 9))
    return [
        ("fso_f8_u2", "<f8", [FixedScaleOffset(offset=1000, scale=10, dtype="<f8", astype="<u2")], None, 1000 + r.uniform(0, 100, shape)),
        ("fso_f4_i2", "<f4", [FixedScaleOffset(offset=-2.5, scale=100.0, dtype="<f4", astype="<i2")], None, (smooth * 7.3 - 9).astype("<f4")),
        ("fso_bef8_f4", ">f8", [FixedScaleOffset(offset=0.5, scale=3, dtype=">f8", astype="<f4")], None, (r.standard_normal(shape) * 1e3).astype(">f8")),
        ("quant_f8_d3", "<f8", [Quantize(digits=3, dtype="<f8")], None, r.standard_normal(shape) * 50),
        ("quant_f4_f2_d2", "<f4", [Quantize(digits=2, dtype="<f4", astype="<f2")], None, (smooth * 3.1).astype("<f4")),
        ("quant_f4_d1", "<f4", [Quantize(digits=1, dtype="<f4")], None, (r.standard_normal(shape) * 300).astype("<f4")),
        ("astype_f8_f4", "<f8", [AsType(encode_dtype="<f4", decode_dtype="<f8")], None, r.standard_normal(shape) * 1e5),
        ("astype_i8_i2", "<i8", [AsType(encode_dtype="<i2", decode_dtype="<i8")], None, r.integers(-30000, 30000, shape)),
        ("packbits", "|b1", [PackBits()], None, r.integers(0, 2, shape).astype(bool)),
        ("cat_u5", "<U5", [Categorize(labels=FRUIT, dtype="<U5", astype="|u1")], None, r.choice(FRUIT + ["pear"], shape).astype("<U5")),
        ("cat_obj", object, [Categorize(labels=FRUIT, dtype=object, astype="<u2")], None, r.choice(FRUIT + ["pear"], shape).astype(object)),
        ("bz2_i4", "<i4", None, BZ2(level=5), r.integers(-1000, 1000, shape).astype("<i4")),
        ("lzma_xz_f8", "<f8", None, LZMA(), r.standard_normal(shape)),
        ("lzma_alone_u2", "<u2", None, LZMA(format=2), r.integers(0, 60000, shape).astype("<u2")),
        ("fso_bz2", "<f8", [FixedScaleOffset(offset=0, scale=1000, dtype="<f8", astype="<i4")], BZ2(level=9), smooth),
    ]

def little(a):
    a = np.ascontiguousarray(a)
    return a.astype(a.dtype.newbyteorder("<")).tobytes() if a.dtype.byteorder in "<>=" else a.tobytes()

def dump(path, a):
    if a.dtype == object:
        open(path, "w").write(json.dumps([str(x) for x in a.ravel()]))
    else:
        open(path, "wb").write(little(a))

def create(store, dtype, filters, compressor, fill):
    return zarr.create(shape=(7, 9), chunks=(3, 4), dtype=dtype, filters=filters, compressor=compressor,
                       store=zarr.DirectoryStore(store), overwrite=True, fill_value=fill)

def fill_of(dtype):
    return "" if dtype == object or np.dtype(dtype).kind == "U" else 0

mode, out = sys.argv[1], sys.argv[2]
if mode == "write":
    names = []
    for name, dtype, filters, compressor, data in cases():
        z = create(os.path.join(out, "py", name), dtype, filters, compressor, fill_of(dtype))
        z[:6, :8] = data[:6, :8]  # the last row and column stay missing: fill value
        dump(os.path.join(out, name + ".out"), z[...])
        dump(os.path.join(out, name + ".in"), np.asarray(data, dtype=np.dtype(dtype)))
        names.append(name)
    print(json.dumps(names))
else:
    bad = []
    for name, dtype, filters, compressor, data in cases():
        path = os.path.join(out, "cs", name)
        if not os.path.exists(path):
            continue
        ours = zarr.open(zarr.DirectoryStore(path), mode="r")
        twin = create(os.path.join(out, "twin", name), dtype, filters, compressor, fill_of(dtype))
        twin[...] = data
        if ours.dtype != twin.dtype:
            bad.append(name + ": dtype " + str(ours.dtype))
        elif json.dumps(ours.filters and [f.get_config() for f in ours.filters]) != json.dumps(twin.filters and [f.get_config() for f in twin.filters]):
            bad.append(name + ": filters " + str(ours.filters))
        elif not np.array_equal(ours[...], twin[...]) or little(ours[...]) != little(twin[...]) if ours.dtype != object else list(ours[...].ravel()) != list(twin[...].ravel()):
            bad.append(name + ": values differ")
    print(json.dumps(bad))

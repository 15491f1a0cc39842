using System.Text;
using System.Text.Json.Nodes;
using Greyhub.Testing;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

/// <summary>Zarr v2 both ways with Debian's zarr-python 2.13 / numcodecs 0.11.</summary>
public sealed class PythonInteropTests
{
    private const string Install = "apt-get install -y python3-zarr python3-numcodecs python3-numpy";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Dtypes = ["|i1", "<i2", ">i4", "<i8", "|u1", ">u2", "<u4", "<u8", "<f2", "<f4", ">f8", "<c8", "<c16", "|b1", "|S3", "<U2"];

    /// <summary>Every dtype x compressor (none, zlib, gzip) x filter (none, delta, shuffle) x order, separators alternating.</summary>
    private static List<JsonObject> Specs()
    {
        var specs = new List<JsonObject>();
        foreach (var dtype in Dtypes)
        {
            foreach (var compressor in new[] { "none", "zlib", "gzip" })
            {
                foreach (var filter in new[] { "none", "delta", "shuffle" })
                {
                    if (filter == "delta" && dtype[1] is not ('i' or 'u' or 'f'))
                    {
                        continue;
                    }
                    foreach (var order in new[] { "C", "F" })
                    {
                        var n = specs.Count;
                        JsonNode? fill = dtype[1] switch
                        {
                            'f' => n % 3 == 0 ? "NaN" : n % 3 == 1 ? -1.5 : null,
                            'i' or 'u' => n % 2 == 0 ? 7 : null,
                            'c' => new JsonArray(1.5, -2.0),
                            'b' => true,
                            'S' => Convert.ToBase64String("ab"u8),
                            _ => "zé",
                        };
                        specs.Add(new JsonObject
                        {
                            ["name"] = $"a{n:000}", ["dtype"] = dtype, ["compressor"] = compressor, ["filter"] = filter,
                            ["order"] = order, ["sep"] = n % 2 == 0 ? "." : "/", ["fill"] = fill,
                        });
                    }
                }
            }
        }
        return specs;
    }

    private const string Common = """
        import sys, json, base64, os
        import numpy as np, zarr, numcodecs
        def fill_of(s):
            dt = np.dtype(s["dtype"]); f = s["fill"]
            if f is None: return None
            if dt.kind == "f": return float("nan") if f == "NaN" else float(f)
            if dt.kind == "c": return complex(f[0], f[1])
            if dt.kind == "S": return base64.b64decode(f)
            return f
        def create(path, s):
            dt = np.dtype(s["dtype"])
            comp = {"none": None, "zlib": numcodecs.Zlib(level=1), "gzip": numcodecs.GZip(level=1)}[s["compressor"]]
            filters = {"none": None, "delta": [numcodecs.Delta(dtype=dt)], "shuffle": [numcodecs.Shuffle(elementsize=dt.itemsize)]}[s["filter"]]
            store = zarr.DirectoryStore(path, dimension_separator=s["sep"])
            return zarr.create(shape=(7, 9), chunks=(3, 4), dtype=dt, compressor=comp, filters=filters, order=s["order"],
                               fill_value=fill_of(s), store=store, overwrite=True)
        def little(a):
            return np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<") if a.dtype.byteorder in "<>=" else a.dtype).tobytes()
        """;

    private const string PythonWrites = Common + """

        out = sys.argv[1]
        specs = json.load(open(os.path.join(out, "specs.json")))
        for i, s in enumerate(specs):
            z = create(os.path.join(out, s["name"]), s)
            rng = np.random.default_rng(i)
            dt = np.dtype(s["dtype"])
            # fill_value null leaves missing chunks undefined: then write everything.
            r, c = (6, 8) if s["fill"] is not None else (7, 9)
            if dt.kind in "iu": d = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max, size=(r, c), dtype=dt.newbyteorder("="), endpoint=True)
            elif dt.kind == "f": d = (rng.standard_normal((r, c)) * 100).astype(dt)
            elif dt.kind == "c": d = (rng.standard_normal((r, c)) + 1j * rng.standard_normal((r, c))).astype(dt)
            elif dt.kind == "b": d = rng.integers(0, 2, size=(r, c)).astype(bool)
            elif dt.kind == "S": d = np.array([bytes(rng.integers(97, 123, size=3).tolist()) for _ in range(r * c)], dtype=dt).reshape(r, c)
            else: d = np.array(["".join(rng.choice(list("abzéŏ"), 2)) for _ in range(r * c)], dtype=dt).reshape(r, c)
            z[:r, :c] = d
            open(os.path.join(out, s["name"] + ".bin"), "wb").write(little(z[...]))
        print(len(specs))
        """;

    private const string PythonChecks = Common + """

        out = sys.argv[1]
        specs = json.load(open(os.path.join(out, "specs.json")))
        bad = []
        same_bytes = 0
        for s in specs:
            path = os.path.join(out, s["name"])
            z = zarr.open(zarr.DirectoryStore(path, dimension_separator=s["sep"]), mode="r")
            a = z[...]
            if little(a) != open(path + ".bin", "rb").read() or a.dtype != np.dtype(s["dtype"]):
                bad.append(s["name"] + ": values differ")
                continue
            if s["compressor"] == "none" and not (s["filter"] == "delta" and s["dtype"][1] == "f"):
                # Same array written by zarr-python: chunk files must be byte-identical.
                twin = create(path + ".py", s)
                r, c = (6, 8) if s["fill"] is not None else (7, 9)
                twin[:r, :c] = a[:r, :c]
                for root, _, files in os.walk(path):
                    for f in files:
                        if f.startswith(".z"): continue
                        p = os.path.join(root, f)
                        q = os.path.join(path + ".py", os.path.relpath(p, path))
                        if not os.path.exists(q) or open(p, "rb").read() != open(q, "rb").read():
                            bad.append(s["name"] + ": chunk " + os.path.relpath(p, path) + " differs")
                        else:
                            same_bytes += 1
                meta_cs = json.load(open(os.path.join(path, ".zarray")), parse_int=float)
                meta_py = json.load(open(os.path.join(path + ".py", ".zarray")), parse_int=float)
                if json.dumps(meta_cs, sort_keys=True) != json.dumps(meta_py, sort_keys=True):
                    bad.append(s["name"] + ": .zarray differs: " + json.dumps(meta_cs, sort_keys=True) + " vs " + json.dumps(meta_py, sort_keys=True))
        print(json.dumps({"bad": bad, "same_bytes": same_bytes}))
        """;

    private static ZarrArrayDefinition Definition(JsonObject s)
    {
        var dtype = ZarrDataType.FromV2((string)s["dtype"]!);
        var filter = (string)s["filter"]!;
        var compressor = (string)s["compressor"]!;
        return new ZarrArrayDefinition
        {
            ZarrFormat = 2,
            Shape = [7, 9],
            ChunkShape = [3, 4],
            DataType = dtype,
            FortranOrder = (string)s["order"]! == "F",
            Separator = ((string)s["sep"]!)[0],
            FillValue = s["fill"]?.DeepClone(),
            Filters = filter switch
            {
                "delta" => [new JsonObject { ["name"] = "numcodecs.delta", ["configuration"] = new JsonObject { ["dtype"] = dtype.V2Name } }],
                "shuffle" => [new JsonObject { ["name"] = "numcodecs.shuffle", ["configuration"] = new JsonObject { ["elementsize"] = dtype.Size } }],
                _ => [],
            },
            Compressor = compressor == "none" ? null : new JsonObject { ["name"] = compressor == "zlib" ? "numcodecs.zlib" : "gzip", ["configuration"] = new JsonObject { ["level"] = 1 } },
        };
    }

    private static async Task<string> WriteSpecsAsync(TempDir dir, List<JsonObject> specs)
    {
        await File.WriteAllTextAsync(dir.Sub("specs.json"), new JsonArray([.. specs]).ToJsonString(), Ct);
        return dir.Path;
    }

    [Fact]
    public async Task Python_written_v2_arrays_read_identically()
    {
        Requires.PythonModules(Install, "zarr", "numcodecs", "numpy");
        using var dir = new TempDir();
        var specs = Specs();
        await WriteSpecsAsync(dir, specs);
        var count = await DebianPython.RunAsync(PythonWrites, [dir.Path], Ct, TimeSpan.FromMinutes(5));
        Assert.Equal(specs.Count, int.Parse(count.Trim()));
        var failures = new List<string>();
        foreach (var s in specs)
        {
            var name = (string)s["name"]!;
            var array = await ZarrArray.OpenAsync(new FileSystemStore(dir.Sub(name), writable: false), cancellationToken: Ct);
            var expected = await File.ReadAllBytesAsync(dir.Sub(name + ".bin"), Ct);
            var actual = new byte[expected.Length];
            await array.ReadBytesAsync(null, actual, Ct);
            if (!expected.AsSpan().SequenceEqual(actual))
            {
                failures.Add($"{name} {s.ToJsonString()}");
            }
        }
        Assert.Empty(failures);
        Assert.True(specs.Count > 200);
    }

    [Fact]
    public async Task CSharp_written_v2_arrays_read_identically_in_python_with_identical_chunks()
    {
        Requires.PythonModules(Install, "zarr", "numcodecs", "numpy");
        using var dir = new TempDir();
        var specs = Specs();
        await WriteSpecsAsync(dir, specs);
        var rng = new Random(42);
        foreach (var s in specs)
        {
            var name = (string)s["name"]!;
            var definition = Definition(s);
            var array = await ZarrArray.CreateAsync(new FileSystemStore(dir.Sub(name)), "", definition, cancellationToken: Ct);
            var (rows, cols) = s["fill"] is null ? (7, 9) : (6, 8);
            var size = definition.DataType.Size;
            var region = Values(definition.DataType, rows * cols, rng);
            await array.WriteBytesAsync(ZarrSlice.Parse($":{rows},:{cols}"), region, Ct);
            var whole = new byte[63 * size];
            await array.ReadBytesAsync(null, whole, Ct);
            // Delta over floats is lossy by design (numcodecs too); the .bin then holds what we read back.
            var lossy = (string)s["filter"]! == "delta" && definition.DataType.Kind == ZarrTypeKind.Float;
            for (var r = 0; r < rows && !lossy; r++)
            {
                Assert.True(whole.AsSpan(r * 9 * size, cols * size).SequenceEqual(region.AsSpan(r * cols * size, cols * size)), name);
            }
            await File.WriteAllBytesAsync(dir.Sub(name + ".bin"), whole, Ct);
        }
        var output = await DebianPython.RunAsync(PythonChecks, [dir.Path], Ct, TimeSpan.FromMinutes(5));
        var result = JsonNode.Parse(output)!;
        Assert.True(result["bad"]!.AsArray().Count == 0, result["bad"]!.ToJsonString());
        Assert.True((int)result["same_bytes"]! > 100);
    }

    /// <summary>Valid random elements (finite floats, 0/1 bools, letters for text), little-endian.</summary>
    private static byte[] Values(ZarrDataType type, int count, Random rng)
    {
        var b = new byte[count * type.Size];
        for (var i = 0; i < count; i++)
        {
            var e = b.AsSpan(i * type.Size, type.Size);
            switch (type.Kind)
            {
                case ZarrTypeKind.Bool: e[0] = (byte)rng.Next(2); break;
                case ZarrTypeKind.Int or ZarrTypeKind.UInt: rng.NextBytes(e); break;
                case ZarrTypeKind.Float or ZarrTypeKind.Complex:
                    var parts = type.Kind == ZarrTypeKind.Complex ? 2 : 1;
                    var w = type.Size / parts;
                    for (var p = 0; p < parts; p++)
                    {
                        var v = (rng.NextDouble() - 0.5) * 1000;
                        var s = e.Slice(p * w, w);
                        if (w == 2) { BitConverter.TryWriteBytes(s, (Half)v); }
                        else if (w == 4) { BitConverter.TryWriteBytes(s, (float)v); }
                        else { BitConverter.TryWriteBytes(s, v); }
                    }
                    break;
                case ZarrTypeKind.Bytes:
                    for (var k = 0; k < e.Length; k++) { e[k] = (byte)('a' + rng.Next(26)); }
                    break;
                default:
                    Encoding.UTF32.GetBytes(string.Concat(Enumerable.Range(0, type.Size / 4).Select(_ => "abzéŏ"[rng.Next(5)])), e);
                    break;
            }
        }
        return b;
    }
}

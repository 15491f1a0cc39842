using System.Text.Json.Nodes;
using Greyhub.Testing;
using Greyhub.Zarr.Storage;

namespace Greyhub.Zarr.Tests;

/// <summary>datetime64 / timedelta64 arrays and object string arrays with zarr-python's default <c>fill_value: 0</c>,
/// written by Debian's zarr-python 2.13 and read here; datetime64 written here and read there.</summary>
public sealed class NumpyTimeAndObjectFillTests
{
    private const string Install = "apt-get install -y python3-zarr python3-numcodecs python3-numpy";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Writes = """
        import sys, os, json
        import numpy as np, zarr, numcodecs
        out = sys.argv[1]
        base = np.array(["1969-12-31T23:59:59.999999999", "2000-02-29T12:34:56.123456789", "NaT", "2262-04-11", "1677-09-22", "2024-06-01T00:00:00.5"], dtype="M8[ns]")
        cases = {
            "t_ns": base,
            "t_D_big": base.astype("M8[D]").astype(">M8[D]"),
            "t_s": base.astype("M8[s]"),
            "t_10ms": base.astype("M8[10ms]"),
            "td_ms": (base - np.datetime64("2000-01-01", "ns")).astype("m8[ms]"),
        }
        expect = {}
        for name, a in cases.items():
            z = zarr.open(os.path.join(out, name), mode="w", shape=(8,), chunks=(3,), dtype=a.dtype, compressor=None, fill_value=None if name != "t_s" else 0)
            z[:6] = a
            if name == "t_s":
                # the last chunk stays missing: zarr-python reads the fill value 0, the epoch.
                z.store.pop("2", None)
            else:
                z[6:] = a[:2]
            r = z[...]
            ns = r.astype(r.dtype.newbyteorder("=")).astype("m8[ns]" if r.dtype.kind == "m" else "M8[ns]").view("i8")
            expect[name] = {"dtype": r.dtype.str, "raw": [int(x) for x in r.astype(r.dtype.newbyteorder("=")).view("i8")],
                            "ticks": [None if np.isnat(t) else int(n // 100) for t, n in zip(r, ns)]}
        s = zarr.open(os.path.join(out, "s_fill0"), mode="w", shape=(7,), chunks=(3,), dtype=object, object_codec=numcodecs.VLenUTF8(), compressor=None)
        s[:3] = ["a", "é", ""]
        expect["s_fill0"] = {"fill": json.load(open(os.path.join(out, "s_fill0", ".zarray")))["fill_value"], "values": [str(x) for x in s[...]]}
        print(json.dumps(expect))
        """;

    [Fact]
    public async Task Datetime64_and_timedelta64_read_as_counts_and_times()
    {
        Requires.PythonModules(Install, "zarr", "numcodecs", "numpy");
        using var dir = new TempDir();
        var expect = JsonNode.Parse(await DebianPython.RunAsync(Writes, [dir.Path], Ct))!.AsObject();
        foreach (var name in new[] { "t_ns", "t_D_big", "t_s", "t_10ms", "td_ms" })
        {
            var e = expect[name]!;
            var array = await ZarrArray.OpenAsync(new FileSystemStore(dir.Sub(name), writable: false), cancellationToken: Ct);
            Assert.Equal((string)e["dtype"]!, array.DataType.V2Name);
            Assert.Equal(name.StartsWith("td", StringComparison.Ordinal) ? ZarrTypeKind.TimeDelta : ZarrTypeKind.DateTime, array.DataType.Kind);
            var raw = await array.ReadAsync<long>(null, Ct);
            Assert.Equal(e["raw"]!.AsArray().Select(x => (long)x!), raw);
            Assert.Contains(ZarrTime.NaT, raw);
            var ticks = e["ticks"]!.AsArray().Select(x => (long?)x).ToArray();
            if (array.DataType.Kind == ZarrTypeKind.DateTime)
            {
                var times = await array.ReadDateTimesAsync(null, Ct);
                Assert.Equal(ticks, times.Select(t => t is { } d ? (long?)(d - DateTime.UnixEpoch).Ticks : null));
                Assert.All(times, t => Assert.True(t is null || t.Value.Kind == DateTimeKind.Utc));
                await Assert.ThrowsAsync<ZarrUnsupportedException>(() => array.ReadTimeSpansAsync(null, Ct));
            }
            else
            {
                var spans = await array.ReadTimeSpansAsync(null, Ct);
                Assert.Equal(ticks, spans.Select(t => t?.Ticks));
            }
        }
        var s = await ZarrArray.OpenAsync(new FileSystemStore(dir.Sub("t_s"), writable: false), cancellationToken: Ct);
        Assert.Equal(DateTime.UnixEpoch, (await s.ReadDateTimesAsync(ZarrSlice.Parse("7"), Ct))[0]);
    }

    [Fact]
    public async Task Object_strings_with_zarr_pythons_default_fill_0_read_missing_elements_as_zarr_python_does()
    {
        Requires.PythonModules(Install, "zarr", "numcodecs", "numpy");
        using var dir = new TempDir();
        var expect = JsonNode.Parse(await DebianPython.RunAsync(Writes, [dir.Path], Ct))!["s_fill0"]!;
        Assert.Equal(0, (int)expect["fill"]!);
        var array = await ZarrArray.OpenAsync(new FileSystemStore(dir.Sub("s_fill0")), cancellationToken: Ct);
        var values = await array.ReadStringsAsync(null, Ct);
        Assert.Equal(expect["values"]!.AsArray().Select(x => (string)x!), values);
        Assert.Equal(["a", "é", "", "0", "0", "0", "0"], values);
        // Metadata written back keeps the numeric fill, so zarr-python still sees 0.
        await array.SetAttributesAsync(new JsonObject { ["k"] = 1 }, Ct);
        await array.ResizeAsync([9], Ct);
        var meta = JsonNode.Parse(await File.ReadAllTextAsync(dir.Sub("s_fill0/.zarray"), Ct))!;
        Assert.Equal(JsonValueKindOf(0), meta["fill_value"]!.GetValueKind());
    }

    [Fact]
    public async Task Datetime64_written_here_reads_in_zarr_python()
    {
        Requires.PythonModules(Install, "zarr", "numcodecs", "numpy");
        using var dir = new TempDir();
        var array = await ZarrArray.CreateAsync(new FileSystemStore(dir.Sub("t")), "", new ZarrArrayDefinition
        {
            ZarrFormat = 2, Shape = [4], ChunkShape = [3], DataType = ZarrDataType.FromV2("<M8[ns]"), FillValue = ZarrTime.NaT,
        }, cancellationToken: Ct);
        await array.WriteAsync<long>(ZarrSlice.Parse(":3"), new long[] { 0, 951827696123456789, ZarrTime.NaT }, Ct);
        var printed = await DebianPython.RunAsync("""
            import sys, zarr
            z = zarr.open(sys.argv[1], mode="r")
            print(z.dtype.str, [str(x) for x in z[...]])
            """, [dir.Sub("t")], Ct);
        Assert.Equal("<M8[ns] ['1970-01-01T00:00:00.000000000', '2000-02-29T12:34:56.123456789', 'NaT', 'NaT']", printed.Trim());
    }

    private static System.Text.Json.JsonValueKind JsonValueKindOf(int value) => JsonValue.Create(value).GetValueKind();
}

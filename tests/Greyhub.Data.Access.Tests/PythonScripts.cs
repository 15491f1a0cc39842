using Greyhub.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary>The Python the tests run with Debian's interpreter.</summary>
internal static class PythonScripts
{
    /// <summary>
    /// argv: path, seed[, title, "consolidated"]. A float32 field (time, lat, lon) chunked (5, 30, 60), titled
    /// "synthetic ocean" by default and unconsolidated unless asked (a local store: the hub must produce .zmetadata;
    /// a remote one cannot be listed, so it is written consolidated).
    /// </summary>
    public const string WriteOcean = """
        import sys
        import numpy as np
        import xarray as xr
        path, seed = sys.argv[1], int(sys.argv[2])
        title = sys.argv[3] if len(sys.argv) > 3 else "synthetic ocean"
        consolidated = len(sys.argv) > 4 and sys.argv[4] == "consolidated"
        rng = np.random.default_rng(seed)
        temp = rng.random((20, 90, 180), dtype="float32") * 30
        ds = xr.Dataset(
            {"temp": (("time", "lat", "lon"), temp, {"units": "degC"})},
            coords={"time": np.arange(20, dtype="int32"), "lat": np.linspace(-89, 89, 90), "lon": np.linspace(-179, 179, 180)},
            attrs={"title": title},
        )
        ds.to_zarr(path, mode="w", consolidated=consolidated, encoding={"temp": {"chunks": (5, 30, 60)}})
        """;

    /// <summary>argv: url, token, local path. Prints the mean over HTTP and from the files.</summary>
    public const string OpenZarrMean = """
        import sys, json
        import xarray as xr
        url, token, local = sys.argv[1:4]
        remote = xr.open_zarr(url, storage_options={"headers": {"Authorization": "token " + token}}, consolidated=True)
        direct = xr.open_zarr(local, consolidated=False)
        print(json.dumps({"remote": float(remote.temp.mean().values), "direct": float(direct.temp.mean().values),
                          "shape": list(remote.temp.shape), "units": remote.temp.attrs.get("units")}))
        """;

    /// <summary>argv: signed store URL, local path. zarr.open through the signed URL, no header.</summary>
    public const string ZarrSigned = """
        import sys, json
        import numpy as np
        import zarr
        url, local = sys.argv[1:3]
        remote = zarr.open(url, mode="r")
        direct = zarr.open(local, mode="r")
        print(json.dumps({"equal": bool(np.array_equal(remote["temp"][:], direct["temp"][:])), "keys": sorted(remote.array_keys())}))
        """;

    /// <summary>argv: catalog URL, token. Lists the catalog and reads the first array of <c>ocean</c>.</summary>
    public const string IntakeCatalog = """
        import sys, json
        import intake
        url, token = sys.argv[1:3]
        cat = intake.open_catalog(url, storage_options={"headers": {"Authorization": "token " + token}})
        names = sorted(cat)
        out = {"names": names}
        if "ocean" in names:
            ocean = cat["ocean"]
            out["arrays"] = sorted(ocean)
            out["temp_shape"] = list(ocean["temp"].read().shape)
        print(json.dumps(out))
        """;

    /// <summary>
    /// argv: base URL, token, local store path, readers, reads per reader, seed. Async readers each GET random chunks
    /// (whole, or a random byte range) and compare the bytes with the files on disk. Prints counts.
    /// </summary>
    public const string RandomReaders = """
        import sys, os, json, random, asyncio
        import aiohttp
        base, token, local, readers, reads, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        keys = []
        for folder, _, files in os.walk(local):
            for f in files:
                if not f.startswith("."):
                    keys.append(os.path.relpath(os.path.join(folder, f), local))
        keys.sort()
        results = {"ok": 0, "mismatch": 0, "errors": []}
        async def reader(session, rng):
            for _ in range(reads):
                key = rng.choice(keys)
                with open(os.path.join(local, key), "rb") as fh:
                    expected = fh.read()
                headers = {"Authorization": "token " + token}
                if len(expected) > 2 and rng.random() < 0.5:
                    a = rng.randrange(0, len(expected) - 1)
                    b = rng.randrange(a, len(expected))
                    headers["Range"] = f"bytes={a}-{b}"
                    expected = expected[a:b + 1]
                try:
                    async with session.get(base + key, headers=headers) as r:
                        body = await r.read()
                        if r.status not in (200, 206) or body != expected:
                            results["mismatch"] += 1
                        else:
                            results["ok"] += 1
                except Exception as e:
                    results["errors"].append(repr(e))
        async def main():
            connector = aiohttp.TCPConnector(limit=readers)
            async with aiohttp.ClientSession(connector=connector) as session:
                await asyncio.gather(*(reader(session, random.Random(seed * 1000 + i)) for i in range(readers)))
        asyncio.run(main())
        print(json.dumps(results))
        """;
}

/// <summary>Debian's Python packages the tests drive; missing ones fail the test with the install command.</summary>
internal static class PythonPackages
{
    private const string Install = "apt-get install -y python3-zarr python3-xarray python3-fsspec python3-aiohttp python3-intake python3-requests (or run .ci/install-deps)";

    public static async Task RequireAsync(CancellationToken cancellationToken)
    {
        var result = await DebianPython.TryRunAsync("import zarr, xarray, fsspec, aiohttp, intake, requests, dask", [], cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Debian's Python lacks packages these tests drive: {result.StdErr.Trim()}\nInstall them: {Install}");
        }
    }
}

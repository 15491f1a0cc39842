namespace Greyhub.Data.Access.Tests;

/// <summary>The Python the STAC tests run with Debian's interpreter.</summary>
internal static class StacScripts
{
    /// <summary>
    /// argv: folder. Writes three stores: <c>arctic.zarr</c> (xarray, CF attributes: degrees_north/degrees_east and a
    /// datetime coordinate xarray encodes as "days since ..."), <c>tropics.zarr</c> (zarr directly: a raw
    /// <c>&lt;M8[ns]</c> time array, latitude by standard_name only, longitudes 100..250 across the antimeridian) and
    /// <c>static.zarr</c> (no coordinates at all).
    /// </summary>
    public const string WriteStores = """
        import sys, os
        import numpy as np
        import pandas as pd
        import xarray as xr
        import zarr
        folder = sys.argv[1]
        lat = np.linspace(60, 85, 6)
        lon = np.linspace(-30, 30, 7)
        time = pd.date_range("2020-01-01", periods=12, freq="MS")
        temp = np.arange(12 * 6 * 7, dtype="float32").reshape(12, 6, 7)
        xr.Dataset(
            {"ice": (("time", "lat", "lon"), temp, {"units": "1"})},
            coords={"time": time, "lat": ("lat", lat, {"units": "degrees_north"}), "lon": ("lon", lon, {"units": "degrees_east"})},
        ).to_zarr(os.path.join(folder, "arctic.zarr"), mode="w")

        g = zarr.open_group(os.path.join(folder, "tropics.zarr"), mode="w")
        days = np.arange("2021-06-01", "2021-07-01", dtype="datetime64[D]").astype("datetime64[ns]")
        t = g.create_dataset("time", data=days)
        t.attrs["_ARRAY_DIMENSIONS"] = ["time"]
        la = g.create_dataset("lat", data=np.linspace(-20, 20, 5))
        la.attrs.update({"_ARRAY_DIMENSIONS": ["lat"], "standard_name": "latitude"})
        lo = g.create_dataset("lon", data=np.linspace(100, 250, 16).astype("float32"))
        lo.attrs.update({"_ARRAY_DIMENSIONS": ["lon"], "units": "degrees_east"})
        r = g.create_dataset("rain", data=np.ones((30, 5, 16), dtype="float32"), chunks=(10, 5, 16))
        r.attrs["_ARRAY_DIMENSIONS"] = ["time", "lat", "lon"]
        zarr.consolidate_metadata(g.store)

        xr.Dataset({"x": (("a", "b"), np.zeros((4, 4), dtype="float64"))}).to_zarr(os.path.join(folder, "static.zarr"), mode="w")
        """;

    /// <summary>
    /// argv: schemas folder, hub URL, token, then <c>path|schema-id</c> pairs. Fetches each path with urllib (the token
    /// in the header) and validates it with Debian's jsonschema (draft 7) against the schema, every <c>$ref</c> resolved
    /// from the shipped files, never the network. Also checks that the validator rejects an item without assets.
    /// Prints {"selfcheck": errors of the broken item, "results": {path: [errors]}}.
    /// </summary>
    public const string Validate = """
        import sys, os, json, copy, urllib.request
        import jsonschema
        folder, base, token = sys.argv[1:4]
        store = {}
        for root, _, files in os.walk(folder):
            for f in files:
                if f.endswith(".json"):
                    with open(os.path.join(root, f)) as fh:
                        schema = json.load(fh)
                    sid = schema["$id"]
                    store[sid] = schema
                    store[sid.rstrip("#")] = schema
        def validate(doc, sid):
            schema = store[sid]
            resolver = jsonschema.RefResolver.from_schema(schema, store=store)
            v = jsonschema.Draft7Validator(schema, resolver=resolver)
            return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(doc)]
        def fetch(path):
            req = urllib.request.Request(base + path, headers={"Authorization": "token " + token})
            with urllib.request.urlopen(req) as r:
                return json.load(r)
        item_id = "https://schemas.stacspec.org/v1.0.0/item-spec/json-schema/item.json#"
        results = {}
        broken = None
        for pair in sys.argv[4:]:
            path, sid = pair.split("|", 1)
            doc = fetch(path)
            results[path] = validate(doc, sid)
            if broken is None and doc.get("type") == "Feature":
                broken = copy.deepcopy(doc)
                del broken["assets"]
        selfcheck = len(validate(broken, item_id)) if broken is not None else -1
        print(json.dumps({"selfcheck": selfcheck, "results": results}))
        """;

    /// <summary>argv: asset href, token. Opens the item's Zarr asset with xarray as a STAC client would; prints its variables and a mean.</summary>
    public const string OpenAsset = """
        import sys, json
        import xarray as xr
        href, token = sys.argv[1:3]
        ds = xr.open_zarr(href, storage_options={"headers": {"Authorization": "token " + token}})
        print(json.dumps({"vars": sorted(ds.data_vars), "mean": float(ds.ice.mean().values), "first": str(ds.time.values[0])[:10]}))
        """;
}

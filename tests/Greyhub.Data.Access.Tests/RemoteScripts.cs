namespace Greyhub.Data.Access.Tests;

/// <summary>The Python of the remote-store and write tests, run with Debian's interpreter.</summary>
internal static class RemoteScripts
{
    /// <summary>
    /// argv: dataset URL (ending in /), token, local folder. zarr writes an array through the hub: fsspec 2022.11's
    /// HTTPFileSystem has no pipe_file (so its mapper cannot write), but its put_file does, with POST and a chunked
    /// body; a ten-line mapping hands zarr's keys to it. Then reads it back through the hub with fsspec's own mapper
    /// and from the files. Also a plain requests.put and a DELETE.
    /// </summary>
    public const string ZarrWriteThroughHub = """
        import sys, io, json
        from collections.abc import MutableMapping
        import numpy as np
        import zarr, fsspec, requests
        base, token, local = sys.argv[1:4]
        headers = {"Authorization": "token " + token}
        fs = fsspec.filesystem("http", headers=headers)
        class HubStore(MutableMapping):
            def __getitem__(self, key):
                try:
                    return fs.cat_file(base + key)
                except FileNotFoundError:
                    raise KeyError(key)
            def __setitem__(self, key, value):
                fs.put_file(io.BytesIO(bytes(value)), base + key)
            def __delitem__(self, key):
                r = requests.delete(base + key, headers=headers)
                if r.status_code == 404:
                    raise KeyError(key)
                r.raise_for_status()
            def __iter__(self):
                return iter([])
            def __len__(self):
                return 0
        data = (np.arange(40 * 50, dtype="float64").reshape(40, 50) / 7.0)
        z = zarr.open_array(HubStore(), mode="w-", path="written", shape=data.shape, chunks=(16, 16), dtype="f8")
        z[:] = data
        z.attrs["by"] = "zarr through the hub"
        back = zarr.open_array(fsspec.get_mapper(base, headers=headers), mode="r", path="written")
        files = zarr.open_array(local, mode="r", path="written")
        put = requests.put(base + "notes/hello.txt", data=b"hello from requests", headers=headers)
        got = requests.get(base + "notes/hello.txt", headers=headers)
        deleted = requests.delete(base + "notes/hello.txt", headers=headers)
        gone = requests.get(base + "notes/hello.txt", headers=headers)
        print(json.dumps({
            "through_hub": bool(np.array_equal(back[:], data)),
            "files": bool(np.array_equal(files[:], data)),
            "attrs": back.attrs.get("by"),
            "put": put.status_code, "get": got.text, "delete": deleted.status_code, "after_delete": gone.status_code,
        }))
        """;
}

namespace Greyhub.Data.Access.Tests;

/// <summary>The Python of the remote-crawl tests (<see cref="CrawlHub"/>), run with Debian's interpreter.</summary>
internal static class CrawlScripts
{
    /// <summary>
    /// argv: folder. Writes the stores the server serves as static files:
    /// <list type="bullet">
    /// <item><c>plain.zarr</c>: xarray, not consolidated: temp(time=3, lat=10, lon=20) float32 = lon index + 100·time,
    /// CF coordinates (lat 40.5..49.5 degrees_north, lon -4.5..14.5 degrees_east, time days since 2020-01-01: 0..2);</item>
    /// <item><c>many.zarr</c>: 250 small arrays, consolidated;</item>
    /// <item><c>nan.zarr</c>: lat whose scale_factor (1e308) overflows its values to infinity, a lon, and an array whose
    /// .zattrs holds Python's bare NaN (not JSON);</item>
    /// <item><c>malformed.zarr</c>: arrays good and bad, bad's .zarray and the store's .zmetadata not JSON.</item>
    /// </list>
    /// </summary>
    public const string WriteStores = """
        import sys, os, json
        import numpy as np
        import xarray as xr
        import zarr
        www = sys.argv[1]
        lat = np.linspace(40.5, 49.5, 10)
        lon = np.linspace(-4.5, 14.5, 20)
        temp = np.tile(np.arange(20, dtype="float32"), (3, 10, 1)) + (np.arange(3, dtype="float32") * 100)[:, None, None]
        ds = xr.Dataset(
            {"temp": (("time", "lat", "lon"), temp, {"units": "degC", "long_name": "remote temperature"})},
            coords={
                "time": ("time", np.arange(3, dtype="int32"), {"units": "days since 2020-01-01", "calendar": "standard"}),
                "lat": ("lat", lat, {"units": "degrees_north"}),
                "lon": ("lon", lon, {"units": "degrees_east"}),
            },
            attrs={"title": "plain remote"},
        )
        ds.to_zarr(os.path.join(www, "plain.zarr"), mode="w", consolidated=False, encoding={"temp": {"chunks": (1, 5, 10)}})

        many = zarr.open_group(os.path.join(www, "many.zarr"), mode="w")
        for i in range(250):
            many.zeros("a%03d" % i, shape=(2, 2), chunks=(2, 2), dtype="f4")
        zarr.consolidate_metadata(many.store)

        nan = zarr.open_group(os.path.join(www, "nan.zarr"), mode="w")
        a = nan.array("lat", np.array([2.0, 3.0]), chunks=(2,))
        a.attrs.update({"units": "degrees_north", "scale_factor": 1e308, "_ARRAY_DIMENSIONS": ["lat"]})
        a = nan.array("lon", np.array([10.0, 20.0]), chunks=(2,))
        a.attrs.update({"units": "degrees_east", "_ARRAY_DIMENSIONS": ["lon"]})
        a = nan.array("south", np.array([1.0, 2.0]), chunks=(2,))
        a.attrs.update({"units": "degrees_north", "scale_factor": float("nan"), "_ARRAY_DIMENSIONS": ["south"]})

        bad = zarr.open_group(os.path.join(www, "malformed.zarr"), mode="w")
        bad.zeros("good", shape=(2, 2), chunks=(2, 2), dtype="f8")
        bad.zeros("bad", shape=(2, 2), chunks=(2, 2), dtype="f8")
        with open(os.path.join(www, "malformed.zarr", "bad", ".zarray"), "w") as f:
            f.write("{oops")
        with open(os.path.join(www, "malformed.zarr", ".zmetadata"), "w") as f:
            f.write("{not json")
        with open(os.path.join(www, "nan.zarr", "south", ".zattrs")) as f:
            print(json.dumps({"nan_attrs": f.read()}))
        """;

    /// <summary>
    /// argv: folder, wide. Python's http.server on a free loopback port (printed first): the folder as static files,
    /// with its HTML index pages and no Range support, and hostile stores under <c>/hostile/</c>: <c>slow.zarr</c>
    /// never answers; <c>endless.zarr</c>'s index page never ends; <c>liar.zarr</c> announces 5 GiB for
    /// <c>.zmetadata</c> and <c>chunk</c> and sends 100 bytes; <c>deep.zarr</c> is a group of a group of a group... without
    /// end; <c>wide.zarr</c> has <c>wide</c> child groups; <c>heavy.zarr</c> ten child groups each with 1 MiB of attributes.
    /// </summary>
    public const string Server = """
        import sys, time
        from functools import partial
        from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
        www, wide = sys.argv[1], int(sys.argv[2])
        GROUP = b'{"zarr_format": 2}'

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, body, ctype="application/json", length=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            def listing(self, names):
                body = "<!DOCTYPE html><html><body><ul>" + "".join('<li><a href="%s/">%s/</a></li>' % (n, n) for n in names) + "</ul></body></html>"
                self.answer(200, body.encode(), "text/html; charset=utf-8")

            def hostile(self):
                path = self.path.split("?", 1)[0]
                if not path.startswith("/hostile/"):
                    return False
                store, _, rest = path[len("/hostile/"):].partition("/")
                if store == "slow.zarr":
                    time.sleep(3600)
                elif store == "endless.zarr" and rest == "":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    self.close_connection = True
                    try:
                        self.wfile.write(b"<html><body><ul>")
                        i = 0
                        while True:
                            self.wfile.write(('<li><a href="n%d/">n%d/</a></li>\n' % (i, i)).encode())
                            i += 1
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif store == "liar.zarr" and rest in (".zmetadata", "chunk"):
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(5 * 1024 ** 3))
                    self.end_headers()
                    self.close_connection = True
                    try:
                        self.wfile.write(b"x" * 100)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif store == "deep.zarr" and (rest == "" or rest.endswith("/")):
                    self.listing(["g"])
                elif store == "wide.zarr" and rest == "":
                    self.listing(["g%d" % i for i in range(wide)])
                elif store == "heavy.zarr" and rest == "":
                    self.listing(["g%d" % i for i in range(10)])
                elif store == "heavy.zarr" and rest.endswith("/.zattrs"):
                    self.answer(200, b'{"pad": "' + b"x" * (1024 * 1024) + b'"}')
                elif store in ("endless.zarr", "liar.zarr", "deep.zarr", "wide.zarr", "heavy.zarr") and (rest == ".zgroup" or rest.endswith("/.zgroup")):
                    self.answer(200, GROUP)
                else:
                    self.answer(404, b"{}")
                return True

            def do_GET(self):
                if not self.hostile():
                    super().do_GET()

            def do_HEAD(self):
                if not self.hostile():
                    super().do_HEAD()

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            # As a real static server's: Python's default accept queue (5) resets connections under 8 concurrent ones.
            request_queue_size = 128

        server = Server(("127.0.0.1", 0), partial(Handler, directory=www))
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """;
}

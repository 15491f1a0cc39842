using System.Net;
using Greyhub.Testing;
using Microsoft.Playwright;
using SkiaSharp;

namespace Greyhub.Host.Tests;

/// <summary>
/// The data page in Chromium, on datasets written by Debian's xarray: alice finds it from the navigation bar, sees her
/// dataset's arrays with their dimensions, a broken array's own error, and a quick look whose PNG (decoded with
/// SkiaSharp) has the slice's size, colours that follow the data and transparency where it is NaN; bad parameters
/// are 400, a too costly slice 422, and bob, who may not read it, gets the 404 page. Checked with axe-core, with
/// screenshots.
/// </summary>
public sealed class BrowserDataTests
{
    private const string Password = "correct horse battery staple";

    /// <summary>
    /// argv: datasets folder. <c>ocean.zarr</c> (v2, not consolidated): temp(time=3, y=40, x=60) float32 = x + 100·time,
    /// NaN where time=0, y&lt;10, x&lt;10; <c>big</c> with one 1200² float64 chunk (11 MiB decoded); <c>broken</c>, whose
    /// compressor no reader knows. <c>notes/</c>: a NetCDF file.
    /// </summary>
    private const string WriteDatasets = """
        import sys, os, json
        import numpy as np
        import xarray as xr
        root = sys.argv[1]
        t, y, x = 3, 40, 60
        temp = np.tile(np.arange(x, dtype="float32"), (t, y, 1)) + (np.arange(t, dtype="float32") * 100)[:, None, None]
        temp[0, :10, :10] = np.nan
        ds = xr.Dataset(
            {"temp": (("time", "y", "x"), temp, {"units": "degC", "long_name": "sea temperature"})},
            coords={"time": np.arange(t, dtype="int32"), "y": np.arange(y, dtype="float64"), "x": np.arange(x, dtype="float64")},
            attrs={"title": "a gradient along x"},
        )
        path = os.path.join(root, "ocean.zarr")
        ds.to_zarr(path, mode="w", consolidated=False, encoding={"temp": {"chunks": (1, 20, 30)}})
        xr.Dataset({"big": (("by", "bx"), np.zeros((1200, 1200)))}).to_zarr(path, mode="a", consolidated=False, encoding={"big": {"chunks": (1200, 1200)}})
        os.makedirs(os.path.join(path, "broken"))
        with open(os.path.join(path, "broken", ".zarray"), "w") as f:
            json.dump({"zarr_format": 2, "shape": [4, 4], "chunks": [4, 4], "dtype": "<f4", "compressor": {"id": "no-such-codec"},
                       "fill_value": 0, "filters": None, "order": "C"}, f)
        os.makedirs(os.path.join(root, "notes"))
        ds.isel(time=1).to_netcdf(os.path.join(root, "notes", "slice.nc"))
        print(os.path.getsize(os.path.join(root, "notes", "slice.nc")))
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reader_sees_arrays_and_a_quick_look_and_others_get_404()
    {
        Requires.PythonModules("apt-get install -y python3-xarray python3-zarr python3-netcdf4", "xarray", "zarr", "netCDF4");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-data-").FullName;
        var datasets = Directory.CreateDirectory(Path.Combine(dataDir, "datasets")).FullName;
        var ncSize = long.Parse((await DebianPython.RunAsync(WriteDatasets, [datasets], Ct)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var user in new[] { "alice", "bob" })
        {
            var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--password-stdin", "--data-dir", dataDir, user], Password + "\n", Ct);
            Assert.True(code == 0, stderr);
        }
        await AddAsync(dataDir, "ocean", Path.Combine(datasets, "ocean.zarr"), "--title", "Ocean gradient", "--description", "A test field.", "--owner", "alice");
        await AddAsync(dataDir, "notes", Path.Combine(datasets, "notes"), "--title", "Notes", "--owner", "alice");
        // 1 MiB of decoded chunks at most: temp's four chunks per slice fit, big's one 11 MiB chunk does not.
        await using var hub = await GreyhubProcess.StartAsync(dataDir, ["--Greyhub:Data:QuickLook:MaxDecodedBytes=1048576"], cancellationToken: Ct);

        await using var chromium = await Chromium.OpenPageAsync(90_000, b => PageChecks.NewContextAsync(b));
        var page = chromium.Page;
        await SignInAsync(page, hub, "alice");
        // Both bricks' links are in the bar; the data page is found from it.
        Assert.Equal(1, await page.Locator("#nav-clusters").CountAsync());
        await page.ClickAsync("#nav-data");
        await page.WaitForURLAsync(u => u.EndsWith("/hub/data", StringComparison.Ordinal));
        Assert.Equal("page", await page.GetAttributeAsync("#nav-data", "aria-current"));
        Assert.Equal(new[] { "notes", "ocean" }, await page.Locator("#datasets tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.dataset)"));
        await PageChecks.CheckAsync(page, "data-01-list");

        await page.ClickAsync("tr[data-dataset='ocean'] a");
        await page.WaitForURLAsync(u => u.EndsWith("/hub/data/ocean", StringComparison.Ordinal));
        Assert.Equal("Ocean gradient", await page.InnerTextAsync("#dataset-title"));
        Assert.Equal("alice", await page.InnerTextAsync("#dataset-owner"));
        Assert.Equal("zarr-v2", await page.InnerTextAsync("#dataset-format"));
        var temp = page.Locator("tr[data-array='temp']");
        Assert.Equal("time, y, x", await temp.Locator("td[data-label='Dimensions']").InnerTextAsync());
        Assert.Equal("3 × 40 × 60", await temp.Locator("td[data-label='Shape']").InnerTextAsync());
        Assert.Equal("<f4", await temp.Locator("td[data-label='Type']").InnerTextAsync());
        Assert.Equal("1 × 20 × 30", await temp.Locator("td[data-label='Chunks']").InnerTextAsync());
        Assert.Contains("blosc", await temp.Locator("td[data-label='Codecs']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("sea temperature", await temp.Locator("td[data-label='Attributes']").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("x", await page.Locator("tr[data-array='x'] td[data-label='Dimensions']").InnerTextAsync());
        // The broken array shows its own error; the others are still listed.
        Assert.Contains("no-such-codec", await page.Locator("tr[data-array='broken'] td.array-error").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(new[] { "big", "broken", "temp", "time", "x", "y" }, await page.Locator("#arrays tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.array)"));
        var snippet = await page.InputValueAsync("#python-snippet");
        Assert.Contains($"xr.open_zarr(\n    \"{hub.Address}data/ocean/\"", snippet, StringComparison.Ordinal);
        Assert.Contains("os.environ[\"GREYHUB_TOKEN\"]", snippet, StringComparison.Ordinal);
        Assert.Equal($"{hub.Address}data/catalog.yaml", await page.GetAttributeAsync("#catalog-link", "href"));

        // The quick look: big is the first drawable array by name, and refused as too costly; temp is drawn.
        Assert.Contains("MiB of chunks", await page.InnerTextAsync("#quicklook-error"), StringComparison.Ordinal);
        await page.SelectOptionAsync("#ql-array", "temp");
        await page.ClickAsync(".quicklook-form button[type='submit']");
        await page.WaitForURLAsync(u => u.Contains("array=temp", StringComparison.Ordinal));
        Assert.Equal("0", await page.InnerTextAsync("#quicklook-min"));
        Assert.Equal("59", await page.InnerTextAsync("#quicklook-max"));
        Assert.Equal(60, await page.EvaluateAsync<int>("() => document.getElementById('quicklook').naturalWidth"));
        await PageChecks.CheckAsync(page, "data-02-ocean");

        var api = page.Context.APIRequest;
        var png = await api.GetAsync($"{hub.Address}hub/data/ocean/quicklook.png?array=temp&index=0");
        Assert.Equal(200, png.Status);
        Assert.Equal("image/png", png.Headers["content-type"]);
        using (var bitmap = SKBitmap.Decode(await png.BodyAsync()))
        {
            Assert.Equal(60, bitmap.Width);
            Assert.Equal(40, bitmap.Height);
            // y = 0 is the bottom row. NaN (y < 10, x < 10) is transparent; beside it, colour follows x.
            Assert.Equal(0, bitmap.GetPixel(5, 35).Alpha);
            Assert.Equal(0, bitmap.GetPixel(0, 30).Alpha);
            Assert.Equal(255, bitmap.GetPixel(10, 35).Alpha);
            Assert.Equal(new SKColor(0x44, 0x01, 0x54), bitmap.GetPixel(0, 0));
            Assert.Equal(new SKColor(0xFD, 0xE7, 0x25), bitmap.GetPixel(59, 0));
            Assert.Equal(bitmap.GetPixel(30, 0), bitmap.GetPixel(30, 39));
            Assert.NotEqual(bitmap.GetPixel(20, 0), bitmap.GetPixel(40, 0));
        }
        // Another time step: the same gradient, stretched to its own min/max (200..259), so no NaN there.
        await page.GotoAsync($"{hub.Address}hub/data/ocean?array=temp&index=2");
        Assert.Equal("200", await page.InnerTextAsync("#quicklook-min"));
        Assert.Equal("259", await page.InnerTextAsync("#quicklook-max"));
        using (var bitmap = SKBitmap.Decode(await (await api.GetAsync($"{hub.Address}hub/data/ocean/quicklook.png?array=temp&index=2")).BodyAsync()))
        {
            Assert.Equal(255, bitmap.GetPixel(5, 35).Alpha);
        }

        // Bad parameters: 400 with what is wrong; a slice too costly: 422.
        foreach (var (query, says) in new[]
        {
            ("array=nope", "has no array named"),
            ("", "Name the array"),
            ("array=temp&index=3", "is not valid: give up to 1"),
            ("array=temp&index=-1", "is not valid: give up to 1"),
            ("array=temp&index=0,0", "is not valid: give up to 1"),
            ("array=x", "1 dimension(s)"),
            ("array=broken", "cannot be opened"),
            ("array=..%2Fnotes", "is not an array path"),
        })
        {
            var answer = await api.GetAsync($"{hub.Address}hub/data/ocean/quicklook.png?{query}");
            Assert.True(answer.Status is 400 or 422, $"{query}: {answer.Status}");
            Assert.Equal(query == "array=broken" ? 422 : 400, answer.Status);
            Assert.Contains(says, await answer.TextAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(422, (await api.GetAsync($"{hub.Address}hub/data/ocean/quicklook.png?array=big")).Status);

        // A dataset of files: its files with their sizes.
        await page.GotoAsync($"{hub.Address}hub/data/notes");
        Assert.InRange(ncSize, 1024, (1024 * 1024) - 1);
        var kib = (ncSize / 1024.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " KiB";
        Assert.Equal(kib, await page.InnerTextAsync("tr[data-file='slice.nc'] td[data-label='Size']"));
        Assert.Equal($"{hub.Address}data/notes/slice.nc", await page.GetAttributeAsync("tr[data-file='slice.nc'] a", "href"));
        await PageChecks.CheckAsync(page, "data-03-files");

        // Bob may read neither: not listed, and both the page and the image are the 404 page.
        await using var other = await PageChecks.NewContextAsync(chromium.Browser);
        var bobPage = await other.NewPageAsync();
        await SignInAsync(bobPage, hub, "bob");
        await bobPage.GotoAsync($"{hub.Address}hub/data");
        Assert.Equal(1, await bobPage.Locator("#no-datasets").CountAsync());
        var refused = await bobPage.GotoAsync($"{hub.Address}hub/data/ocean");
        Assert.Equal((int)HttpStatusCode.NotFound, refused!.Status);
        Assert.Contains("no dataset named ocean", await bobPage.InnerTextAsync("#not-found-message"), StringComparison.Ordinal);
        await PageChecks.CheckAsync(bobPage, "data-04-not-found");
        Assert.Equal(404, (await other.APIRequest.GetAsync($"{hub.Address}hub/data/ocean/quicklook.png?array=temp")).Status);
        Assert.Equal(404, (await other.APIRequest.GetAsync($"{hub.Address}hub/data/nowhere")).Status);
        // Without a session: sent to sign in, never an image.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var noSession = await anonymous.GetAsync(new Uri(hub.Address, "hub/data/ocean/quicklook.png?array=temp"), Ct);
        Assert.NotEqual(HttpStatusCode.OK, noSession.StatusCode);
    }

    private static async Task AddAsync(string dataDir, string name, string path, params string[] options)
    {
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["data", "add", "--data-dir", dataDir, name, "--path", path, .. options], cancellationToken: Ct);
        Assert.True(code == 0, stdout + stderr);
    }

    private static async Task SignInAsync(IPage page, GreyhubProcess hub, string user)
    {
        await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
        await page.FillAsync("#username_input", user);
        await page.FillAsync("#password_input", Password);
        await page.ClickAsync("#login_submit");
        await page.WaitForURLAsync(u => !u.Contains("/hub/login", StringComparison.Ordinal));
    }
}

using System.Diagnostics;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// The data page in Chromium for a remote dataset: a colleague's Zarr store written by Debian's xarray without
/// consolidated metadata, served by Debian's Python <c>http.server</c> (index pages, no Range). alice sees it listed,
/// its arrays with their dimensions, shapes and chunks, a quick look drawn from the remote's chunks, and nothing of
/// the remote's address. Checked with axe-core, with a screenshot.
/// </summary>
public sealed class BrowserRemoteDataTests
{
    private const string Password = "correct horse battery staple";

    /// <summary>argv: folder. <c>ocean.zarr</c>: temp(time=3, y=40, x=60) float32 = x + 100·time, chunks (1, 20, 30).</summary>
    private const string WriteStore = """
        import sys, os
        import numpy as np
        import xarray as xr
        t, y, x = 3, 40, 60
        temp = np.tile(np.arange(x, dtype="float32"), (t, y, 1)) + (np.arange(t, dtype="float32") * 100)[:, None, None]
        ds = xr.Dataset(
            {"temp": (("time", "y", "x"), temp, {"units": "degC", "long_name": "sea temperature"})},
            coords={"time": np.arange(t, dtype="int32"), "y": np.arange(y, dtype="float64"), "x": np.arange(x, dtype="float64")},
            attrs={"title": "a gradient along x, shared by a colleague"},
        )
        ds.to_zarr(os.path.join(sys.argv[1], "ocean.zarr"), mode="w", consolidated=False, encoding={"temp": {"chunks": (1, 20, 30)}})
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_remote_dataset_is_described_and_drawn_like_a_local_one()
    {
        Requires.PythonModules("apt-get install -y python3-xarray python3-zarr", "xarray", "zarr");
        var root = Directory.CreateTempSubdirectory("greyhub-browser-remote-").FullName;
        var www = Directory.CreateDirectory(Path.Combine(root, "www")).FullName;
        await DebianPython.RunAsync(WriteStore, [www], Ct);
        var port = FreePort.Next();
        using var server = StartServer(www, port);
        var remote = new Uri($"http://127.0.0.1:{port}/");
        using (var probe = new HttpClient())
        {
            while (true)
            {
                try
                {
                    using var answer = await probe.GetAsync(new Uri(remote, "ocean.zarr/.zgroup"), Ct);
                    break;
                }
                catch (HttpRequestException) when (!server.HasExited)
                {
                    await Task.Delay(50, Ct);
                }
            }
        }
        try
        {
            // The same greyhub.json for the commands and the hub: the remote's server is the one allowed prefix.
            var work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;
            await File.WriteAllTextAsync(Path.Combine(work, "greyhub.json"), $$"""{ "Greyhub": { "Data": { "AllowedRemotes": [ "{{remote}}" ] } } }""", Ct);
            var dataDir = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
            var (code, _, stderr) = await GreyhubProcess.RunInAsync(work, ["users", "add", "--password-stdin", "--data-dir", dataDir, "alice"], Password + "\n", Ct);
            Assert.True(code == 0, stderr);
            var (added, stdout, addErr) = await GreyhubProcess.RunInAsync(work,
                ["data", "add", "--data-dir", dataDir, "colleague", "--path", new Uri(remote, "ocean.zarr").ToString(), "--title", "A colleague's ocean", "--owner", "alice"], null, Ct);
            Assert.True(added == 0, stdout + addErr);
            Assert.Contains("zarr-v2", stdout, StringComparison.Ordinal);
            await using var hub = await GreyhubProcess.StartInAsync(work, new Dictionary<string, string>(), dataDir, null, null, Ct);

            await using var chromium = await Chromium.OpenPageAsync(90_000, b => PageChecks.NewContextAsync(b));
            var page = chromium.Page;
            await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());
            await page.FillAsync("#username_input", "alice");
            await page.FillAsync("#password_input", Password);
            await page.ClickAsync("#login_submit");
            await page.WaitForURLAsync(u => !u.Contains("/hub/login", StringComparison.Ordinal));

            await page.GotoAsync(new Uri(hub.Address, "hub/data").ToString());
            await page.ClickAsync("tr[data-dataset='colleague'] a");
            await page.WaitForURLAsync(u => u.EndsWith("/hub/data/colleague", StringComparison.Ordinal));
            Assert.Equal("A colleague's ocean", await page.InnerTextAsync("#dataset-title"));
            Assert.Equal(1, await page.Locator("#dataset-remote").CountAsync());
            Assert.Equal(0, await page.Locator("#dataset-error").CountAsync());
            var temp = page.Locator("tr[data-array='temp']");
            Assert.Equal("time, y, x", await temp.Locator("td[data-label='Dimensions']").InnerTextAsync());
            Assert.Equal("3 × 40 × 60", await temp.Locator("td[data-label='Shape']").InnerTextAsync());
            Assert.Equal("1 × 20 × 30", await temp.Locator("td[data-label='Chunks']").InnerTextAsync());
            Assert.Contains("sea temperature", await temp.Locator("td[data-label='Attributes']").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(new[] { "temp", "time", "x", "y" }, await page.Locator("#arrays tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.array)"));
            Assert.Equal("0", await page.InnerTextAsync("#quicklook-min"));
            Assert.Equal("59", await page.InnerTextAsync("#quicklook-max"));
            Assert.Equal(60, await page.EvaluateAsync<int>("() => document.getElementById('quicklook').naturalWidth"));
            Assert.DoesNotContain(remote.Authority, await page.ContentAsync(), StringComparison.Ordinal);
            await PageChecks.CheckAsync(page, "data-05-remote");

            await page.GotoAsync(new Uri(hub.Address, "hub/data/colleague?array=temp&index=2").ToString());
            Assert.Equal("200", await page.InnerTextAsync("#quicklook-min"));
            Assert.Equal("259", await page.InnerTextAsync("#quicklook-max"));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(Ct);
            Directory.Delete(root, recursive: true);
        }
    }

    private static Process StartServer(string www, int port)
    {
        var start = new ProcessStartInfo(DebianPython.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-m", "http.server", "--bind", "127.0.0.1", "--directory", www, port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("python did not start");
        // Its request log is drained, so a full pipe never stalls it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}

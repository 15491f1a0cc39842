using System.Net.Http.Json;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Data.Access.Tests;

/// <summary>The ecosystem's own readers against the hub, unchanged: xarray, zarr, intake, aiohttp (Debian's packages).</summary>
public sealed class PythonClientTests(DataHub data)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Url(string path) => new Uri(data.Hub.Address, path).ToString();

    [Fact]
    public async Task Xarray_over_http_with_a_token_computes_the_same_mean_as_the_files()
    {
        var output = await DebianPython.RunAsync(PythonScripts.OpenZarrMean, [Url("data/ocean/"), data.AliceToken, data.OceanPath], Ct);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal(result.GetProperty("direct").GetDouble(), result.GetProperty("remote").GetDouble());
        Assert.InRange(result.GetProperty("remote").GetDouble(), 10, 20);   // uniform over [0, 30)
        Assert.Equal([20, 90, 180], result.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("degC", result.GetProperty("units").GetString());
    }

    [Fact]
    public async Task Zarr_open_with_a_signed_url_needs_no_header()
    {
        using var issue = await data.Hub.Client(data.AliceToken).PostAsJsonAsync("hub/api/datasets/ocean/signed-url", new { expires_in = 300 }, Ct);
        var storeUrl = JsonDocument.Parse(await issue.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("store_url").GetString()!;
        var output = await DebianPython.RunAsync(PythonScripts.ZarrSigned, [storeUrl, data.OceanPath], Ct);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.True(result.GetProperty("equal").GetBoolean());
        Assert.Equal(["lat", "lon", "temp", "time"], result.GetProperty("keys").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Intake_catalog_lists_exactly_the_callers_zarr_datasets_and_opens_one()
    {
        var alice = JsonDocument.Parse(await DebianPython.RunAsync(PythonScripts.IntakeCatalog, [Url("data/catalog.yaml"), data.AliceToken], Ct)).RootElement;
        Assert.Equal(["ocean"], alice.GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["lat", "lon", "temp", "time"], alice.GetProperty("arrays").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([20, 90, 180], alice.GetProperty("temp_shape").EnumerateArray().Select(e => e.GetInt32()));

        var admin = JsonDocument.Parse(await DebianPython.RunAsync(PythonScripts.IntakeCatalog, [Url("data/catalog.yaml"), data.Hub.AdminToken], Ct)).RootElement;
        Assert.Contains("vault", admin.GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain("notes", admin.GetProperty("names").EnumerateArray().Select(e => e.GetString()));   // plain files: no intake driver here

        var bob = JsonDocument.Parse(await DebianPython.RunAsync(PythonScripts.IntakeCatalog, [Url("data/catalog.yaml"), data.BobToken], Ct)).RootElement;
        Assert.Empty(bob.GetProperty("names").EnumerateArray());
    }

    /// <summary>
    /// 64 concurrent readers: 4 processes of 16 aiohttp readers each, rather than 64 interpreters, which on this
    /// 2-core machine would spend their time importing numpy instead of reading. Every byte is compared with the files.
    /// </summary>
    [Fact]
    public async Task Sixty_four_concurrent_readers_get_identical_bytes()
    {
        const int processes = 4, readers = 16, reads = 20;
        var runs = Enumerable.Range(0, processes).Select(i =>
            DebianPython.RunAsync(PythonScripts.RandomReaders, [Url("data/ocean/"), data.AliceToken, data.OceanPath, $"{readers}", $"{reads}", $"{i + 1}"], Ct, TimeSpan.FromMinutes(5)));
        var outputs = await Task.WhenAll(runs);
        var ok = 0;
        foreach (var output in outputs)
        {
            var result = JsonDocument.Parse(output).RootElement;
            Assert.Empty(result.GetProperty("errors").EnumerateArray());
            Assert.Equal(0, result.GetProperty("mismatch").GetInt32());
            ok += result.GetProperty("ok").GetInt32();
        }
        Assert.Equal(processes * readers * reads, ok);
    }
}

using System.Text.Json;

namespace Greyhub.Host.Tests;

/// <summary>The <c>greyhub zarr</c> command through the real executable.</summary>
public sealed class ZarrCliTests
{
    private static string Fixture(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
        {
            dir = dir.Parent;
        }
        Assert.NotNull(dir);
        return Path.GetFullPath(Path.Combine(dir!.FullName, "tests", "fixtures", "zarr", relative));
    }

    [Fact]
    public async Task Info_and_cat_read_a_blosc_store_written_by_zarr_python()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Fixture("zarrs/v2/array_blosc_C.zarr");
        Assert.True(Directory.Exists(store), store);

        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["zarr", "info", store], cancellationToken: ct);
        Assert.True(code == 0, stderr);
        var info = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(2, info.GetProperty("zarr_format").GetInt32());

        var (catCode, catOut, catErr) = await GreyhubProcess.RunAsync(["zarr", "cat", store], cancellationToken: ct);
        Assert.True(catCode == 0, catErr);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(catOut).RootElement.ValueKind);
    }

    [Fact]
    public async Task A_missing_store_is_one_clear_line_and_a_failure()
    {
        var ct = TestContext.Current.CancellationToken;
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["zarr", "info", "/nonexistent/store.zarr"], cancellationToken: ct);
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout.Trim());
        Assert.StartsWith("zarr:", stderr.Trim());
        Assert.DoesNotContain("   at ", stderr);
    }
}

using System.Diagnostics;
using Greyhub.Hub.Tests;

namespace Greyhub.Data.Access.Tests;

/// <summary><c>greyhub data add|list|info|remove</c>, run as the operator runs it: the real executable in its own process.</summary>
public sealed class DataCommandTests : IAsyncDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("greyhub-data-cli-").FullName;
    private readonly string _roots = Directory.CreateTempSubdirectory("greyhub-data-roots-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Add_list_info_remove_with_the_same_rules_as_the_api()
    {
        var store = Directory.CreateDirectory(Path.Combine(_roots, "allowed", "sea.zarr")).FullName;
        await File.WriteAllTextAsync(Path.Combine(store, ".zgroup"), "{\"zarr_format\": 2}", Ct);
        var outside = Directory.CreateDirectory(Path.Combine(_roots, "elsewhere")).FullName;

        var added = await RunAsync("data", "add", "sea", "--path", store, "--title", "Sea", "--read-group", "climate", "--owner", "Alice");
        Assert.True(added.Code == 0, added.StdErr);
        Assert.Contains("format:      zarr-v2", added.StdOut, StringComparison.Ordinal);   // detected
        Assert.Contains("owner:       alice", added.StdOut, StringComparison.Ordinal);     // normalised as user names are

        var refused = await RunAsync("data", "add", "far", "--path", outside);
        Assert.Equal(1, refused.Code);
        Assert.Contains("outside the allowed roots", refused.StdErr, StringComparison.Ordinal);

        var list = await RunAsync("data", "list");
        Assert.Equal(0, list.Code);
        var row = Assert.Single(list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        Assert.StartsWith("sea", row, StringComparison.Ordinal);
        Assert.Contains("climate", row, StringComparison.Ordinal);

        var info = await RunAsync("data", "info", "sea");
        Assert.Contains("url path:    /data/sea/", info.StdOut, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("data", "remove", "sea")).Code);
        var missing = await RunAsync("data", "info", "sea");
        Assert.Equal(1, missing.Code);
        Assert.True(Directory.Exists(store));
    }

    private async Task<(int Code, string StdOut, string StdErr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dataDir };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "greyhub.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add("--data-dir");
        psi.ArgumentList.Add(_dataDir);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["Greyhub__Data__AllowedRoots__0"] = Path.Combine(_roots, "allowed");
        foreach (var setting in TestDatabase.SettingsFor(_dataDir))
        {
            var eq = setting.IndexOf('=', StringComparison.Ordinal);
            psi.Environment[setting[..eq].Replace(":", "__", StringComparison.Ordinal)] = setting[(eq + 1)..];
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        Directory.Delete(_roots, recursive: true);
        Directory.Delete(_dataDir, recursive: true);
        await TestDatabase.DropAsync(_dataDir);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Greyhub.Testing;

namespace Greyhub.Host.Tests;

/// <summary>
/// Greyhub installed rather than built (issue #14): the self-contained ReadyToRun tarball and the <c>dotnet tool</c>
/// package of <c>scripts/publish.sh</c>, each installed as docs/install.md says, start a hub that serves a real
/// <c>jupyterhub-singleuser</c> through its proxy; the example <c>docs/greyhub.json</c> is a configuration the hub accepts.
/// </summary>
public sealed class InstallTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void RequireJupyter() =>
        Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");

    [Fact]
    public async Task The_self_contained_tarball_unpacked_anywhere_serves_a_real_single_user_server()
    {
        RequireJupyter();
        Requires.Program("tar", "apt-get install -y tar");
        var artifacts = await Published.GetAsync();
        var root = Directory.CreateTempSubdirectory("greyhub-tarball-").FullName;
        try
        {
            // As docs/install.md does it: unpacked into a folder of its own, without its top folder.
            await Published.RunAsync(root, "tar", ["--strip-components=1", "-xzf", artifacts.Tarball]);
            var greyhub = Path.Combine(root, "greyhub");
            Assert.True(File.Exists(greyhub), "no greyhub executable at the top of the tarball");
            Assert.True(File.GetUnixFileMode(greyhub).HasFlag(UnixFileMode.UserExecute), "greyhub is not executable");
            var version = Path.GetFileName(artifacts.Tarball)["greyhub-".Length..^"-linux-x64.tar.gz".Length];
            Assert.Contains("Greyhub " + version, await File.ReadAllTextAsync(Path.Combine(root, "INSTALL.md"), Ct), StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(root, "*.pdb"));
            // Self-contained: the runtime is in the folder (no .NET needed on the machine), and the hub's code is ReadyToRun.
            Assert.True(File.Exists(Path.Combine(root, "libcoreclr.so")), "the .NET runtime is not in the tarball");
            using (var runtimeConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "greyhub.runtimeconfig.json"), Ct)))
            {
                Assert.True(runtimeConfig.RootElement.GetProperty("runtimeOptions").TryGetProperty("includedFrameworks", out _), "greyhub.runtimeconfig.json names no included frameworks: not self-contained");
            }
            Assert.True(IsReadyToRun(Path.Combine(root, "Greyhub.Hub.dll")), "Greyhub.Hub.dll is not compiled ReadyToRun");
            var (code, stdout, _) = await GreyhubProcess.RunProgramAsync(greyhub, root, ["--version"], null, Ct);
            Assert.Equal(0, code);
            Assert.StartsWith(version, stdout.Trim(), StringComparison.Ordinal);

            // Run from another folder, as an operator does: greyhub.json and greyhub-data belong to the folder it runs in.
            var work = Directory.CreateTempSubdirectory("greyhub-tarball-work-").FullName;
            await using var hub = await GreyhubProcess.StartProgramAsync(greyhub, work, new Dictionary<string, string>(), null, null, null, Ct);
            await ServesARealServerAsync(hub, greyhub);
            Directory.Delete(work, recursive: true);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task The_dotnet_tool_package_installs_a_greyhub_command_that_serves_a_real_single_user_server()
    {
        RequireJupyter();
        var artifacts = await Published.GetAsync();
        var home = Directory.CreateTempSubdirectory("greyhub-tool-").FullName;
        try
        {
            // `dotnet tool install --global` as docs/install.md says, into a private home (DOTNET_CLI_HOME) and package
            // cache (NUGET_PACKAGES), from a feed holding only the folder publish.sh wrote: a package of the same name and
            // version elsewhere (an older run's, nuget.org) cannot be picked instead.
            var config = Path.Combine(home, "nuget.config");
            await File.WriteAllTextAsync(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="greyhub" value="{artifacts.ToolSource}" />
                  </packageSources>
                </configuration>
                """, Ct);
            var environment = new Dictionary<string, string>
            {
                ["DOTNET_CLI_HOME"] = home,
                ["NUGET_PACKAGES"] = Path.Combine(home, "packages"),
                ["DOTNET_NOLOGO"] = "1",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            };
            var installed = await Published.RunAsync(home, "dotnet", ["tool", "install", "--global", "--configfile", config, "Greyhub"], environment);
            Assert.Contains("greyhub", installed, StringComparison.Ordinal);
            var greyhub = Path.Combine(home, ".dotnet", "tools", "greyhub");
            Assert.True(File.Exists(greyhub), $"dotnet tool install left no {greyhub}:\n{installed}");
            // The payload is the runtime-specific, ReadyToRun package.
            var payload = Directory.GetFiles(Path.Combine(home, ".dotnet", "tools", ".store"), "Greyhub.Hub.dll", SearchOption.AllDirectories);
            Assert.NotEmpty(payload);
            Assert.All(payload, dll => Assert.True(IsReadyToRun(dll), dll + " is not compiled ReadyToRun"));

            var work = Directory.CreateTempSubdirectory("greyhub-tool-work-").FullName;
            await using var hub = await GreyhubProcess.StartProgramAsync(greyhub, work, new Dictionary<string, string>(), null, null, null, Ct);
            await ServesARealServerAsync(hub, greyhub);
            Directory.Delete(work, recursive: true);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task The_example_configuration_file_is_one_the_hub_starts_with()
    {
        var work = Directory.CreateTempSubdirectory("greyhub-example-config-").FullName;
        try
        {
            var example = Path.Combine(Published.RepositoryRoot, "docs", "greyhub.json");
            File.Copy(example, Path.Combine(work, "greyhub.json"));
            // Its data folder and address are the service's (/var/lib/greyhub, port 8000): a test's own replace them.
            await using var hub = await GreyhubProcess.StartInAsync(work, new Dictionary<string, string>(), null, null, null, Ct);
            Assert.Contains("Configuration from " + Path.Combine(work, "greyhub.json"), hub.Log, StringComparison.Ordinal);
            using var admin = await JupyterClient.AdminAsync(hub);
            // What the file says took effect: its service and its role.
            using var service = await admin.Http.GetAsync("hub/api/services/idle-culler", Ct);
            Assert.Equal(HttpStatusCode.OK, service.StatusCode);
            var model = await service.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Contains("idle-culler", model.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task The_systemd_unit_verifies_and_stays_hardened()
    {
        var analyze = Requires.Program("systemd-analyze", "apt-get install -y systemd");
        var folder = Directory.CreateTempSubdirectory("greyhub-unit-").FullName;
        try
        {
            // The unit as shipped, but for the program it starts: systemd-analyze checks that the executable exists.
            var unit = await File.ReadAllTextAsync(Path.Combine(Published.RepositoryRoot, "docs", "greyhub.service"), Ct);
            Assert.Contains("ExecStart=/opt/greyhub/greyhub serve\n", unit, StringComparison.Ordinal);
            Assert.Contains("\nUser=greyhub\n", unit, StringComparison.Ordinal);
            Assert.Contains("\nStateDirectory=greyhub\n", unit, StringComparison.Ordinal);
            Assert.Contains("\nEnvironmentFile=-/etc/greyhub/greyhub.env\n", unit, StringComparison.Ordinal);
            var path = Path.Combine(folder, "greyhub.service");
            await File.WriteAllTextAsync(path, unit.Replace("ExecStart=/opt/greyhub/greyhub", "ExecStart=/bin/true", StringComparison.Ordinal), Ct);
            await Published.RunAsync(folder, analyze, ["verify", path]);
            // systemd's own score of what the service could do if compromised (0 best, 10 worst): kept low, without a
            // running systemd (--offline), and the command fails above the threshold.
            var security = await Published.RunAsync(folder, analyze, ["security", "--offline=true", "--threshold=25", path]);
            var exposure = System.Text.RegularExpressions.Regex.Match(security, @"Overall exposure level for greyhub\.service: ([0-9.]+)");
            Assert.True(exposure.Success, security);
            Assert.True(double.Parse(exposure.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 2.5, security);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>An admin token from <paramref name="greyhub"/>'s own CLI, a user, their server started and answering through the proxy.</summary>
    internal static async Task ServesARealServerAsync(GreyhubProcess hub, string greyhub)
    {
        var (code, token, stderr) = await GreyhubProcess.RunProgramAsync(greyhub, Path.GetTempPath(), ["token", "--admin", "--data-dir", hub.DataDir, "admin"], null, Ct);
        Assert.True(code == 0, stderr);
        using var admin = new JupyterClient(hub.Address, token.Trim());
        await ServesARealServerAsync(admin);
    }

    /// <summary>Creates alice, starts her default server and asks it for its status through the hub's proxy with her token.</summary>
    internal static async Task ServesARealServerAsync(JupyterClient admin)
    {
        using var alice = await admin.CreateUserAsync("alice");
        await alice.StartAndWaitAsync("alice");
        using var status = await alice.Http.GetAsync("user/alice/api/status", Ct);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Contains("TornadoServer", status.Headers.Server.ToString(), StringComparison.Ordinal);
        Assert.True((await status.Content.ReadFromJsonAsync<JsonElement>(Ct)).TryGetProperty("started", out _));
        using var stop = await alice.Http.DeleteAsync("hub/api/users/alice/server", Ct);
        Assert.True(stop.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.Accepted, stop.StatusCode.ToString());
        await admin.WaitStoppedAsync("alice", TimeSpan.FromSeconds(60));
    }

    /// <summary>Whether an assembly carries ReadyToRun native code (its CLI header points at a ReadyToRun header).</summary>
    private static bool IsReadyToRun(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new PEReader(stream);
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }
}

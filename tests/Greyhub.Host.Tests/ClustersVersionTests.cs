using System.Net;
using System.Text.Json;

namespace Greyhub.Host.Tests;

/// <summary>
/// The client's Python, dask and distributed versions against the scheduler's. Debian has one distributed, so the
/// mismatch is made on the client's side, honestly: the <c>greyhub</c> module's own report of its versions is replaced
/// by one claiming another distributed, which is what a notebook with another installation would send. By default the
/// cluster runs with a warning (the module raises <c>VersionMismatchWarning</c>); with
/// <c>RefuseVersionMismatch</c> it fails with the reason. A client with the same versions gets neither.
/// </summary>
public sealed class ClustersVersionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A notebook whose distributed is not the scheduler's: the module sends these with its create request.
    private const string ClaimOtherDistributed = """
        import warnings, greyhub, greyhub.client
        real = greyhub.client.client_versions()
        greyhub.client.client_versions = lambda: dict(real, distributed="1999.1.0")

        """;

    [Fact]
    public async Task A_client_with_other_versions_gets_a_warning_by_default_and_one_with_the_same_gets_none()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        await using var hub = await GreyhubProcess.StartAsync(cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var aliceHub = await admin.CreateUserAsync("alice");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        var names = new List<string>();
        try
        {
            var output = await alice.RunPythonAsync(ClaimOtherDistributed + """
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    cluster = greyhub.new_cluster(shutdown_on_close=False)
                print("name", cluster.name)
                for w in caught:
                    print("warning", type(w.message).__name__, w.message)
                greyhub.client.client_versions = lambda: real
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    same = greyhub.new_cluster(shutdown_on_close=False)
                print("same", same.name, len([w for w in caught if type(w.message).__name__ == "VersionMismatchWarning"]))
                """, TimeSpan.FromMinutes(2));
            var name = Line(output, "name ").Trim();
            var same = Line(output, "same ").Split(' ');
            names.Add(name);
            names.Add(same[0]);
            Assert.Contains("warning VersionMismatchWarning Version mismatch between the client and the cluster's scheduler (distributed: client 1999.1.0, scheduler 2022.12.1", output, StringComparison.Ordinal);
            Assert.Equal("0", same[1]);

            var mismatched = await alice.GetAsync(name);
            Assert.Equal("RUNNING", mismatched.GetProperty("status").GetString());
            var warning = Assert.Single(mismatched.GetProperty("warnings").EnumerateArray()).GetString();
            Assert.Contains("distributed: client 1999.1.0", warning, StringComparison.Ordinal);
            // Only distributed differs: Python and dask are not named.
            Assert.DoesNotContain("python:", warning, StringComparison.Ordinal);
            Assert.DoesNotContain("dask:", warning, StringComparison.Ordinal);
            Assert.StartsWith("2022.12.1", mismatched.GetProperty("versions").GetProperty("distributed").GetString(), StringComparison.Ordinal);
            var matching = await alice.GetAsync(same[0]);
            Assert.Equal("RUNNING", matching.GetProperty("status").GetString());
            Assert.Empty(matching.GetProperty("warnings").EnumerateArray());

            // The same claim straight through the API, as any Gateway-speaking client could send it.
            using var response = await alice.Http.PostAsync("v1/clusters/", new StringContent(
                """{"cluster_options": {}, "client_versions": {"python": "2.7.18", "dask": "2022.12.1+dfsg"}}""", System.Text.Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var third = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("name").GetString()!;
            names.Add(third);
            var oldPython = await alice.WaitRunningAsync(third);
            Assert.Contains("python: client 2.7.18", Assert.Single(oldPython.GetProperty("warnings").EnumerateArray()).GetString(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var name in names)
            {
                await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
                await ClusterCleanup.KillAllAsync(name);
            }
        }
    }

    [Fact]
    public async Task With_refuse_configured_a_client_with_other_versions_gets_a_failed_cluster_with_the_reason()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/dask-scheduler", "apt-get install -y python3-distributed");
        await using var hub = await GreyhubProcess.StartAsync(extraArgs: ["--Greyhub:Clusters:RefuseVersionMismatch=true"], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var aliceHub = await admin.CreateUserAsync("alice");
        using var alice = new ClusterTestKit(hub.Address, aliceHub.Token);
        var before = await alice.SendAsync(HttpMethod.Get, "v1/clusters/");
        Assert.Empty(before.Body.EnumerateObject());
        string? refused = null, same = null;
        try
        {
            var output = await alice.RunPythonAsync(ClaimOtherDistributed + """
                try:
                    greyhub.new_cluster()
                    print("started")
                except greyhub.GatewayError as e:
                    print("refused", e)
                greyhub.client.client_versions = lambda: real
                cluster = greyhub.new_cluster(shutdown_on_close=False)
                print("same", cluster.name, cluster.report()["status"])
                """, TimeSpan.FromMinutes(2));
            Assert.DoesNotContain("started", output, StringComparison.Ordinal);
            Assert.Contains("refused", output, StringComparison.Ordinal);
            Assert.Contains("distributed: client 1999.1.0", Line(output, "refused "), StringComparison.Ordinal);
            Assert.Contains("refused by configuration", Line(output, "refused "), StringComparison.Ordinal);
            var parts = Line(output, "same ").Split(' ');
            same = parts[0];
            Assert.Equal("RUNNING", parts[1]);

            var (_, list) = await alice.SendAsync(HttpMethod.Get, "v1/clusters/");
            refused = list.EnumerateObject().Select(p => p.Name).Single(n => n != same);
            var failed = await alice.WaitEndedAsync(refused, TimeSpan.FromSeconds(30));
            Assert.Equal("FAILED", failed.GetProperty("status").GetString());
            Assert.Contains("distributed: client 1999.1.0", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await ClusterTestKit.AssertGoneAsync(refused);
        }
        finally
        {
            foreach (var name in new[] { refused, same }.OfType<string>())
            {
                await alice.SendAsync(HttpMethod.Delete, "v1/clusters/" + name);
                await ClusterCleanup.KillAllAsync(name);
            }
        }
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..].TrimEnd()
        ?? throw new Xunit.Sdk.XunitException($"no line starting '{prefix}' in:\n{output}");
}

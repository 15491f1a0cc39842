using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Host.Tests;

/// <summary>Configuration under Greyhub's sections that would not bind stops the start, saying which key and why.</summary>
public sealed partial class SettingsCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SettingsSchema Schema()
    {
        var services = new ServiceCollection();
        HubHost.AddBricks(services, engine: null);
        return SettingsSchema.FromServices(services);
    }

    private static IReadOnlyList<string> Problems(params (string Key, string? Value)[] settings) =>
        SettingsCheck.Problems(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build(), Schema());

    [Fact]
    public async Task A_typo_and_a_value_for_a_list_stop_the_hub_naming_key_file_and_fix()
    {
        var folder = Directory.CreateTempSubdirectory("greyhub-settings-").FullName;
        try
        {
            var file = Path.Combine(folder, "greyhub.json");
            File.WriteAllText(file, """
                { "Greyhub": { "Spawner": { "Enigne": "slurm" }, "Authenticator": { "AdminUsers": "alice" } },
                  "Logging": { "LogLevel": { "Default": "Warning" } } }
                """);
            var (code, _, stderr) = await GreyhubProcess.RunInAsync(folder, ["--urls", "http://127.0.0.1:0", "--Greyhub:Servers:PollIntervall=00:00:01"], cancellationToken: Ct);
            Assert.Equal(2, code);
            Assert.Contains($"Greyhub:Spawner:Enigne (in {file}) is not a setting; did you mean Greyhub:Spawner:Engine?", stderr, StringComparison.Ordinal);
            Assert.Contains($"Greyhub:Authenticator:AdminUsers (in {file}) is a list, but has the single value 'alice', which would be ignored", stderr, StringComparison.Ordinal);
            Assert.Contains("Greyhub:Servers:PollIntervall (command line) is not a setting; did you mean Greyhub:Servers:PollInterval?", stderr, StringComparison.Ordinal);
            Assert.Contains("3 problems; nothing was started", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
            Assert.Equal([file], Directory.EnumerateFileSystemEntries(folder));

            // The admin commands read the same configuration and refuse it the same way.
            (code, _, stderr) = await GreyhubProcess.RunInAsync(folder, ["users", "list"], cancellationToken: Ct);
            Assert.Equal(2, code);
            Assert.Contains("Greyhub:Spawner:Enigne", stderr, StringComparison.Ordinal);
            Assert.Equal([file], Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_greyhub_json_that_does_not_parse_is_one_clear_error()
    {
        var folder = Directory.CreateTempSubdirectory("greyhub-badjson-").FullName;
        try
        {
            var file = Path.Combine(folder, "greyhub.json");
            File.WriteAllText(file, """{ "Greyhub": { "DataDir": "x", }""");
            foreach (var command in new[] { new[] { "--urls", "http://127.0.0.1:0" }, ["users", "list"] })
            {
                var (code, _, stderr) = await GreyhubProcess.RunInAsync(folder, command, cancellationToken: Ct);
                Assert.Equal(2, code);
                Assert.StartsWith($"greyhub: Failed to load configuration from file '{file}'.", stderr, StringComparison.Ordinal);
                Assert.Contains("LineNumber", stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
            }
            // Commands that read no configuration still work.
            var help = await GreyhubProcess.RunInAsync(folder, ["--help"], cancellationToken: Ct);
            Assert.True(help.ExitCode == 0, help.StdErr);
            Assert.Equal([file], Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Keys_outside_greyhub_and_every_engine_s_settings_are_accepted()
    {
        Assert.Empty(Problems(
            ("urls", "http://127.0.0.1:0"),
            ("Logging:LogLevel:Default", "Warning"),
            ("Kestrel:Limits:MaxRequestBodySize", "1000"),
            ("AllowedHosts", "*"),
            ("CONFIGPROXY_AUTH_TOKEN", "x"),
            ("Greyhub:Spawner:Engine", "local"),
            // Another engine's settings may stay while the local one runs.
            ("Greyhub:Compute:Slurm:Partition", "gpu"),
            ("Greyhub:Compute:Slurm:Rest:Url", "http://127.0.0.1:6820"),
            ("Greyhub:Compute:Containers:Ulimits:nofile", "1024:1024"),
            ("Greyhub:Proxy:External:Command:0", "configurable-http-proxy"),
            ("Greyhub:Database:Provider", "sqlite"),
            ("greyhub:authenticator:allowall", "true"),
            ("Greyhub:Roles:0:Name", "r"),
            ("Greyhub:Roles:0:Scopes:0", "read:users"),
            ("Greyhub:CustomScopes:0:Name", "custom:a"),
            ("Greyhub:CustomScopes:0:Description", "d"),
            ("Greyhub:Spawner:Profiles:0:Labels:any.label", "v"),
            ("Greyhub:Authenticator:InitialAdmin:Name", "alice"),
            ("Greyhub:Spawner:TimeLimit", ""),
            ("Greyhub:Authenticator:AdminUsers", "")));
    }

    [Fact]
    public async Task Custom_scopes_from_configuration_reach_the_hub()
    {
        // JupyterHub's dictionary by name cannot bind (a key cannot hold the name's colons): a list with names can.
        Assert.Equal(
            ["Greyhub:CustomScopes is a list, numbered Greyhub:CustomScopes:0, Greyhub:CustomScopes:1, ... (in JSON an array [...]), not a map with the entry 'custom'."],
            Problems(("Greyhub:CustomScopes:custom:grades:read:Description", "d")));
        await using var hub = await GreyhubProcess.StartAsync(extraArgs:
        [
            "--Greyhub:CustomScopes:0:Name=custom:grades:read",
            "--Greyhub:CustomScopes:0:Description=read grades",
            "--Greyhub:Roles:0:Name=grader",
            "--Greyhub:Roles:0:Scopes:0=custom:grades:read",
            "--Greyhub:Roles:0:Users:0=bob",
        ], cancellationToken: Ct);
        using var admin = await JupyterClient.AdminAsync(hub);
        using var bob = await admin.CreateUserAsync("bob");
        using var token = await admin.Http.PostAsJsonAsync("hub/api/users/bob/tokens", new { scopes = new[] { "custom:grades:read" } }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, token.StatusCode);
        var scopes = (await token.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).ToList();
        // JupyterHub adds the owner's own name and groups to every token's scopes.
        Assert.Contains("custom:grades:read", scopes);
    }

    [Fact]
    public void Nested_keys_in_lists_and_maps_are_checked_too()
    {
        var problems = Problems(
            ("Greyhub:Roles:0:Nmae", "r"),
            ("Greyhub:Services:0:Admin", "maybe"),
            ("Greyhub:Spawner:Profiles:0:Cpulimit", "2"),
            ("Greyhub:Spawner:Profiles:0:Gpus:x", "1"),
            ("Greyhub:Compute:Slurm:Transport", "carrier-pigeon"),
            ("Greyhub:Proxy:External", "http://127.0.0.1:8001"));
        Assert.Contains("Greyhub:Roles:0:Nmae is not a setting; did you mean Greyhub:Roles:0:Name?", problems);
        Assert.Contains("Greyhub:Services:0:Admin is 'maybe', which is not true or false.", problems);
        Assert.DoesNotContain(problems, p => p.StartsWith("Greyhub:Spawner:Profiles:0:Cpulimit", StringComparison.Ordinal)); // keys match case-insensitively
        Assert.Contains(problems, p => p.StartsWith("Greyhub:Spawner:Profiles:0:Gpus takes a single value (a whole number), not the settings", StringComparison.Ordinal));
        Assert.Contains("Greyhub:Compute:Slurm:Transport is 'carrier-pigeon', which is not one of Cli, Rest.", problems);
        Assert.Contains(problems, p => p.StartsWith("Greyhub:Proxy:External is a section (", StringComparison.Ordinal));
        Assert.Equal(5, problems.Count);
    }

    [Fact]
    public async Task Every_options_type_the_hub_binds_is_known_to_the_check()
    {
        // The services of a real composition, captured before anything is built or created.
        IServiceCollection? services = null;
        await Assert.ThrowsAsync<OperationCanceledException>(() => HubHost.BuildAsync(["--Greyhub:Spawner:Engine=slurm"], builder =>
        {
            services = builder.Services;
            throw new OperationCanceledException("captured");
        }, Ct));
        var bound = SettingsSchema.BoundTypes(services!).ToList();
        Assert.Contains(typeof(Greyhub.Hub.HubOptions), bound);
        Assert.Contains(typeof(Greyhub.Compute.Slurm.SlurmEngineOptions), bound);
        var schema = Schema();
        foreach (var type in bound)
        {
            var section = (string)type.GetField("Section")!.GetRawConstantValue()!;
            Assert.True(Node(schema, section) is { Kind: SettingsKind.Section }, $"{type} at {section} is not in the schema");
        }
    }

    [Fact]
    public void Every_setting_the_documentation_shows_exists()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Greyhub.slnx")))
        {
            root = root.Parent!;
        }
        var pages = Directory.GetFiles(Path.Combine(root.FullName, "docs"), "*.md").Append(Path.Combine(root.FullName, "README.md")).ToList();
        var schema = Schema();
        var checkedBlocks = 0;
        var unknown = new List<string>();
        foreach (var page in pages)
        {
            var text = File.ReadAllText(page);
            foreach (Match block in JsonBlock().Matches(text))
            {
                JsonDocument json;
                try
                {
                    json = JsonDocument.Parse(block.Groups[1].Value);
                }
                catch (JsonException)
                {
                    continue; // a fragment (one setting's value), not a greyhub.json
                }
                using (json)
                {
                    if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("Greyhub", out _))
                    {
                        continue;
                    }
                }
                var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(block.Groups[1].Value))).Build();
                unknown.AddRange(SettingsCheck.Problems(configuration, schema).Select(p => $"{Path.GetFileName(page)}: {p}"));
                checkedBlocks++;
            }
            foreach (Match key in DocumentedKey().Matches(text))
            {
                var path = key.Value.Replace("__", ":", StringComparison.Ordinal).TrimEnd(':');
                // Lines showing the check's own messages spell keys wrong on purpose.
                var end = text.IndexOf('\n', key.Index);
                var line = text[(text.LastIndexOf('\n', key.Index) + 1)..(end < 0 ? text.Length : end)];
                if (line.Contains("did you mean", StringComparison.Ordinal) || line.Contains("a typo", StringComparison.Ordinal))
                {
                    continue;
                }
                if (Node(schema, path) is null)
                {
                    unknown.Add($"{Path.GetFileName(page)}: {key.Value}");
                }
            }
        }
        Assert.True(checkedBlocks >= 3, $"only {checkedBlocks} greyhub.json examples found");
        Assert.True(unknown.Count == 0, string.Join("\n", unknown));
    }

    /// <summary>The schema node at a configuration path (list indexes and map keys step into the entries), or null.</summary>
    private static SettingsSchema? Node(SettingsSchema schema, string path)
    {
        var node = schema;
        foreach (var key in path.Split(':'))
        {
            node = node.Kind switch
            {
                SettingsKind.Section => node.Properties.GetValueOrDefault(key),
                SettingsKind.List when int.TryParse(key, out _) => node.Element,
                SettingsKind.Map => node.Element,
                SettingsKind.Any => node,
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }
        return node;
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"\bGreyhub(:|__)[A-Za-z0-9_:]+")]
    private static partial Regex DocumentedKey();
}

using Greyhub.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>Plug-in engines are configured by name like any other setting: typos and incomplete entries stop the start, saying what to fix.</summary>
public sealed class PluginSettingsTests
{
    private static IReadOnlyList<string> Problems(params (string Key, string? Value)[] settings)
    {
        var services = new ServiceCollection();
        HubHost.AddBricks(services, engine: null);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build();
        return SettingsCheck.Problems(configuration, SettingsSchema.FromServices(services));
    }

    [Fact]
    public void A_plugins_keys_are_known_settings_and_a_typo_is_named()
    {
        Assert.Empty(Problems(
            ("Greyhub:Compute:Remote:vendor:Url", "http://127.0.0.1:9300/"),
            ("Greyhub:Compute:Remote:vendor:Secret", "s"),
            ("Greyhub:Compute:Remote:vendor:Timeout", "00:00:10"),
            ("Greyhub:Compute:Remote:managed:Command:0", "/usr/bin/python3"),
            ("Greyhub:Compute:Remote:managed:Environment:GREYHUB_ENGINE_JOBS", "/tmp/jobs")));
        var problems = Problems(("Greyhub:Compute:Remote:vendor:Ulr", "http://127.0.0.1:9300/"));
        Assert.Contains(problems, p => p.Contains("Greyhub:Compute:Remote:vendor:Ulr", StringComparison.Ordinal) && p.Contains("Url", StringComparison.Ordinal));
    }

    [Fact]
    public void An_incomplete_plugin_fails_validation_with_every_problem()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Greyhub:Compute:Remote:vendor:Url"] = "ftp://example/",
            ["Greyhub:Compute:Remote:vendor:Timeout"] = "00:00:00",
            ["Greyhub:Compute:Remote:empty:Retries"] = "1",
        }).Build());
        services.AddRemoteComputeEngine("vendor");
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RemoteEnginesOptions>>().Value);
        Assert.Contains("Greyhub:Compute:Remote:vendor:Url must be an absolute http or https address, not 'ftp://example/'.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Greyhub:Compute:Remote:vendor:Secret is required", StringComparison.Ordinal));
        Assert.Contains("Greyhub:Compute:Remote:vendor:Timeout must be positive.", error.Failures);
        Assert.Contains("Greyhub:Compute:Remote:empty: set Url (a running plug-in) or Command (a plug-in the hub starts).", error.Failures);
    }
}

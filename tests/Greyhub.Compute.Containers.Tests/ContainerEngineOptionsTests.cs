using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Greyhub.Compute.Containers.Tests;

/// <summary>Options, validation and registration: no container host needed.</summary>
public sealed class ContainerEngineOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(ContainerEngineOptionsValidator.Problems(new ContainerEngineOptions()));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new ContainerEngineOptions
        {
            Endpoint = "ftp://nowhere",
            InstanceId = "has space",
            DefaultImage = "",
            NetworkMode = ContainerNetworkMode.Host,
            Network = "bridge",
            ContainerPort = 0,
            PublishAddress = "localhost",
            Ulimits = new() { ["nofile"] = "9:1" },
            ExtraHosts = ["no-address"],
            RequestTimeout = TimeSpan.Zero,
        };
        var problems = ContainerEngineOptionsValidator.Problems(options).ToList();
        Assert.Equal(9, problems.Count);
        Assert.All(problems, p => Assert.StartsWith("Greyhub:Compute:Containers:", p, StringComparison.Ordinal));
        Assert.Throws<OptionsValidationException>(() => new ContainerEngine(options, null!, NullLogger.Instance));
    }

    [Theory]
    [InlineData("20000:20000", 20000L, 20000L)]
    [InlineData("1024", 1024L, 1024L)]
    [InlineData("10:20", 10L, 20L)]
    public void Ulimits_parse(string value, long soft, long hard) =>
        Assert.Equal((soft, hard), ContainerEngineOptionsValidator.ParseUlimit(value));

    [Fact]
    public void Registration_binds_configuration_and_fails_at_start_up_when_invalid()
    {
        using var good = Provider(new() { ["Greyhub:Compute:Containers:InstanceId"] = "hub-a", ["Greyhub:Compute:Containers:NetworkMode"] = "Host" });
        var engine = good.GetServices<IComputeEngine>().Single();
        Assert.Equal("containers", engine.Name);
        var options = good.GetRequiredService<IOptions<ContainerEngineOptions>>().Value;
        Assert.Equal(("hub-a", ContainerNetworkMode.Host), (options.InstanceId, options.NetworkMode));
        Assert.Equal("20000:20000", options.Ulimits["nofile"]);

        using var bad = Provider(new() { ["Greyhub:Compute:Containers:ContainerPort"] = "70000" });
        var startup = bad.GetRequiredService<IStartupValidator>();
        var failed = Assert.Throws<OptionsValidationException>(startup.Validate);
        Assert.Contains("ContainerPort 70000", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_asking_for_gpus_is_refused_with_a_clear_error()
    {
        var options = new ContainerEngineOptions();
        using var engine = new ContainerEngine(options, ContainerEngine.CreateClient(options), NullLogger.Instance);
        var spec = new JobSpec { Name = "gpu", Command = ["true"], Resources = new JobResources { Gpus = 1 } };
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => engine.LaunchAsync(spec, TestContext.Current.CancellationToken));
        Assert.Contains("no GPUs", refused.Message, StringComparison.Ordinal);
        var image = await Assert.ThrowsAsync<ArgumentException>(() => engine.LaunchAsync(spec with { Resources = new(), Image = "library/anything:latest" }, TestContext.Current.CancellationToken));
        Assert.Contains("not allowed", image.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddContainerComputeEngine();
        return services.BuildServiceProvider();
    }
}

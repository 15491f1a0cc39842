using Greyhub.Abstractions.Compute;
using Greyhub.Compute.Local;
using Greyhub.Compute.TestKit;
using Microsoft.Extensions.Options;

namespace Greyhub.Spawners.Engine.Tests;

/// <summary>The engine-backed spawner on the local engine passes the spawner conformance kit; plus its own rules.</summary>
public sealed class EngineSpawnerTests : SpawnerConformance
{
    private readonly string _root = Directory.CreateTempSubdirectory("greyhub-engine-spawner-").FullName;

    protected override ISpawner CreateSpawner(IReadOnlyList<string> command, IReadOnlyList<SpawnerProfileOptions> profiles) =>
        Create(new EngineSpawnerOptions
        {
            Command = [.. command],
            Profiles = [.. profiles],
            HomeDirectory = Path.Combine(_root, "home", "{username}"),
            StopGrace = TimeSpan.FromSeconds(5),
        });

    private EngineSpawner Create(EngineSpawnerOptions options) =>
        new(Options.Create(options), [new LocalProcessEngine(Options.Create(new LocalEngineOptions { JobsDirectory = Path.Combine(_root, "jobs") }), TimeProvider.System)], TimeProvider.System);

    [Fact]
    public async Task Each_user_runs_in_their_own_folder()
    {
        var echo = await EchoAsync(await StartAsync(CreateSpawner(EchoCommand, []), Request("gina")));
        Assert.Equal(Path.Combine(_root, "home", "gina"), echo.GetProperty("cwd").GetString());
        Assert.Equal(Path.Combine(_root, "home", "gina"), echo.GetProperty("HOME").GetString());
    }

    [Fact]
    public void An_unknown_engine_is_refused_with_the_names_of_the_known_ones()
    {
        var failure = Assert.Throws<InvalidOperationException>(() => Create(new EngineSpawnerOptions { Engine = "slurm" }));
        Assert.Contains("No compute engine named 'slurm'; available: local", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_reported_one_sentence_each()
    {
        var problems = new EngineSpawnerOptions
        {
            Command = [],
            StartTimeout = TimeSpan.Zero,
            Profiles = [new() { Name = "a b" }, new() { Name = "x" }, new() { Name = "x", Command = [""] }],
        }.Validate("S").ToList();
        Assert.Contains("S:Command must name a program.", problems);
        Assert.Contains("S:StartTimeout must be positive.", problems);
        Assert.Contains(problems, p => p.Contains("'a b' must be letters", StringComparison.Ordinal));
        Assert.Contains("S:Profiles: the name 'x' is used twice.", problems);
        Assert.Contains("S:Profiles:2:Command must name a program.", problems);
        Assert.Empty(new EngineSpawnerOptions().Validate("S"));
    }

    [Fact]
    public async Task A_profile_with_its_own_command_does_not_inherit_the_spawner_arguments()
    {
        var spawner = Create(new EngineSpawnerOptions
        {
            Command = ["/bin/false"],
            Args = ["--allow-root"],
            Profiles = [new() { Name = "echo", Command = [.. EchoCommand] }],
            HomeDirectory = Path.Combine(_root, "home", "{username}"),
        });
        var echo = await EchoAsync(await StartAsync(spawner, Request("hank", userOptions: spawner.ValidateUserOptions(null))));
        Assert.Equal("hank", echo.GetProperty("USER").GetString());
    }

    [Fact]
    public async Task The_profile_image_else_the_spawner_image_reaches_the_engine()
    {
        var local = new LocalProcessEngine(Options.Create(new LocalEngineOptions { JobsDirectory = Path.Combine(_root, "jobs") }), TimeProvider.System);
        var recording = new RecordingEngine(local);
        var spawner = new EngineSpawner(Options.Create(new EngineSpawnerOptions
        {
            Command = [.. EchoCommand],
            Image = "localhost/base:1",
            Profiles = [new() { Name = "plain" }, new() { Name = "gpu", Image = "localhost/gpu:1" }],
            HomeDirectory = Path.Combine(_root, "home", "{username}"),
        }), [recording], TimeProvider.System);
        await EchoAsync(await StartAsync(spawner, Request("ivy", userOptions: spawner.ValidateUserOptions(null))));
        await EchoAsync(await StartAsync(spawner, Request("ivy", "g", spawner.ValidateUserOptions(System.Text.Json.JsonDocument.Parse("{\"profile\":\"gpu\"}").RootElement))));
        Assert.Equal(["localhost/base:1", "localhost/gpu:1"], recording.Images);
    }

    [Fact]
    public async Task The_hubs_arguments_follow_the_configured_ones_unless_those_set_the_same_option()
    {
        var local = new LocalProcessEngine(Options.Create(new LocalEngineOptions { JobsDirectory = Path.Combine(_root, "jobs") }), TimeProvider.System);
        var recording = new RecordingEngine(local);
        var spawner = new EngineSpawner(Options.Create(new EngineSpawnerOptions
        {
            Command = [.. EchoCommand],
            Args = ["--allow-root"],
            Profiles = [new() { Name = "plain" }, new() { Name = "own", Args = ["--HubAuth.cache_max_age=60", "--debug"] }],
            HomeDirectory = Path.Combine(_root, "home", "{username}"),
        }), [recording], TimeProvider.System);
        string[] hubs = ["--HubAuth.cache_max_age=1", "--Other.flag=x"];
        await EchoAsync(await StartAsync(spawner, Request("jill", userOptions: spawner.ValidateUserOptions(null)) with { HubArguments = hubs }));
        await EchoAsync(await StartAsync(spawner, Request("jill", "o", spawner.ValidateUserOptions(System.Text.Json.JsonDocument.Parse("{\"profile\":\"own\"}").RootElement)) with { HubArguments = hubs }));
        // The engine runs the server's command behind a shell prelude of its own: the command is the end of what it launches.
        string[] plain = [.. EchoCommand, "--allow-root", "--HubAuth.cache_max_age=1", "--Other.flag=x"];
        string[] own = [.. EchoCommand, "--HubAuth.cache_max_age=60", "--debug", "--Other.flag=x"];
        Assert.Equal(plain, recording.Commands[0].TakeLast(plain.Length));
        Assert.Equal(own, recording.Commands[1].TakeLast(own.Length));
        Assert.Single(recording.Commands[1], a => a.StartsWith("--HubAuth.cache_max_age=", StringComparison.Ordinal));
    }

    /// <summary>An engine that records the image and command of each launch and runs it locally.</summary>
    private sealed class RecordingEngine(IComputeEngine inner) : IComputeEngine
    {
        public List<string?> Images { get; } = [];

        public List<IReadOnlyList<string>> Commands { get; } = [];

        public string Name => inner.Name;

        public Task<JobHandle> LaunchAsync(JobSpec spec, CancellationToken cancellationToken)
        {
            Images.Add(spec.Image);
            Commands.Add(spec.Command);
            return inner.LaunchAsync(spec, cancellationToken);
        }

        public Task<IReadOnlyList<JobStatus>> GetStatusAsync(IReadOnlyList<JobHandle> jobs, CancellationToken cancellationToken) => inner.GetStatusAsync(jobs, cancellationToken);

        public Task StopAsync(JobHandle job, TimeSpan grace, CancellationToken cancellationToken) => inner.StopAsync(job, grace, cancellationToken);

        public Task<string> ReadLogAsync(JobHandle job, int maxBytes, CancellationToken cancellationToken) => inner.ReadLogAsync(job, maxBytes, cancellationToken);
    }
}

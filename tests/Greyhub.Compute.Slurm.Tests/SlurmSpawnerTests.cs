using Greyhub.Abstractions.Compute;
using Greyhub.Compute.TestKit;
using Greyhub.Spawners.Engine;
using Microsoft.Extensions.Options;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>Jupyter servers as Slurm jobs: the engine spawner over the Slurm engine passes the spawner conformance kit.</summary>
public sealed class SlurmSpawnerTests : SpawnerConformance
{
    private readonly string _home = Directory.CreateTempSubdirectory("greyhub-slurm-home-").FullName;

    protected override ISpawner CreateSpawner(IReadOnlyList<string> command, IReadOnlyList<SpawnerProfileOptions> profiles) =>
        new EngineSpawner(
            Options.Create(new EngineSpawnerOptions
            {
                Engine = "slurm",
                Command = [.. command],
                Profiles = [.. profiles],
                HomeDirectory = Path.Combine(_home, "{username}"),
                StopGrace = TimeSpan.FromSeconds(5),
            }),
            [SlurmCluster.Engine(SlurmTransport.Cli)],
            TimeProvider.System);
}

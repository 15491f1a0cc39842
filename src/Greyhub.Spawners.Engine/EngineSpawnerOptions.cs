using Greyhub.Abstractions.Compute;

namespace Greyhub.Spawners.Engine;

/// <summary>Options of the engine-backed spawner (<c>Greyhub:Spawner</c>).</summary>
public sealed class EngineSpawnerOptions : SpawnerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Spawner";

    /// <summary>The compute engine that runs servers, by name (e.g. <c>local</c>).</summary>
    public string Engine { get; set; } = "local";

    /// <summary>Grace between asking a server to stop and forcing it.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public override IEnumerable<string> Validate(string section)
    {
        foreach (var problem in base.Validate(section))
        {
            yield return problem;
        }
        if (StopGrace < TimeSpan.Zero)
        {
            yield return $"{section}:StopGrace must not be negative.";
        }
    }
}

using Greyhub.Abstractions.Compute;

namespace Greyhub.Spawners.Engine;

/// <summary>Options of the engine-backed spawner (<c>Greyhub:Spawner</c>).</summary>
public sealed class EngineSpawnerOptions : SpawnerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Spawner";

    /// <summary>The compute engine that runs servers, by name (e.g. <c>local</c>).</summary>
    public string Engine { get; set; } = "local";

    /// <summary>
    /// When set, servers are started by this plug-in's spawner instead of an engine: a plug-in configured under
    /// <c>Greyhub:Compute:Remote:&lt;name&gt;</c> that serves the protocol's spawner calls, such as the JupyterHub
    /// bridge hosting a JupyterHub <c>Spawner</c> class (docs/plugins.md). <see cref="Engine"/> still runs clusters.
    /// </summary>
    public string? Plugin { get; set; }

    /// <summary>
    /// The web UI servers open: <c>auto</c> finds out from the command's Python on an engine that runs servers on this
    /// machine (JupyterLab, else the Notebook, else Jupyter Server's own page); <c>lab</c>, <c>notebook</c> (7),
    /// <c>classic</c> (Notebook 6), <c>server</c> fix one; <c>none</c> leaves the single-user server's default. A
    /// <see cref="SpawnerOptions.DefaultUrl"/> or <c>JUPYTERHUB_SINGLEUSER_APP</c> in an environment wins over it.
    /// </summary>
    public string Ui { get; set; } = ServerUis.Auto;

    /// <summary>Grace between asking a server to stop and forcing it.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public override IEnumerable<string> Validate(string section)
    {
        foreach (var problem in base.Validate(section))
        {
            yield return problem;
        }
        if (!ServerUis.IsValid(Ui))
        {
            yield return $"{section}:Ui '{Ui}' is unknown; choose one of: {string.Join(", ", ServerUis.Names)}";
        }
        if (StopGrace < TimeSpan.Zero)
        {
            yield return $"{section}:StopGrace must not be negative.";
        }
    }
}

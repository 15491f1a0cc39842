namespace Greyhub.Abstractions.Compute;

/// <summary>
/// What a spawner runs and how (JupyterHub's <c>Spawner.cmd</c>, <c>args</c>, <c>environment</c>, <c>env_keep</c>,
/// <c>start_timeout</c>, limits), plus named profiles a user picks from. Lists default to null, not to a value,
/// because configuration binding appends to a list that already has items.
/// </summary>
public class SpawnerOptions
{
    /// <summary>The server command; <c>jupyterhub-singleuser</c> when unset.</summary>
    public List<string>? Command { get; set; }

    /// <summary>Extra arguments after the command (e.g. <c>--allow-root</c>).</summary>
    public List<string>? Args { get; set; }

    /// <summary>Environment given to every server; overrides the hub's variables.</summary>
    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>Variables copied from the hub's own environment; the JupyterHub list when unset.</summary>
    public List<string>? EnvKeep { get; set; }

    /// <summary>Each user's working folder; <c>{username}</c> and <c>{servername}</c> are replaced. Empty: the engine's default.</summary>
    public string HomeDirectory { get; set; } = "";

    /// <summary>Longest time from start to running (JupyterHub's <c>start_timeout</c>).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Page a server opens on (<c>JUPYTERHUB_DEFAULT_URL</c>), e.g. <c>/lab</c>.</summary>
    public string? DefaultUrl { get; set; }

    /// <summary>Ask servers to log at debug level (<c>JUPYTERHUB_DEBUG</c>).</summary>
    public bool Debug { get; set; }

    /// <summary>Container image of the servers, for engines that run images; null: the engine's default image.</summary>
    public string? Image { get; set; }

    /// <summary>CPU cores a server may use; null: no limit.</summary>
    public double? CpuLimit { get; set; }

    /// <summary>Memory a server may use, in bytes; null: no limit.</summary>
    public long? MemoryLimit { get; set; }

    /// <summary>GPUs a server gets, for engines that schedule them (Slurm's <c>--gres=gpu:N</c>); null: none asked.</summary>
    public int? Gpus { get; set; }

    /// <summary>Wall-clock limit of a server, for engines that enforce one (Slurm's <c>--time</c>); null: the engine's default.</summary>
    public TimeSpan? TimeLimit { get; set; }

    /// <summary>
    /// Labels added to every server's job, read by the engine (e.g. <c>greyhub.slurm.directives</c>: extra
    /// <c>#SBATCH</c> directives, one per line). Greyhub's own labels (<c>greyhub.kind</c>, <c>greyhub.user</c>,
    /// <c>greyhub.server</c>) cannot be set.
    /// </summary>
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>Named choices; the first is the default. Empty: one implicit profile from the settings above.</summary>
    public List<SpawnerProfileOptions> Profiles { get; set; } = [];

    /// <summary>Labels the spawner sets itself on every job.</summary>
    public static IReadOnlyList<string> ReservedLabels { get; } = ["greyhub.kind", "greyhub.user", "greyhub.server"];

    private static IEnumerable<string> ValidateJobSettings(string section, int? gpus, TimeSpan? timeLimit, Dictionary<string, string> labels)
    {
        if (gpus is < 0)
        {
            yield return $"{section}:Gpus must not be negative.";
        }
        if (timeLimit is { } limit && limit <= TimeSpan.Zero)
        {
            yield return $"{section}:TimeLimit must be positive when set.";
        }
        foreach (var reserved in labels.Keys.Where(ReservedLabels.Contains))
        {
            yield return $"{section}:Labels:{reserved} is set by Greyhub itself.";
        }
    }

    /// <summary>JupyterHub's default <c>env_keep</c>.</summary>
    public static IReadOnlyList<string> DefaultEnvKeep { get; } =
        ["PATH", "PYTHONPATH", "CONDA_ROOT", "CONDA_DEFAULT_ENV", "VIRTUAL_ENV", "LANG", "LC_ALL", "JUPYTERHUB_SINGLEUSER_APP"];

    /// <summary>Problems with these options, as sentences; empty when valid.</summary>
    public virtual IEnumerable<string> Validate(string section)
    {
        if (Command is { Count: 0 } || Command?.Any(string.IsNullOrWhiteSpace) == true)
        {
            yield return $"{section}:Command must name a program.";
        }
        if (StartTimeout <= TimeSpan.Zero)
        {
            yield return $"{section}:StartTimeout must be positive.";
        }
        if (CpuLimit is <= 0 || MemoryLimit is <= 0)
        {
            yield return $"{section}: CpuLimit and MemoryLimit must be positive when set.";
        }
        foreach (var problem in ValidateJobSettings(section, Gpus, TimeLimit, Labels))
        {
            yield return problem;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Profiles.Count; i++)
        {
            var profile = Profiles[i];
            if (string.IsNullOrEmpty(profile.Name) || !profile.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                yield return $"{section}:Profiles:{i}:Name '{profile.Name}' must be letters, digits, '-', '_' or '.'.";
            }
            else if (!seen.Add(profile.Name))
            {
                yield return $"{section}:Profiles: the name '{profile.Name}' is used twice.";
            }
            if (profile.Command is { Count: 0 } || profile.Command?.Any(string.IsNullOrWhiteSpace) == true)
            {
                yield return $"{section}:Profiles:{i}:Command must name a program.";
            }
            foreach (var problem in ValidateJobSettings($"{section}:Profiles:{i}", profile.Gpus, profile.TimeLimit, profile.Labels))
            {
                yield return problem;
            }
        }
    }
}

/// <summary>A named profile: its settings override the spawner's.</summary>
public sealed class SpawnerProfileOptions
{
    /// <summary>Identifier used in <c>user_options</c> (<c>{"profile": NAME}</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>Title on the spawn page; the name when empty.</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>One line on the spawn page.</summary>
    public string Description { get; set; } = "";

    /// <summary>Command replacing the spawner's.</summary>
    public List<string>? Command { get; set; }

    /// <summary>Arguments replacing the spawner's.</summary>
    public List<string>? Args { get; set; }

    /// <summary>Environment added over the spawner's (e.g. <c>JUPYTERHUB_SINGLEUSER_APP</c> for the classic Notebook UI).</summary>
    public Dictionary<string, string> Environment { get; set; } = [];

    /// <summary>Container image; the spawner's when null (engines without images ignore it).</summary>
    public string? Image { get; set; }

    /// <summary>CPU cores; the spawner's when null.</summary>
    public double? CpuLimit { get; set; }

    /// <summary>Memory in bytes; the spawner's when null.</summary>
    public long? MemoryLimit { get; set; }

    /// <summary>GPUs; the spawner's when null.</summary>
    public int? Gpus { get; set; }

    /// <summary>Wall-clock limit; the spawner's when null.</summary>
    public TimeSpan? TimeLimit { get; set; }

    /// <summary>Labels added over the spawner's (e.g. <c>greyhub.slurm.directives</c> for this profile's partition or QoS).</summary>
    public Dictionary<string, string> Labels { get; set; } = [];
}

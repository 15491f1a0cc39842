using System.Collections.Concurrent;
using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Logging;

namespace Greyhub.Spawners.Engine;

/// <summary>
/// A server's command, checked where it will run. On an engine whose jobs run on this machine, a missing program is
/// reported at start-up and fails a start at once with an install hint (instead of a job that exits with 127), and with
/// <c>Ui=auto</c> the command's Python tells which web UI to open (<see cref="ServerUis.Choose"/>). Elsewhere only a
/// fixed <c>Ui</c> applies: a Slurm node or a container image may hold other packages than the hub's machine.
/// Explicit configuration (<c>DefaultUrl</c>, or <c>JUPYTERHUB_SINGLEUSER_APP</c>/<c>JUPYTERHUB_DEFAULT_URL</c> in an
/// environment) always wins over both.
/// </summary>
internal sealed class ServerCommandCheck(IComputeEngine engine, EngineSpawnerOptions options, ILogger logger)
{
    private const string SingleUser = "jupyterhub-singleuser";
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    // Variables that change what a Python imports: one probe per distinct set, not per user.
    private static readonly string[] PythonVariables =
        ["PATH", "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE", "VIRTUAL_ENV", "CONDA_PREFIX"];

    // What a program's Python has is a fact about this machine, so it is known process-wide: hubs built again and again
    // in one process (tests, the admin commands) start one Python per program and setting, not one each.
    private static readonly ConcurrentDictionary<string, Lazy<Task<ServerUi?>>> Detected = new(StringComparer.Ordinal);

    /// <summary>
    /// The variables that make the plan's server open its UI. Throws <see cref="SpawnFailedException"/> when its
    /// program is missing on this machine (engines that run jobs here only).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> PrepareAsync(SpawnPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        string? program = null;
        if (engine.RunsLocally)
        {
            program = Find(plan) ?? throw new SpawnFailedException(
                $"The server's program {plan.Command[0]} is not installed on the hub's machine (it is not on the servers' PATH). {Hint(plan.Command[0])}");
        }
        return ServerUis.Variables(await ChooseAsync(plan, program, cancellationToken));
    }

    /// <summary>Checks each way a server may be started (the spawner's command, or each profile) and logs what it found.</summary>
    public async Task CheckAtStartAsync(IReadOnlyList<SpawnPlan> plans, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plans);
        if (!engine.RunsLocally)
        {
            if (ServerUis.Fixed(options.Ui) is null && plans.Any(p => !Explicit(p)))
            {
                SpawnerLog.UiNotDetected(logger, engine.Name);
            }
            return;
        }
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            if (Find(plan) is { } program)
            {
                await ChooseAsync(plan, program, cancellationToken);
            }
            else if (reported.Add(Key(plan.Command[0], plan.Environment)))
            {
                SpawnerLog.CommandMissing(logger, plan.Profile is null ? "Servers" : $"Servers of profile '{plan.Profile}'",
                    plan.Command[0], Variable(plan, "PATH") ?? ProgramLookup.DefaultPath, Hint(plan.Command[0]));
            }
        }
    }

    private async Task<ServerUi> ChooseAsync(SpawnPlan plan, string? program, CancellationToken cancellationToken)
    {
        if (Explicit(plan))
        {
            return ServerUi.None;
        }
        if (ServerUis.Fixed(options.Ui) is { } ui)
        {
            return ui;
        }
        // Another program (a wrapper, `jupyter labhub`) is its owner's to configure: only JupyterHub's own is read.
        return program is not null && Path.GetFileName(plan.Command[0]) == SingleUser
            ? await DetectAsync(program, plan.Environment, cancellationToken)
            : ServerUi.None;
    }

    private async Task<ServerUi> DetectAsync(string program, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        // One probe per program and Python setting, shared: twenty users pressing Start together start one Python.
        var key = Key(program, environment);
        var probe = Detected.GetOrAdd(key, _ => new Lazy<Task<ServerUi?>>(() => ProbeAsync(program, environment)));
        if (await probe.Value.WaitAsync(cancellationToken) is { } ui)
        {
            return ui;
        }
        // A failed probe is not remembered: the next start asks again.
        Detected.TryRemove(KeyValuePair.Create(key, probe));
        return ServerUi.None;
    }

    private async Task<ServerUi?> ProbeAsync(string program, IReadOnlyDictionary<string, string> environment)
    {
        JupyterInstall? install;
        try
        {
            install = await JupyterProbe.ProbeAsync(program, environment, ProbeTimeout, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Shared by every start waiting on it: whatever went wrong becomes a log line, never their failure.
            SpawnerLog.ProbeFailed(logger, program, ex.Message);
            return null;
        }
        if (install is null)
        {
            SpawnerLog.NotPython(logger, program);
            return ServerUi.None;
        }
        var ui = ServerUis.Choose(install);
        var packages = install.Summary();
        if (ui == ServerUi.None)
        {
            SpawnerLog.NoApplication(logger, program, packages);
        }
        else
        {
            var described = ServerUis.Describe(ui);
            SpawnerLog.UiDetected(logger, program, packages, described);
        }
        return ui;
    }

    private static bool Explicit(SpawnPlan plan) =>
        plan.Environment.ContainsKey(ServerUis.AppVariable) || plan.Environment.ContainsKey(ServerUis.DefaultUrlVariable);

    private static string? Find(SpawnPlan plan) => ProgramLookup.Find(plan.Command[0], Variable(plan, "PATH"), plan.WorkingDirectory);

    private static string? Variable(SpawnPlan plan, string name) => plan.Environment.TryGetValue(name, out var value) ? value : null;

    private static string Key(string program, IReadOnlyDictionary<string, string> environment) =>
        string.Join('\0', PythonVariables.Select(v => environment.TryGetValue(v, out var value) ? value : "").Prepend(program));

    private static string Hint(string command) => Path.GetFileName(command) == SingleUser
        ? "Install it: apt-get install jupyterhub on Debian (or pip install jupyterhub notebook into the Python on that PATH), or set Greyhub:Spawner:Command to where it is."
        : "Install it, or correct Greyhub:Spawner:Command (or the profile's Command).";
}

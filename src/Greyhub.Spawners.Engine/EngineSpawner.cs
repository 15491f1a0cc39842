using System.Globalization;
using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Greyhub.Spawners.Engine;

/// <summary>
/// Runs each server as a job on a compute engine. The engine picks the port; a one-line shell prelude turns it into
/// <c>JUPYTERHUB_SERVICE_URL</c>, which is how the single-user server learns where to bind (JupyterHub passes no
/// port argument). The state is the engine's job handle, so any engine that can re-attach makes servers survive a
/// hub restart. Before launching, <see cref="ServerCommandCheck"/> checks the command where it can and picks the web
/// UI the server opens.
/// </summary>
public sealed class EngineSpawner : SpawnerBase
{
    private const string HostVariableName = "GREYHUB_SERVER_HOST";
    private const string PortVariableName = "GREYHUB_SERVER_PORT";
    private const string Prelude = "export JUPYTERHUB_SERVICE_URL=\"http://${GREYHUB_SERVER_HOST}:${GREYHUB_SERVER_PORT}${JUPYTERHUB_SERVICE_PREFIX}\"; exec \"$@\"";
    private static readonly TimeSpan PendingPoll = TimeSpan.FromMilliseconds(100);
    private readonly IComputeEngine _engine;
    private readonly EngineSpawnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ServerCommandCheck _check;

    /// <summary>Creates the spawner over the configured engine.</summary>
    public EngineSpawner(IOptions<EngineSpawnerOptions> options, IEnumerable<IComputeEngine> engines, TimeProvider time, ILogger<EngineSpawner>? logger = null)
        : base(options?.Value ?? throw new ArgumentNullException(nameof(options)))
    {
        _options = options.Value;
        var all = engines.ToList();
        _engine = all.FirstOrDefault(e => e.Name == _options.Engine)
            ?? throw new InvalidOperationException($"No compute engine named '{_options.Engine}'; available: {string.Join(", ", all.Select(e => e.Name))}");
        _time = time;
        _check = new ServerCommandCheck(_engine, _options, (ILogger?)logger ?? NullLogger.Instance);
    }

    /// <inheritdoc />
    public override string Name => "engine";

    /// <summary>Where jobs bind and are reached when the engine does not say.</summary>
    public string BindHost { get; init; } = "127.0.0.1";

    /// <inheritdoc />
    protected override async Task<SpawnedServer> StartCoreAsync(SpawnPlan plan, ISpawnContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(context);
        var request = plan.Request;
        var ui = await _check.PrepareAsync(plan, cancellationToken);
        // The engine says where to bind (loopback here, all interfaces in a container); this is only the fallback.
        var env = new Dictionary<string, string>(plan.Environment, StringComparer.Ordinal) { [HostVariableName] = BindHost };
        foreach (var (key, value) in ui)
        {
            env[key] = value;
        }
        var name = request.ServerName.Length == 0 ? $"jupyter-{request.UserName}" : $"jupyter-{request.UserName}-{request.ServerName}";
        var spec = new JobSpec
        {
            Name = name,
            Command = ["/bin/sh", "-c", Prelude, "greyhub-server", .. plan.Command],
            Image = plan.Image,
            Environment = env,
            WorkingDirectory = plan.WorkingDirectory,
            Resources = plan.Resources,
            PortVariable = PortVariableName,
            HostVariable = HostVariableName,
            Labels = new Dictionary<string, string>(plan.Labels, StringComparer.Ordinal)
            {
                ["greyhub.kind"] = "server",
                ["greyhub.user"] = request.UserName,
                ["greyhub.server"] = request.ServerName,
            },
        };
        context.Report(10, "Launching the server on the " + _engine.Name + " engine");
        var job = await _engine.LaunchAsync(spec, cancellationToken);
        var state = JobHandleJson.Write(job);
        await context.SaveStateAsync(state, cancellationToken);
        string? lastReason = null;
        while (true)
        {
            var status = (await _engine.GetStatusAsync([job], cancellationToken))[0];
            switch (status.Phase)
            {
                case JobPhase.Running when status.Port is { } port:
                    var host = status.Host ?? BindHost;
                    context.Report(50, "Server process running; waiting for it to answer");
                    return new SpawnedServer(new Uri($"http://{host}:{port.ToString(CultureInfo.InvariantCulture)}{request.ServicePrefix}"), state);
                case JobPhase.Exited:
                    var log = await _engine.ReadLogAsync(job, 4000, CancellationToken.None);
                    throw new SpawnFailedException(
                        status.ExitCode is { } code ? $"The server exited at once with code {code}" : $"The server ended: {status.Reason ?? "unknown reason"}", log);
                case JobPhase.Pending when status.Reason is { } reason && reason != lastReason:
                    lastReason = reason;
                    context.Report(20, reason);
                    break;
            }
            await Task.Delay(PendingPoll, _time, cancellationToken);
        }
    }

    /// <summary>
    /// Checks, before any user asks, each way a server may start (each profile, or the spawner's own command): the log
    /// says at start-up when a program is missing and which UI servers will open.
    /// </summary>
    public Task CheckAsync(CancellationToken cancellationToken)
    {
        var profiles = Profiles.Count == 0 ? [null] : Profiles.Select(p => (string?)p.Name).ToArray();
        var plans = profiles.Select(profile => Plan(new SpawnRequest
        {
            UserName = "greyhub-check",
            ServicePrefix = "/",
            HubEnvironment = new Dictionary<string, string>(),
            UserOptions = profile is null ? "{}" : System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["profile"] = profile }),
        })).ToList();
        return _check.CheckAtStartAsync(plans, cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<SpawnerStatus>> PollAsync(IReadOnlyList<string> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        var handles = states.Select(JobHandleJson.Read).ToList();
        var known = handles.Where(h => h is not null).Select(h => h!).ToList();
        var statuses = known.Count == 0 ? [] : await _engine.GetStatusAsync(known, cancellationToken);
        var result = new List<SpawnerStatus>(states.Count);
        var next = 0;
        foreach (var handle in handles)
        {
            if (handle is null)
            {
                result.Add(new SpawnerStatus(false, Reason: "no saved state"));
                continue;
            }
            var status = statuses[next++];
            result.Add(status.Phase switch
            {
                JobPhase.Exited => new SpawnerStatus(false, ExitCode: status.ExitCode, Reason: status.Reason),
                _ => new SpawnerStatus(true, Reason: status.Reason),
            });
        }
        return result;
    }

    /// <inheritdoc />
    public override Task StopAsync(string state, CancellationToken cancellationToken) =>
        JobHandleJson.Read(state) is { } job ? _engine.StopAsync(job, _options.StopGrace, cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public override Task<string> ReadLogAsync(string state, int maxBytes, CancellationToken cancellationToken) =>
        JobHandleJson.Read(state) is { } job ? _engine.ReadLogAsync(job, maxBytes, cancellationToken) : Task.FromResult("");
}

using System.Collections.Concurrent;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Background;
using Greyhub.Processes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Services;

/// <summary>
/// Runs the services that have a command (JupyterHub's managed services) with the hub: started once the hub listens
/// (they are told its address), each watched and restarted by its <see cref="ManagedService"/>, all stopped when the hub
/// stops. A service an earlier hub left running (it was killed) is ended first, so its port is free.
/// </summary>
internal sealed class ManagedServices(
    ServiceCatalog catalog,
    ServiceSecrets secrets,
    ServiceEnvironment environment,
    IOptions<HubOptions> options,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedLifecycleService, IServiceProcesses, IDisposable
{
    private readonly ConcurrentDictionary<string, ManagedService> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly ILogger _logger = loggers.CreateLogger<ManagedServices>();

    /// <inheritdoc />
    public int? PidOf(string name) => _running.TryGetValue(name, out var service) ? service.Pid : null;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => ThreadPoolHop.RunAsync(async () =>
    {
        var folder = Path.Combine(options.Value.DataDir, "services");
        Directory.CreateDirectory(folder);
        foreach (var service in catalog.All.Where(s => s.IsManaged))
        {
            var pidFile = Path.Combine(folder, service.Name + ".pid");
            if (await ManagedService.EndLeftoverAsync(pidFile, options.Value.ServiceRestart.StopGrace, time) is { } leftover)
            {
                ServicesLog.LeftoverEnded(_logger, service.Name, leftover);
            }
            if (await LaunchOfAsync(service, cancellationToken) is not { } launch)
            {
                continue;
            }
            var managed = new ManagedService(launch, pidFile, options.Value.ServiceRestart, time, loggers.CreateLogger("Greyhub.Services." + service.Name));
            _running[service.Name] = managed;
            _loops.Add(managed.RunAsync(_stopping.Token));
        }
    });

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops every service (a clean hub shutdown; a hub killed hard leaves them to the next hub).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_loops);
        await Task.WhenAll(_running.Values.Select(s => s.StopAsync()));
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    /// <summary>How to start <paramref name="service"/>: as another user through <c>setpriv</c> when it names one (the hub must be root).</summary>
    private async Task<ServiceLaunch?> LaunchOfAsync(ServiceDefinition service, CancellationToken cancellationToken)
    {
        var token = secrets.Find(service.Name);
        if (token is null)
        {
            ServicesLog.StartFailed(_logger, service.Name, "it has no API token");
            return null;
        }
        SystemUser? user = null;
        List<string> arguments = [];
        if (service.User is { } userName)
        {
            user = await SystemUser.FindAsync(userName, cancellationToken);
            if (user is null)
            {
                ServicesLog.StartFailed(_logger, service.Name, $"there is no system user '{userName}'");
                return null;
            }
            if (LinuxProcess.IsRoot && user.Uid != 0)
            {
                arguments.AddRange(["setpriv", $"--reuid={user.Uid}", $"--regid={user.Gid}", "--init-groups", "--"]);
            }
            else if (!LinuxProcess.IsRoot && user.Name != Environment.UserName)
            {
                ServicesLog.StartFailed(_logger, service.Name, $"running it as '{userName}' needs the hub to run as root");
                return null;
            }
        }
        arguments.AddRange(service.Command);
        return new ServiceLaunch(service.Name, arguments, environment.For(service, token, user), service.Cwd ?? Environment.CurrentDirectory);
    }
}

using Greyhub.Abstractions.Compute;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>Checks <see cref="ClustersOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class ClustersOptionsValidator(IEnumerable<IComputeEngine> engines) : IValidateOptions<ClustersOptions>
{
    public ValidateOptionsResult Validate(string? name, ClustersOptions options)
    {
        var failures = new List<string>();
        var known = engines.Select(e => e.Name).ToList();
        if (options.Engine.Length == 0)
        {
            failures.Add($"{ClustersOptions.Section}:Engine is not set and there is no server engine to follow; set it to one of: {string.Join(", ", known)}");
        }
        else if (!known.Contains(options.Engine))
        {
            failures.Add($"{ClustersOptions.Section}:Engine '{options.Engine}' is not a registered engine; choose one of: {string.Join(", ", known)}");
        }
        Positive(failures, nameof(options.HeartbeatPeriod), options.HeartbeatPeriod);
        Positive(failures, nameof(options.StartTimeout), options.StartTimeout);
        Positive(failures, nameof(options.ReconcilePeriod), options.ReconcilePeriod);
        Positive(failures, nameof(options.AdaptivePeriod), options.AdaptivePeriod);
        if (options.HeartbeatTimeout <= options.HeartbeatPeriod)
        {
            failures.Add($"{ClustersOptions.Section}:HeartbeatTimeout must be longer than HeartbeatPeriod ({options.HeartbeatPeriod})");
        }
        if (options.IdleTimeout < TimeSpan.Zero || options.ClientTimeout < TimeSpan.Zero)
        {
            failures.Add($"{ClustersOptions.Section}:IdleTimeout and ClientTimeout must not be negative (zero turns them off)");
        }
        if (options.WorkerStartFailureLimit < 1)
        {
            failures.Add($"{ClustersOptions.Section}:WorkerStartFailureLimit must be at least 1");
        }
        if (options.MaxClustersPerUser < 1)
        {
            failures.Add($"{ClustersOptions.Section}:MaxClustersPerUser must be at least 1");
        }
        if (options.SchedulerCommand.Length == 0 || options.WorkerCommand.Length == 0)
        {
            failures.Add($"{ClustersOptions.Section}:SchedulerCommand and WorkerCommand must name programs");
        }
        Profile(failures, "Defaults", options.Defaults);
        foreach (var (group, profile) in options.Groups)
        {
            Profile(failures, "Groups:" + group, profile);
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{ClustersOptions.Section}:{key} must be positive");
        }
    }

    private static void Profile(List<string> failures, string key, ClusterProfile p)
    {
        var at = $"{ClustersOptions.Section}:{key}";
        if (p.WorkerCores <= 0 || p.MaxWorkerCores < p.WorkerCores)
        {
            failures.Add($"{at}: WorkerCores must be positive and at most MaxWorkerCores");
        }
        if (p.WorkerMemoryGiB <= 0 || p.MaxWorkerMemoryGiB < p.WorkerMemoryGiB)
        {
            failures.Add($"{at}: WorkerMemoryGiB must be positive and at most MaxWorkerMemoryGiB");
        }
        if (p.MaxWorkers < 1)
        {
            failures.Add($"{at}: MaxWorkers must be at least 1");
        }
    }
}

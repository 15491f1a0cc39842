namespace Greyhub.Abstractions.Hosting;

/// <summary>The services added with <c>AddHostedServiceAfterStart</c>: tests wait for their starts as they waited for the host's.</summary>
public sealed class HostedServicesAfterStart
{
    private readonly List<Task> _starts = [];

    /// <summary>Completes when every deferred service has started (or failed to, or the host stopped first).</summary>
    public Task AllStarted
    {
        get
        {
            lock (_starts)
            {
                return Task.WhenAll(_starts);
            }
        }
    }

    internal void Add(Task started)
    {
        lock (_starts)
        {
            _starts.Add(started);
        }
    }
}

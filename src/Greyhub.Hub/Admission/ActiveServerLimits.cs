using Greyhub.Data;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Admission;

/// <summary>
/// JupyterHub's <c>active_server_limit</c>, globally and per group: a server counts from the moment its start is
/// accepted (waiting in line included) until it is stopped. Checks and the pending write that follows run one at a
/// time while a limit is set, so two starts never both take the last place.
/// </summary>
internal sealed class ActiveServerLimits(ScopedRunner scoped, IOptions<HubOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ServersOptions _options = options.Value.Servers;

    /// <summary>Whether any limit is set (no limit: no query, no serialisation).</summary>
    public bool Any => _options.ActiveServerLimit > 0 || _options.ActiveServerLimitPerGroup.Values.Any(v => v > 0);

    /// <summary>
    /// Runs <paramref name="accept"/> (the pending write) when <paramref name="user"/> may have one more active server;
    /// otherwise throws JupyterHub's 429 as a <see cref="HubException"/>.
    /// </summary>
    public async Task<T> AcceptAsync<T>(UserRecord user, Func<Task<T>> accept, CancellationToken cancellationToken)
    {
        if (!Any)
        {
            return await accept();
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var full = await scoped.RunAsync((ServerStore servers) => FullAsync(servers, user, cancellationToken));
            if (full is not null)
            {
                throw HubException.TooManyRequests(full);
            }
            return await accept();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string?> FullAsync(ServerStore servers, UserRecord user, CancellationToken cancellationToken)
    {
        if (_options.ActiveServerLimit > 0 && await servers.CountActiveAsync(null, cancellationToken) >= _options.ActiveServerLimit)
        {
            // JupyterHub's words for its active_server_limit.
            return "Active user limit exceeded. Try again in a few minutes.";
        }
        foreach (var group in user.Groups)
        {
            if (_options.ActiveServerLimitPerGroup.TryGetValue(group, out var limit) && limit > 0
                && await servers.CountActiveAsync(group, cancellationToken) >= limit)
            {
                return $"Active server limit of group {group} exceeded. Try again in a few minutes.";
            }
        }
        return null;
    }

    public void Dispose() => _gate.Dispose();
}

using System.Globalization;
using Greyhub.Data;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Admission;

/// <summary>
/// Whether and when a start may run: the active-server limits at request time, then a slot in the
/// <see cref="SpawnLine"/> (waiting in line, or JupyterHub's 429 with <c>Retry-After</c> in
/// <see cref="SpawnLimitMode.Reject"/>), and the record of how long starts hold their slot for the line's estimate.
/// </summary>
internal sealed class SpawnAdmission(SpawnLine line, SpawnEstimate estimate, ActiveServerLimits limits, IOptions<HubOptions> options)
{
    private readonly ServersOptions _options = options.Value.Servers;

    /// <summary>Starts waiting in line.</summary>
    public int Waiting => line.Waiting;

    /// <summary>Starts holding a slot.</summary>
    public int Starting => line.Starting;

    /// <summary>Runs the pending write when the active-server limits allow one more server (else 429).</summary>
    public Task<T> AcceptAsync<T>(UserRecord user, Func<Task<T>> accept, CancellationToken cancellationToken) =>
        limits.AcceptAsync(user, accept, cancellationToken);

    /// <summary>
    /// Takes a slot or a place in line; in <see cref="SpawnLimitMode.Reject"/> with every slot taken, throws JupyterHub's
    /// 429 with a random <c>Retry-After</c> in the configured range (so refused users do not all come back at once).
    /// </summary>
    public SpawnTicket Enter(string key, Action<LinePosition> moved)
    {
        var ticket = line.TryEnter(key, moved, wait: _options.ConcurrentSpawnLimitMode == SpawnLimitMode.Queue);
        if (ticket is not null)
        {
            return ticket;
        }
        var min = _options.SpawnThrottleRetryMin.TotalSeconds;
        var retry = TimeSpan.FromSeconds(Math.Floor(min + (Random.Shared.NextDouble() * (_options.SpawnThrottleRetryMax.TotalSeconds - min))));
        throw HubException.TooManyRequests($"Too many users trying to start servers right now. Try again in {Human(retry)}.", retry);
    }

    /// <summary>Takes a waiting start out of the line; false when it is not waiting (running already, or unknown).</summary>
    public bool Cancel(string key) => line.TryCancel(key);

    /// <summary>Frees an admitted start's slot; <paramref name="held"/> feeds the line's estimate.</summary>
    public void Release(TimeSpan? held)
    {
        if (held is { } h)
        {
            estimate.Record(h);
        }
        line.Release();
    }

    // JupyterHub's rounding for people: tens of seconds up to 90, then minutes.
    private static string Human(TimeSpan t) => t.TotalSeconds <= 90
        ? $"{(Math.Ceiling(t.TotalSeconds / 10) * 10).ToString(CultureInfo.InvariantCulture)} seconds"
        : $"{Math.Round(t.TotalMinutes).ToString(CultureInfo.InvariantCulture)} minutes";

    /// <summary>What the progress stream says while a start waits: its place, and an estimate once there is one.</summary>
    public static string Describe(LinePosition position)
    {
        var place = position.Position == 1 ? "next in line" : $"number {position.Position.ToString(CultureInfo.InvariantCulture)} in line";
        if (position.Estimate is not { } wait)
        {
            return $"Waiting to start: {place}";
        }
        var about = wait < TimeSpan.FromSeconds(90)
            ? $"{Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture)} seconds"
            : $"{((int)Math.Round(wait.TotalMinutes)).ToString(CultureInfo.InvariantCulture)} minutes";
        return $"Waiting to start: {place}, about {about}";
    }
}

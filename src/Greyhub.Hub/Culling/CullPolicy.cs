namespace Greyhub.Hub.Culling;

/// <summary>The culling rules that apply to one user: the default's, or the most lenient of their groups' policies.</summary>
/// <param name="Timeout">Idle time after which a server is stopped; zero never.</param>
/// <param name="MaxAge">Age after which a server is stopped even if active; zero never.</param>
/// <param name="CullUsers">Delete the user once their last running server was culled.</param>
/// <param name="RemoveNamedServers">Remove culled named servers.</param>
internal sealed record CullPolicy(TimeSpan Timeout, TimeSpan MaxAge, bool CullUsers, bool RemoveNamedServers)
{
    /// <summary>The policy of a member of <paramref name="groups"/> under <paramref name="options"/>.</summary>
    public static CullPolicy For(IEnumerable<string> groups, CullerOptions options)
    {
        var fallback = new CullPolicy(options.Timeout, options.MaxAge, options.CullUsers, options.RemoveNamedServers);
        CullPolicy? combined = null;
        foreach (var group in groups)
        {
            if (!options.Groups.TryGetValue(group, out var own))
            {
                continue;
            }
            var policy = new CullPolicy(own.Timeout ?? fallback.Timeout, own.MaxAge ?? fallback.MaxAge,
                own.CullUsers ?? fallback.CullUsers, own.RemoveNamedServers ?? fallback.RemoveNamedServers);
            combined = combined is null ? policy : combined.Lenient(policy);
        }
        return combined ?? fallback;
    }

    /// <summary>The most lenient of this policy and <paramref name="other"/>, setting by setting.</summary>
    private CullPolicy Lenient(CullPolicy other) => new(
        Longest(Timeout, other.Timeout), Longest(MaxAge, other.MaxAge), CullUsers && other.CullUsers, RemoveNamedServers && other.RemoveNamedServers);

    // Zero is no limit: more lenient than any limit.
    private static TimeSpan Longest(TimeSpan a, TimeSpan b) => a == TimeSpan.Zero || b == TimeSpan.Zero ? TimeSpan.Zero : a > b ? a : b;

    /// <summary>Why a server that started at <paramref name="started"/> and was last active at <paramref name="lastActivity"/> is culled at <paramref name="now"/>; null to spare it.</summary>
    public CullVerdict? Judge(DateTime? started, DateTime? lastActivity, DateTime now)
    {
        // Without activity yet, idleness counts from the start (as the external culler does).
        TimeSpan? idle = (lastActivity ?? started) is { } since ? now - since : null;
        if (Timeout > TimeSpan.Zero && idle >= Timeout)
        {
            return new CullVerdict(CullReason.Idle, idle.Value, Timeout);
        }
        if (MaxAge > TimeSpan.Zero && started is { } start && now - start >= MaxAge)
        {
            return new CullVerdict(CullReason.MaxAge, now - start, MaxAge);
        }
        return null;
    }
}

/// <summary>Why a server is culled.</summary>
internal enum CullReason
{
    /// <summary>Idle for the timeout.</summary>
    Idle,

    /// <summary>Running longer than the max age.</summary>
    MaxAge,
}

/// <summary>A decision to cull: why, how long (idle or running), against which limit.</summary>
internal sealed record CullVerdict(CullReason Reason, TimeSpan Measured, TimeSpan Limit)
{
    /// <summary>The metric's label.</summary>
    public string Label => Reason == CullReason.Idle ? "idle" : "max_age";

    /// <summary>What the audit log says: <c>idle for 1h 2m</c>, <c>older than max age 8h</c>.</summary>
    public string AuditDetail => Reason == CullReason.Idle
        ? $"idle for {Duration(Measured)} (timeout {Duration(Limit)})"
        : $"older than max age {Duration(Limit)} (running for {Duration(Measured)})";

    /// <summary>What the owner reads on the home page after "Your server stopped: ".</summary>
    public string OwnerReason => Reason == CullReason.Idle
        ? $"The idle culler stopped it after {Duration(Measured)} without activity"
        : $"The idle culler stopped it after {Duration(Measured)} running, longer than the {Duration(Limit)} allowed";

    /// <summary>A duration as people write it: <c>2d 3h</c>, <c>1h 2m</c>, <c>45m</c>, <c>30s</c> (to the minute past an hour).</summary>
    public static string Duration(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => span.Hours > 0 ? $"{(int)span.TotalDays}d {span.Hours}h" : $"{(int)span.TotalDays}d",
        { TotalHours: >= 1 } => span.Minutes > 0 ? $"{span.Hours}h {span.Minutes}m" : $"{span.Hours}h",
        { TotalMinutes: >= 1 } => $"{span.Minutes}m",
        _ => $"{Math.Max(0, span.Seconds)}s",
    };
}

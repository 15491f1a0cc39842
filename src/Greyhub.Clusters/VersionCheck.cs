namespace Greyhub.Clusters;

/// <summary>Compares a client's Python, dask and distributed versions with the scheduler's (the top support topic).</summary>
internal static class VersionCheck
{
    private static readonly string[] Packages = ["python", "dask", "distributed"];

    /// <summary>A message naming every package whose versions differ, or null when they match (or one side is unknown).</summary>
    public static string? Compare(IReadOnlyDictionary<string, string>? client, IReadOnlyDictionary<string, string>? scheduler)
    {
        if (client is null || scheduler is null)
        {
            return null;
        }
        var differ = Packages
            .Where(p => client.TryGetValue(p, out var c) && scheduler.TryGetValue(p, out var s) && !Same(p, c, s))
            .Select(p => $"{p}: client {client[p]}, scheduler {scheduler[p]}")
            .ToList();
        return differ.Count == 0 ? null : "Version mismatch between the client and the cluster's scheduler (" + string.Join("; ", differ) + ")";
    }

    // Python's patch level does not change the wire format; dask's and distributed's versions must match exactly.
    private static bool Same(string package, string a, string b) =>
        package == "python" ? MajorMinor(a) == MajorMinor(b) : a == b;

    private static string MajorMinor(string v) => string.Join('.', v.Split('.').Take(2));
}

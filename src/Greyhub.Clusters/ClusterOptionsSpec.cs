using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Greyhub.Clusters;

/// <summary>
/// The options a user may set on a cluster (Dask Gateway's <c>cluster_options</c>), from their group's
/// <see cref="ClusterProfile"/>: the specification <c>GET /options</c> serves, and the check of what a create sends.
/// </summary>
internal static class ClusterOptionsSpec
{
    public const string WorkerCores = "worker_cores";
    public const string WorkerMemory = "worker_memory";

    /// <summary>The profile of a user: their first group by name that has one, else the defaults.</summary>
    public static (string Group, ClusterProfile Profile) For(ClustersOptions options, IEnumerable<string> groups) =>
        groups.Order(StringComparer.Ordinal).FirstOrDefault(options.Groups.ContainsKey) is { } group ? (group, options.Groups[group]) : ("", options.Defaults);

    /// <summary>The profile a cluster was created with (the defaults when its group's profile is gone from configuration).</summary>
    public static ClusterProfile Named(ClustersOptions options, string group) =>
        group.Length > 0 && options.Groups.TryGetValue(group, out var profile) ? profile : options.Defaults;

    /// <summary>Dask Gateway's option fields: <c>[{"field","label","default","spec":{"type","min","max"}}]</c>.</summary>
    public static JsonArray Specification(ClusterProfile profile) =>
    [
        Field(WorkerCores, "Worker Cores", profile.WorkerCores, 0.1, profile.MaxWorkerCores),
        Field(WorkerMemory, "Worker Memory (GiB)", profile.WorkerMemoryGiB, 0.25, profile.MaxWorkerMemoryGiB),
    ];

    private static JsonObject Field(string name, string label, double value, double min, double max) => new()
    {
        ["field"] = name,
        ["label"] = label,
        ["default"] = value,
        ["spec"] = new JsonObject { ["type"] = "float", ["min"] = min, ["max"] = max },
    };

    /// <summary>
    /// The options of a new cluster, defaults filled, as a JSON object; throws <see cref="ClusterException"/> (422) with
    /// the reason for an unknown field, a wrong type or a value out of range.
    /// </summary>
    public static JsonObject Parse(JsonElement? requested, ClusterProfile profile)
    {
        double cores = profile.WorkerCores, memory = profile.WorkerMemoryGiB;
        if (requested is { ValueKind: not JsonValueKind.Null } r)
        {
            if (r.ValueKind != JsonValueKind.Object)
            {
                throw ClusterException.Unprocessable("cluster_options must be an object");
            }
            var unknown = r.EnumerateObject().Select(p => p.Name).Where(n => n is not (WorkerCores or WorkerMemory)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                throw ClusterException.Unprocessable($"Unknown fields {string.Join(", ", unknown.Select(u => $"'{u}'"))}; the options are '{WorkerCores}' and '{WorkerMemory}'");
            }
            cores = Number(r, WorkerCores, cores, 0.1, profile.MaxWorkerCores);
            memory = Number(r, WorkerMemory, memory, 0.25, profile.MaxWorkerMemoryGiB);
        }
        return new JsonObject { [WorkerCores] = cores, [WorkerMemory] = memory };
    }

    private static double Number(JsonElement options, string field, double fallback, double min, double max)
    {
        if (!options.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw ClusterException.Unprocessable($"{field} must be a number, got {value.GetRawText()}");
        }
        if (number < min || number > max)
        {
            throw ClusterException.Unprocessable(string.Create(CultureInfo.InvariantCulture, $"{field} must be between {min} and {max}, got {number}"));
        }
        return number;
    }
}

/// <summary>A refusal with Dask Gateway's status and reason; the API edge answers it as <c>{"error": reason}</c>.</summary>
internal sealed class ClusterException(int statusCode, string reason) : Exception(reason)
{
    public int StatusCode { get; } = statusCode;

    public static ClusterException Unprocessable(string reason) => new(422, reason);

    public static ClusterException NotFound(string name) => new(404, $"Cluster {name} not found");

    public static ClusterException Forbidden(string user, string action, string name) => new(403, $"User {user} lacks permissions to {action} cluster {name}");

    public static ClusterException Conflict(string reason) => new(409, reason);
}

using System.Globalization;

namespace Greyhub.FirstHour;

/// <summary>The command line.</summary>
internal sealed record Arguments(string? Greyhub, IReadOnlyList<string> Hubs, int Runs, int Warmup, Uri? Url, string? Token, string User, string Password)
{
    public static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i]] = args[i + 1];
        }
        string? Get(string key) => values.TryGetValue(key, out var value) ? value : null;
        var url = Get("--url") is { } u ? new Uri(u.EndsWith('/') ? u : u + "/") : null;
        return new Arguments(
            Get("--greyhub"),
            (Get("--hubs") ?? (url is null ? "greyhub,jupyterhub" : "greyhub")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            int.Parse(Get("--runs") ?? "7", CultureInfo.InvariantCulture),
            int.Parse(Get("--warmup") ?? "1", CultureInfo.InvariantCulture),
            url,
            Get("--token"),
            Get("--user") ?? "ada",
            Get("--password") ?? "first-hour-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    }
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Greyhub.Compute.Slurm;

/// <summary>
/// Talks to slurmrestd (OpenAPI <c>v0.0.38</c>) with JWT. slurmrestd ignores <c>#SBATCH</c> lines, so the directives
/// travel as job properties; extra directives map to the property of the same name (dashes become underscores).
/// One <c>GET /jobs</c> answers a whole poll (v0.0.38 has no filter by id list).
/// </summary>
internal sealed class SlurmRestTransport(SlurmEngineOptions options, HttpClient http, SlurmTokenSource tokens) : ISlurmTransport
{
    private readonly SlurmRestOptions _rest = options.Rest;

    private string Api => "slurm/" + _rest.ApiVersion + "/";

    public async Task<string> SubmitAsync(BatchJob job, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(job.Folder.ScriptPath, job.Script, cancellationToken);
        var d = job.Directives;
        var props = new JsonObject
        {
            ["name"] = job.Name,
            ["comment"] = job.Comment,
            ["current_working_directory"] = job.Folder.Path,
            ["standard_output"] = job.Folder.LogPath,
            ["standard_error"] = job.Folder.LogPath,
            ["open_mode"] = "append",
            ["nodes"] = 1,
            ["tasks"] = 1,
            // Required by v0.0.38; the script clears it anyway (env -i).
            ["environment"] = new JsonObject { ["PATH"] = "/usr/local/bin:/usr/bin:/bin" },
        };
        Set(props, "cpus_per_task", d.CpusPerTask);
        Set(props, "memory_per_node", d.MemoryMegabytes);
        Set(props, "time_limit", d.TimeLimit is { } t ? (long)Math.Max(1, Math.Ceiling(t.TotalMinutes)) : null);
        Set(props, "gres", d.Gpus is { } g ? "gpu:" + g.ToString(CultureInfo.InvariantCulture) : null);
        Set(props, "partition", d.Partition);
        Set(props, "account", d.Account);
        Set(props, "qos", d.Qos);
        foreach (var extra in d.Extra)
        {
            var (key, value) = Split(extra);
            props[key.Replace('-', '_')] = value;
        }
        var body = new JsonObject { ["script"] = job.Script, ["job"] = props };
        using var request = new HttpRequestMessage(HttpMethod.Post, Api + "job/submit")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        // slurmrestd 22.05 rejects "application/json; charset=utf-8" ("Unable to parse query"): no parameters.
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // A submitted job may come with "errors" that are notices (e.g. 2042 "Job is in held state"): the id decides.
        using var doc = await SendAsync(request, job.RunAsUser ?? _rest.UserName, cancellationToken, root => root.TryGetProperty("job_id", out _));
        return doc.RootElement.TryGetProperty("job_id", out var id) && id.ValueKind == JsonValueKind.Number
            ? id.GetInt64().ToString(CultureInfo.InvariantCulture)
            : throw new SlurmException("slurmrestd returned no job id");
    }

    public Task<IReadOnlyList<SlurmJobInfo>> QueryAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        return JobsAsync((id, _) => wanted.Contains(id), cancellationToken);
    }

    public Task<IReadOnlyList<SlurmJobInfo>> QueryByNameAsync(string name, CancellationToken cancellationToken) =>
        JobsAsync((_, job) => Str(job, "name") == name, cancellationToken);

    private async Task<IReadOnlyList<SlurmJobInfo>> JobsAsync(Func<string, JsonElement, bool> wanted, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Api + "jobs");
        using var doc = await SendAsync(request, _rest.UserName, cancellationToken);
        var jobs = new List<SlurmJobInfo>();
        if (doc.RootElement.TryGetProperty("jobs", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var j in list.EnumerateArray())
            {
                var id = j.TryGetProperty("job_id", out var i) && i.ValueKind == JsonValueKind.Number ? i.GetInt64().ToString(CultureInfo.InvariantCulture) : null;
                if (id is null || !wanted(id, j))
                {
                    continue;
                }
                long? status = j.TryGetProperty("exit_code", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetInt64() : null;
                var host = Str(j, "batch_host");
                jobs.Add(SlurmJobInfo.FromWaitStatus(id, Str(j, "job_state") ?? "UNKNOWN", Str(j, "state_reason"), host is "" ? null : host, status, Str(j, "comment")));
            }
        }
        return jobs;
    }

    // Forgotten jobs need slurmdbd's /slurmdb API; without accounting they are reported as ended, reason unknown.
    public Task<IReadOnlyList<SlurmJobInfo>> QueryFinishedAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SlurmJobInfo>>([]);

    public async Task TerminateAsync(string id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Api + "job/" + Uri.EscapeDataString(id) + "?signal=TERM");
        (await SendAsync(request, _rest.UserName, cancellationToken)).Dispose();
    }

    public async Task CancelAsync(string id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Api + "job/" + Uri.EscapeDataString(id));
        (await SendAsync(request, _rest.UserName, cancellationToken)).Dispose();
    }

    public async Task<string?> NodeAddressAsync(string node, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Api + "node/" + Uri.EscapeDataString(node));
        try
        {
            using var doc = await SendAsync(request, _rest.UserName, cancellationToken);
            return doc.RootElement.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array && nodes.GetArrayLength() > 0
                ? Str(nodes[0], "address")
                : null;
        }
        catch (SlurmException)
        {
            return null;
        }
    }

    private async Task<JsonDocument> SendAsync(HttpRequestMessage request, string user, CancellationToken cancellationToken, Func<JsonElement, bool>? succeeded = null)
    {
        request.Headers.Add("X-SLURM-USER-NAME", user);
        request.Headers.Add("X-SLURM-USER-TOKEN", await tokens.TokenAsync(user, cancellationToken));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.CommandTimeout);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
            text = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new SlurmException($"slurmrestd {request.Method} {request.RequestUri}: {e.Message}", e);
        }
        using (response)
        {
            JsonDocument? doc = null;
            try
            {
                doc = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
            }
            catch (JsonException)
            {
                // Not JSON (e.g. 401 "Authentication failure"): reported below with the status.
            }
            var errors = doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errors", out var list)
                && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0
                ? string.Join("; ", list.EnumerateArray().Select(x => Str(x, "description") is { Length: > 0 } desc ? desc : Str(x, "error") ?? x.GetRawText()))
                : null;
            if (!response.IsSuccessStatusCode || doc is null || (errors is not null && succeeded?.Invoke(doc.RootElement) != true))
            {
                doc?.Dispose();
                throw new SlurmException($"slurmrestd {request.Method} {request.RequestUri?.AbsolutePath ?? ""} answered {(int)response.StatusCode}: {errors ?? text.Trim()}");
            }
            return doc;
        }
    }

    private static (string Key, JsonNode? Value) Split(string directive)
    {
        var body = directive[2..];
        var eq = body.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            return (body, JsonValue.Create(true));
        }
        var value = body[(eq + 1)..];
        JsonNode? node = long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n)
            : bool.TryParse(value, out var b) ? JsonValue.Create(b)
            : JsonValue.Create(value);
        return (body[..eq], node);
    }

    private static void Set(JsonObject o, string key, long? value)
    {
        if (value is { } v)
        {
            o[key] = v;
        }
    }

    private static void Set(JsonObject o, string key, string? value)
    {
        if (value is not null)
        {
            o[key] = value;
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

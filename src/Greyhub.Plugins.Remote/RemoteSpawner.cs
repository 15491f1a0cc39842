using System.Globalization;
using System.Text.Json;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Plugins.Remote;

/// <summary>
/// A spawner in another process, reached over the grey plug protocol's spawner calls (docs/plugins.md): the JupyterHub
/// bridge hosting a JupyterHub <c>Spawner</c> class, or any plug-in that serves <c>/v1/spawner/*</c>. The plug-in's
/// state is stored verbatim, so servers re-attach after a restart of the hub or of the plug-in. A plug-in that serves
/// <c>wait</c> (1.3) is watched with one long call while a started server comes up, instead of polled every 100 ms.
/// </summary>
public sealed class RemoteSpawner : ISpawner, ISpawnerOptionsForm, ISpawnerEndWatch
{
    // How long one progress call may wait for news before it answers with none.
    private static readonly TimeSpan ProgressWait = TimeSpan.FromSeconds(10);
    // How long one wait call may last before it answers "still running" (and the next one is made).
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(30);
    // JupyterHub's stop escalates SIGINT, SIGTERM, SIGKILL over interrupt/term/kill timeouts (10 + 5 + 5 s by default).
    private static readonly TimeSpan StopAllowance = TimeSpan.FromSeconds(30);
    private readonly PluginClient _client;
    private readonly RemoteEngineOptions _options;

    internal RemoteSpawner(PluginClient client, RemoteEngineOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <inheritdoc />
    public string Name => _client.Name;

    /// <inheritdoc />
    public IReadOnlyList<SpawnerProfile> Profiles => [];

    /// <inheritdoc />
    public bool MayAskOptions => _client.Known?.Hosts?.Spawner?.OptionsForm ?? false;

    /// <inheritdoc />
    public string ValidateUserOptions(JsonElement? userOptions) => userOptions switch
    {
        // As JupyterHub: user_options are the spawner's to judge; the hub only insists on an object.
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => "{}",
        { ValueKind: JsonValueKind.Object } options => options.GetRawText(),
        _ => throw new UserOptionsException("user_options must be a JSON object"),
    };

    /// <inheritdoc />
    public async Task<SpawnedServer> StartAsync(SpawnRequest request, ISpawnContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.SpawnTimeout);
        var env = request.HubEnvironment;
        string Env(string key) => env.TryGetValue(key, out var value) ? value : "";
        using var userOptions = JsonDocument.Parse(request.UserOptions);
        // One id for every attempt: a retried start whose answer was lost finds the first start, not a second server.
        var start = new SpawnerStartRequest(
            Guid.NewGuid().ToString("N"), new WireUser(request.UserName, request.Admin, request.Groups), request.ServerName,
            request.ServicePrefix, Env("JUPYTERHUB_BASE_URL") is { Length: > 0 } b ? b : "/", Env("JUPYTERHUB_API_URL"),
            Env("JUPYTERHUB_API_TOKEN"), Env("JUPYTERHUB_CLIENT_ID"), Env("JUPYTERHUB_OAUTH_CALLBACK_URL"), env,
            request.HubArguments, userOptions.RootElement, request.PreviousState);
        try
        {
            await _client.CallAsync("v1/spawner/start", start, SpawnerJson.Default.SpawnerStartRequest, SpawnerJson.Default.SpawnerStartResponse,
                retry: true, _options.Timeout, timeout.Token);
            var follow = new Progress(context);
            if (Serves("progress_stream"))
            {
                try
                {
                    // One call for the whole start: a line per batch of events, the last one with the server's url and state.
                    await foreach (var line in _client.StreamAsync("v1/spawner/progress", new SpawnerProgressRequest(start.SpawnId, 0, ProgressWait.TotalSeconds, Stream: true),
                        SpawnerJson.Default.SpawnerProgressRequest, SpawnerJson.Default.SpawnerProgressResponse, _options.Timeout + ProgressWait, timeout.Token))
                    {
                        if (follow.Add(line))
                        {
                            return await StartedAsync(line, context, cancellationToken);
                        }
                    }
                }
                catch (PluginException e) when (PluginClient.Transient(e))
                {
                    // A stream that broke or went silent: the long polls below pick up after the last event seen, with retries.
                }
            }
            while (true)
            {
                var progress = await _client.CallAsync("v1/spawner/progress", new SpawnerProgressRequest(start.SpawnId, follow.After, ProgressWait.TotalSeconds),
                    SpawnerJson.Default.SpawnerProgressRequest, SpawnerJson.Default.SpawnerProgressResponse, retry: true, _options.Timeout + ProgressWait, timeout.Token);
                if (follow.Add(progress))
                {
                    return await StartedAsync(progress, context, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SpawnFailedException(
                $"Plug-in '{Name}': the server did not start within {_options.SpawnTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
        }
        catch (PluginException e)
        {
            throw new SpawnFailedException(e.Message, "", e);
        }
    }

    private bool Serves(string call) => _client.Known?.Hosts?.Spawner?.Calls?.Contains(call) == true;

    /// <summary>The end of a start: its error, or the server's url and state (stored before anything else).</summary>
    private async Task<SpawnedServer> StartedAsync(SpawnerProgressResponse done, ISpawnContext context, CancellationToken cancellationToken)
    {
        if (done.Error is { } error)
        {
            throw new SpawnFailedException($"Plug-in '{Name}': {error}", done.Log ?? "");
        }
        if (done.State is null || !Uri.TryCreate(done.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer, $"finished a start without a state or an http(s) url (url: {done.Url ?? "none"}).");
        }
        await context.SaveStateAsync(done.State, cancellationToken);
        return new SpawnedServer(url, done.State);
    }

    /// <summary>A start's progress as the plug-in reports it, passed on to the hub's progress bar.</summary>
    private sealed class Progress(ISpawnContext context)
    {
        private int _percent;

        /// <summary>How many events have been seen (the next progress call's <c>after</c>).</summary>
        public int After { get; private set; }

        /// <summary>Reports the answer's events; true when the start is done.</summary>
        public bool Add(SpawnerProgressResponse progress)
        {
            foreach (var e in progress.Events ?? [])
            {
                // "Server requested" is the hub's own first event already.
                if (After++ > 0 || e.Progress is not 0)
                {
                    // An event without progress keeps the bar where it was (JupyterHub's rule).
                    _percent = Math.Clamp(e.Progress ?? _percent, 0, 100);
                    context.Report(_percent, e.Message ?? "");
                }
            }
            After = Math.Max(After, progress.Next);
            return progress.Done;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SpawnerStatus>> PollAsync(IReadOnlyList<string> states, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count == 0)
        {
            return [];
        }
        var response = await _client.CallAsync("v1/spawner/poll", new SpawnerPollRequest(states), SpawnerJson.Default.SpawnerPollRequest,
            SpawnerJson.Default.SpawnerPollResponse, retry: true, _options.Timeout, cancellationToken);
        if (response.Statuses is not { } statuses || statuses.Count != states.Count)
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer, $"answered {response.Statuses?.Count ?? 0} statuses for {states.Count} servers.");
        }
        return [.. statuses.Select(Status)];
    }

    /// <inheritdoc />
    public Task<SpawnerStatus>? WatchEnd(string state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Serves("wait") ? WaitEndAsync(state, cancellationToken) : null;
    }

    private async Task<SpawnerStatus> WaitEndAsync(string state, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await _client.CallAsync("v1/spawner/wait", new SpawnerWaitRequest(state, EndWait.TotalSeconds), SpawnerJson.Default.SpawnerWaitRequest,
                SpawnerJson.Default.SpawnerWaitResponse, retry: true, _options.Timeout + EndWait, cancellationToken);
            if (Status(response.Status) is { Running: false } ended)
            {
                return ended;
            }
        }
    }

    private SpawnerStatus Status(WireSpawnerStatus? status) => status is null
        ? throw new PluginException(Name, PluginFailure.MalformedAnswer, "answered a null status.")
        : new SpawnerStatus(status.Running, Uri.TryCreate(status.Url, UriKind.Absolute, out var url) ? url : null, status.ExitCode, status.Reason);

    /// <inheritdoc />
    public async Task StopAsync(string state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        // Stopping a stopped server is harmless, so a stop may be retried.
        await _client.CallAsync("v1/spawner/stop", new SpawnerStopRequest(state, Now: false), SpawnerJson.Default.SpawnerStopRequest,
            SpawnerJson.Default.EmptyResponse, retry: true, _options.Timeout + StopAllowance, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string> ReadLogAsync(string state, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            var response = await _client.CallAsync("v1/spawner/log", new SpawnerLogRequest(state, Math.Max(0, maxBytes)), SpawnerJson.Default.SpawnerLogRequest,
                SpawnerJson.Default.LogResponse, retry: true, _options.Timeout, cancellationToken);
            return response.Log ?? "";
        }
        catch (PluginException e)
        {
            // The log is a help for error pages, never a reason to fail one.
            return "(the log could not be read: " + e.Message + ")";
        }
    }

    /// <inheritdoc />
    public async Task<string?> GetOptionsFormAsync(SpawnUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var response = await _client.CallAsync("v1/spawner/options_form", new SpawnerOptionsFormRequest(Wire(user), user.ServerName),
            SpawnerJson.Default.SpawnerOptionsFormRequest, SpawnerJson.Default.SpawnerOptionsFormResponse, retry: true, _options.Timeout, cancellationToken);
        return string.IsNullOrWhiteSpace(response.Html) ? null : response.Html;
    }

    /// <inheritdoc />
    public async Task<string> OptionsFromFormAsync(SpawnUser user, IReadOnlyDictionary<string, IReadOnlyList<string>> form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(form);
        var response = await _client.CallAsync("v1/spawner/options_from_form", new SpawnerOptionsFromFormRequest(Wire(user), user.ServerName, form),
            SpawnerJson.Default.SpawnerOptionsFromFormRequest, SpawnerJson.Default.SpawnerOptionsFromFormResponse, retry: true, _options.Timeout, cancellationToken);
        return response.UserOptions.ValueKind == JsonValueKind.Object
            ? response.UserOptions.GetRawText()
            : throw new PluginException(Name, PluginFailure.MalformedAnswer, "answered options_from_form without a user_options object.");
    }

    private static WireUser Wire(SpawnUser user) => new(user.Name, user.Admin, user.Groups);
}

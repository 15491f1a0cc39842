using System.Globalization;
using System.Text.Json;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Plugins.Remote;

/// <summary>
/// A spawner in another process, reached over the grey plug protocol's spawner calls (docs/plugins.md): the JupyterHub
/// bridge hosting a JupyterHub <c>Spawner</c> class, or any plug-in that serves <c>/v1/spawner/*</c>. The plug-in's
/// state is stored verbatim, so servers re-attach after a restart of the hub or of the plug-in.
/// </summary>
public sealed class RemoteSpawner : ISpawner, ISpawnerOptionsForm
{
    // How long one progress call may wait for news before it answers with none.
    private static readonly TimeSpan ProgressWait = TimeSpan.FromSeconds(10);
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
            var after = 0;
            var percent = 0;
            while (true)
            {
                var progress = await _client.CallAsync("v1/spawner/progress", new SpawnerProgressRequest(start.SpawnId, after, ProgressWait.TotalSeconds),
                    SpawnerJson.Default.SpawnerProgressRequest, SpawnerJson.Default.SpawnerProgressResponse, retry: true, _options.Timeout + ProgressWait, timeout.Token);
                foreach (var e in progress.Events ?? [])
                {
                    // "Server requested" is the hub's own first event already.
                    if (after++ > 0 || e.Progress is not 0)
                    {
                        // An event without progress keeps the bar where it was (JupyterHub's rule).
                        percent = Math.Clamp(e.Progress ?? percent, 0, 100);
                        context.Report(percent, e.Message ?? "");
                    }
                }
                after = Math.Max(after, progress.Next);
                if (!progress.Done)
                {
                    continue;
                }
                if (progress.Error is { } error)
                {
                    throw new SpawnFailedException($"Plug-in '{Name}': {error}", progress.Log ?? "");
                }
                if (progress.State is null || !Uri.TryCreate(progress.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    throw new PluginException(Name, PluginFailure.MalformedAnswer, $"finished a start without a state or an http(s) url (url: {progress.Url ?? "none"}).");
                }
                await context.SaveStateAsync(progress.State, cancellationToken);
                return new SpawnedServer(url, progress.State);
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
        return [.. statuses.Select(s => s is null
            ? throw new PluginException(Name, PluginFailure.MalformedAnswer, "answered a null status.")
            : new SpawnerStatus(s.Running, Uri.TryCreate(s.Url, UriKind.Absolute, out var url) ? url : null, s.ExitCode, s.Reason))];
    }

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

using System.Globalization;
using System.Text.Json;

namespace Greyhub.Abstractions.Compute;

/// <summary>
/// The shared work of every spawner: validating <c>user_options</c> against the profiles, building the server's
/// command and environment (JupyterHub's <c>get_env</c>), the start timeout, and cleaning up a start that fails or
/// is cancelled, so a failed spawn never leaves a process behind. Implementations only launch, poll and stop.
/// </summary>
public abstract class SpawnerBase : ISpawner
{
    private const string ProfileKey = "profile";
    private readonly SpawnerOptions _options;
    private readonly IReadOnlyList<SpawnerProfile> _profiles;

    /// <summary>Creates the spawner with its options.</summary>
    protected SpawnerBase(SpawnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _profiles = [.. options.Profiles.Select(p => new SpawnerProfile(p.Name, p.DisplayName.Length > 0 ? p.DisplayName : p.Name, p.Description))];
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<SpawnerProfile> Profiles => _profiles;

    /// <summary>The spawner's options.</summary>
    protected SpawnerOptions Options => _options;

    /// <inheritdoc />
    public string ValidateUserOptions(JsonElement? userOptions)
    {
        string? profile = null;
        if (userOptions is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } options)
        {
            if (options.ValueKind != JsonValueKind.Object)
            {
                throw new UserOptionsException($"user_options must be a JSON object, not {Kind(options)}");
            }
            foreach (var property in options.EnumerateObject())
            {
                if (property.Name != ProfileKey)
                {
                    throw new UserOptionsException($"Unknown user option '{property.Name}'; allowed: {ProfileKey}");
                }
                profile = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    // The spawn form posts each field as a one-element list, as JupyterHub's options_from_form sees it.
                    JsonValueKind.Array when property.Value.GetArrayLength() == 1 && property.Value[0].ValueKind == JsonValueKind.String => property.Value[0].GetString(),
                    _ => throw new UserOptionsException($"user option 'profile' must be a string, not {Kind(property.Value)}"),
                };
            }
        }
        if (_profiles.Count == 0)
        {
            return profile is null ? "{}" : throw new UserOptionsException($"Unknown profile '{profile}': this hub offers no profiles");
        }
        profile ??= _profiles[0].Name;
        if (!_profiles.Any(p => p.Name == profile))
        {
            throw new UserOptionsException($"Unknown profile '{profile}'; choose one of: {string.Join(", ", _profiles.Select(p => p.Name))}");
        }
        return JsonSerializer.Serialize(new Dictionary<string, string> { [ProfileKey] = profile! });
    }

    /// <inheritdoc />
    public async Task<SpawnedServer> StartAsync(SpawnRequest request, ISpawnContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var plan = Plan(request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.StartTimeout);
        var tracking = new TrackingContext(context);
        try
        {
            return await StartCoreAsync(plan, tracking, timeout.Token);
        }
        catch (Exception ex)
        {
            var log = "";
            string? cleanupFailure = null;
            if (tracking.State is { } state)
            {
                // A failed or cancelled start leaves nothing behind: the hub only records that it stopped. The
                // engine that failed the start may fail this cleanup too (a plug-in that died); the start's own error
                // is what the user needs, so the cleanup's failure is added to it rather than thrown instead of it.
                try
                {
                    log = await ReadLogAsync(state, 4000, CancellationToken.None);
                }
                catch (Exception readFailure) when (readFailure is not OperationCanceledException)
                {
                    log = "";
                }
                try
                {
                    await StopAsync(state, CancellationToken.None);
                }
                catch (Exception stopFailure) when (stopFailure is not OperationCanceledException)
                {
                    cleanupFailure = stopFailure.Message;
                }
            }
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            var message = ex switch
            {
                OperationCanceledException => $"Spawner failed to start within {_options.StartTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds",
                SpawnFailedException failed => failed.Message,
                _ => "Spawner failed to start: " + ex.Message,
            };
            if (cleanupFailure is not null)
            {
                message += $" (stopping what had started failed too: {cleanupFailure})";
            }
            throw new SpawnFailedException(message, log.Length > 0 ? log : (ex as SpawnFailedException)?.LogTail ?? "", ex);
        }
    }

    /// <summary>Launches the plan, saves its state through the context as soon as it exists, and returns once it runs.</summary>
    protected abstract Task<SpawnedServer> StartCoreAsync(SpawnPlan plan, ISpawnContext context, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract Task<IReadOnlyList<SpawnerStatus>> PollAsync(IReadOnlyList<string> states, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract Task StopAsync(string state, CancellationToken cancellationToken);

    /// <inheritdoc />
    public abstract Task<string> ReadLogAsync(string state, int maxBytes, CancellationToken cancellationToken);

    /// <summary>The option a <c>--Name=value</c> argument sets (<c>--Name</c>), or null for any other argument.</summary>
    private static string? OptionName(string argument) =>
        argument.StartsWith("--", StringComparison.Ordinal) && argument.IndexOf('=', StringComparison.Ordinal) is > 2 and var equals
            ? argument[..equals] : null;

    /// <summary>A variable of the hub's own environment (for <c>env_keep</c>); overridable for tests.</summary>
    protected virtual string? HostVariable(string name) => System.Environment.GetEnvironmentVariable(name);

    /// <summary>Resolves the profile, command, environment and folder of a request.</summary>
    protected SpawnPlan Plan(SpawnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        SpawnerProfileOptions? profile = null;
        using (var options = JsonDocument.Parse(request.UserOptions))
        {
            if (options.RootElement.ValueKind == JsonValueKind.Object && options.RootElement.TryGetProperty(ProfileKey, out var name))
            {
                profile = _options.Profiles.FirstOrDefault(p => p.Name == name.GetString())
                    ?? throw new UserOptionsException($"Unknown profile '{name.GetString()}'");
            }
        }
        var command = new List<string>(profile?.Command ?? _options.Command ?? ["jupyterhub-singleuser"]);
        // A profile with its own command brings its own arguments; the spawner's belong to the spawner's command.
        command.AddRange(profile?.Args ?? (profile?.Command is null ? _options.Args : null) ?? []);
        // Traitlets refuses an option given twice, so the hub's own is dropped when the command sets it already.
        command.AddRange(request.HubArguments.Where(a => !command.Any(c => OptionName(c) is { } set && set == OptionName(a))));
        var cpu = profile?.CpuLimit ?? _options.CpuLimit;
        var memory = profile?.MemoryLimit ?? _options.MemoryLimit;
        var home = _options.HomeDirectory.Length == 0 ? null
            : _options.HomeDirectory.Replace("{username}", request.UserName, StringComparison.Ordinal)
                .Replace("{servername}", request.ServerName, StringComparison.Ordinal);

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in _options.EnvKeep ?? SpawnerOptions.DefaultEnvKeep)
        {
            if (HostVariable(name) is { } value)
            {
                env[name] = value;
            }
        }
        foreach (var (key, value) in request.HubEnvironment)
        {
            env[key] = value;
        }
        env["USER"] = request.UserName;
        env["SHELL"] = "/bin/bash";
        if (home is not null)
        {
            env["HOME"] = home;
        }
        if (_options.DefaultUrl is { Length: > 0 } defaultUrl)
        {
            env["JUPYTERHUB_DEFAULT_URL"] = defaultUrl;
        }
        if (_options.Debug)
        {
            env["JUPYTERHUB_DEBUG"] = "1";
        }
        if (cpu is { } cpus)
        {
            env["CPU_LIMIT"] = cpus.ToString(CultureInfo.InvariantCulture);
        }
        if (memory is { } bytes)
        {
            env["MEM_LIMIT"] = bytes.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in _options.Environment)
        {
            env[key] = value;
        }
        foreach (var (key, value) in profile?.Environment ?? [])
        {
            env[key] = value;
        }
        var resources = new JobResources
        {
            Cpus = cpu,
            MemoryBytes = memory,
            Gpus = profile?.Gpus ?? _options.Gpus,
            TimeLimit = profile?.TimeLimit ?? _options.TimeLimit,
        };
        var labels = new Dictionary<string, string>(_options.Labels, StringComparer.Ordinal);
        foreach (var (key, value) in profile?.Labels ?? [])
        {
            labels[key] = value;
        }
        return new SpawnPlan(request, profile?.Name, command, env, home, resources)
        {
            Image = profile?.Image ?? _options.Image,
            Labels = labels,
        };
    }

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "list",
        JsonValueKind.String => "str",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Object => "dict",
        _ => "null",
    };

    /// <summary>Remembers the state the implementation saved, to clean up after a failed start.</summary>
    private sealed class TrackingContext(ISpawnContext inner) : ISpawnContext
    {
        public string? State { get; private set; }

        public void Report(int progress, string message) => inner.Report(progress, message);

        public Task SaveStateAsync(string state, CancellationToken cancellationToken)
        {
            State = state;
            return inner.SaveStateAsync(state, cancellationToken);
        }
    }
}

/// <summary>A start request resolved into what to run.</summary>
/// <param name="Request">The request.</param>
/// <param name="Profile">The chosen profile, if any.</param>
/// <param name="Command">Program and arguments.</param>
/// <param name="Environment">The server's whole environment.</param>
/// <param name="WorkingDirectory">The user's folder, or null for the engine's default.</param>
/// <param name="Resources">Limits to enforce.</param>
public sealed record SpawnPlan(
    SpawnRequest Request,
    string? Profile,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    string? WorkingDirectory,
    JobResources Resources)
{
    /// <summary>Container image (the profile's, else the spawner's); null for the engine's default.</summary>
    public string? Image { get; init; }

    /// <summary>Labels for the engine (the spawner's, with the profile's over them).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

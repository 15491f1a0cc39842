using Greyhub.Abstractions.Hosting;
using Greyhub.Clusters;
using Greyhub.Compute.Local;
using Greyhub.Hub;
using Greyhub.Hub.Hosting;
using Greyhub.Spawners.Engine;
using Microsoft.Extensions.Options;

namespace Greyhub.Host;

/// <summary>Builds and runs the hub web application: the composition root.</summary>
public static partial class HubHost
{
    /// <summary>The configuration file, looked for in the folder greyhub runs in.</summary>
    public const string ConfigurationFileName = "greyhub.json";

    /// <summary>What configuration under Greyhub's sections can bind to: every brick and engine, whichever is picked.</summary>
    private static readonly Lazy<SettingsSchema> Schema = new(() =>
    {
        var services = new ServiceCollection();
        AddBricks(services, engine: null);
        return SettingsSchema.FromServices(services);
    });

    /// <summary>Builds the application from command-line arguments (standard ASP.NET ones included).</summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        StartupTimeline.Mark("builder created");
        Configuration(builder.Configuration, args);
        CheckSettings(builder.Configuration);
        StartupTimeline.Mark("configuration read and checked");
        builder.WebHost.UseKestrelHttpsConfiguration();
        // The hub's own handlers are moved off the socket threads by the proxy middleware.
        builder.WebHost.UseGreyhubProxyTransport();
        // Proxied requests are forwarded below HTTP, before Kestrel parses them (Greyhub.Proxy's connection-level path).
        builder.WebHost.ConfigureKestrel(o => o.ConfigureEndpointDefaults(listen => listen.UseGreyhubProxy()));
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["Kestrel:Endpoints:Http:Url"]))
        {
            builder.WebHost.UseUrls(GreyhubCommand.DefaultUrl);
        }
        // Logs go to stderr: stdout belongs to command output (a token from `greyhub token` is meant for scripts).
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // YARP logs two lines per proxied request at Information: far too much for a hub's log (and its CPU).
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        var engine = builder.Configuration["Greyhub:Spawner:Engine"] ?? "local";
        AddBricks(builder.Services, engine, remote: !EngineNames.Contains(engine) && builder.Configuration.GetSection(RemoteSection + engine).Exists(),
            spawnerPlugin: builder.Configuration["Greyhub:Spawner:Plugin"] is { Length: > 0 } plugin ? plugin : null);
        // A plug-in authenticator is registered when picked and configured; any other unknown name fails the hub's validation.
        var authenticator = builder.Configuration["Greyhub:Authenticator:Type"];
        if (authenticator is { Length: > 0 } && builder.Configuration.GetSection(RemoteAuthenticatorSection + authenticator).Exists())
        {
            builder.Services.AddRemoteAuthenticator(authenticator);
        }
        // Embedded defaults under the data folder: job logs in jobs/, each user's folder in home/{username}.
        builder.Services.AddOptions<LocalEngineOptions>().PostConfigure<IOptions<HubOptions>>((o, hub) =>
        {
            if (string.IsNullOrEmpty(builder.Configuration[LocalEngineOptions.Section + ":JobsDirectory"]))
            {
                o.JobsDirectory = Path.Combine(hub.Value.DataDir, "jobs");
            }
        });
        builder.Services.AddOptions<EngineSpawnerOptions>().PostConfigure<IOptions<HubOptions>>((o, hub) =>
        {
            if (o.HomeDirectory.Length == 0)
            {
                o.HomeDirectory = Path.Combine(hub.Value.DataDir, "home", "{username}");
            }
            // Servers of the local engine run as the hub's own account; Jupyter refuses root without this flag.
            if (o.Args is null && o.Command is null && Environment.UserName == "root")
            {
                o.Args = ["--allow-root"];
            }
        });
        configure?.Invoke(builder);
        if (StartupTimeline.Enabled)
        {
            // First and last of the hosted services (Kestrel's own starts after them, then the host reports started).
            builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(new TimelineMark("hosted services starting")));
            builder.Services.AddSingleton<IHostedService>(new TimelineMark("hosted services started, Kestrel starting"));
        }
        StartupTimeline.Mark("services added");
        var app = builder.Build();
        StartupTimeline.Mark("application built");
        LogStart(app.Services);
        if (StartupTimeline.Enabled)
        {
            UseStartupTimeline(app);
        }
        app.UseGreyhubForwardedHeaders();
        app.UseGreyhubHub();
        app.MapGreyhubDataAccess();
        app.MapGreyhubClusters();
        StartupTimeline.Mark("pipeline and endpoints mapped");
        await HubStartup.InitializeAsync(app.Services, cancellationToken);
        StartupTimeline.Mark("database and accounts initialized");
        return app;
    }

    /// <summary>With <see cref="StartupTimeline"/> on: marks when the hub listens and logs the timeline after the first answer.</summary>
    private static void UseStartupTimeline(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() => StartupTimeline.Mark("listening (application started)"));
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Greyhub.Startup");
        var received = 0;
        app.Use(async (context, next) =>
        {
            StartupTimeline.MarkOnce("first request received", ref received);
            await next(context);
            StartupTimeline.Mark($"first answer: {context.Request.Path} {context.Response.StatusCode}");
            StartupTimeline.Write(logger);
        });
    }

    /// <summary>A hosted service that only marks the timeline when the host starts it.</summary>
    private sealed class TimelineMark(string phase) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            StartupTimeline.Mark(phase);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Where <c>greyhub.json</c> is looked for: the folder greyhub runs in.</summary>
    internal static string ConfigurationFile => Path.Combine(Directory.GetCurrentDirectory(), ConfigurationFileName);

    /// <summary>The hub's own configuration sources over <paramref name="configuration"/>: <c>greyhub.json</c> in the working folder, the environment, the arguments.</summary>
    internal static TBuilder Configuration<TBuilder>(TBuilder configuration, string[] args)
        where TBuilder : IConfigurationBuilder
    {
        configuration.AddJsonFile(ConfigurationFile, optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
        return configuration;
    }

    /// <summary>Engines Greyhub ships, by the name <c>Greyhub:Spawner:Engine</c> picks.</summary>
    public static IReadOnlyList<string> EngineNames { get; } = ["local", "slurm", "containers"];

    /// <summary>Where plug-in engines are configured, by name (<c>Greyhub:Compute:Remote:&lt;name&gt;:Url</c>...).</summary>
    private const string RemoteSection = "Greyhub:Compute:Remote:";

    /// <summary>Where plug-in authenticators are configured, by name (<c>Greyhub:Authenticator:Remote:&lt;name&gt;:Command</c>...).</summary>
    private const string RemoteAuthenticatorSection = "Greyhub:Authenticator:Remote:";

    /// <summary>
    /// The hub with every database Greyhub ships (<c>Greyhub:Database:Provider</c> picks one), the engine
    /// <paramref name="engine"/> names and the engine-backed spawner. Only the picked engine is registered, so its
    /// options alone are validated (a laptop needs no Slurm settings); a name Greyhub does not ship is a plug-in engine
    /// when <paramref name="remote"/> (it has a <c>Greyhub:Compute:Remote:&lt;name&gt;</c> section), otherwise unknown: none
    /// is registered, and the spawner's validation lists the known ones. A null <paramref name="engine"/> registers them
    /// all: the settings check knows every engine's keys, whichever is picked. A <paramref name="spawnerPlugin"/>
    /// (<c>Greyhub:Spawner:Plugin</c>) replaces the engine-backed spawner with that plug-in's.
    /// </summary>
    internal static void AddBricks(IServiceCollection services, string? engine, bool remote = false, string? spawnerPlugin = null)
    {
        services.AddGreyhub().UseSqlite().UsePostgres();
        services.AddGreyhubDataAccess();
        if (engine is null or "local")
        {
            services.AddLocalComputeEngine();
        }
        if (engine is null or "slurm")
        {
            services.AddSlurmComputeEngine();
        }
        if (engine is null or "containers")
        {
            services.AddContainerComputeEngine();
        }
        if (engine is null)
        {
            services.AddAllRemoteEngineOptions();
            services.AddAllRemoteAuthenticatorOptions();
        }
        else if (remote)
        {
            services.AddRemoteComputeEngine(engine);
        }
        if (engine is not null && !remote && !EngineNames.Contains(engine))
        {
            services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<EngineSpawnerOptions>>(new UnknownEngine());
        }
        services.AddEngineSpawner();
        if (spawnerPlugin is not null)
        {
            // A spawner plug-in (the JupyterHub bridge) starts servers; the engine above still runs clusters.
            services.AddRemoteSpawner(spawnerPlugin);
        }
        services.AddGreyhubClusters();
        // Clusters run on the servers' engine unless configured otherwise (that is the engine this hub has).
        services.AddOptions<ClustersOptions>().PostConfigure<IOptions<EngineSpawnerOptions>>((o, spawner) =>
        {
            if (o.Engine.Length == 0)
            {
                o.Engine = spawner.Value.Engine;
            }
        });
    }

    /// <summary>Stops the start when configuration under Greyhub's sections would not bind (<see cref="SettingsCheck"/>).</summary>
    internal static void CheckSettings(IConfiguration configuration)
    {
        if (SettingsCheck.Problems(configuration, Schema.Value) is { Count: > 0 } problems)
        {
            throw new SettingsException(problems);
        }
    }

    private sealed class UnknownEngine : Microsoft.Extensions.Options.IValidateOptions<EngineSpawnerOptions>
    {
        public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, EngineSpawnerOptions options) =>
            Microsoft.Extensions.Options.ValidateOptionsResult.Fail($"Greyhub:Spawner:Engine '{options.Engine}' is unknown; choose one of: {string.Join(", ", EngineNames)}, or configure a plug-in engine under {RemoteSection}{options.Engine}");
    }

    /// <summary>Runs the hub until stopped.</summary>
    public static async Task<int> ServeAsync(string[] args, CancellationToken cancellationToken)
    {
        try
        {
            await using var app = await BuildAsync(args, cancellationToken: cancellationToken);
            await app.RunAsync();
            return 0;
        }
        catch (SettingsException ex)
        {
            await Console.Error.WriteLineAsync(SettingsCheck.Format(ex.Problems) + "\n" + ConfigurationFileNote());
            return 2;
        }
        catch (InvalidDataException ex)
        {
            await Console.Error.WriteLineAsync(Unreadable(ex));
            return 2;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("greyhub: invalid configuration:\n  " + string.Join("\n  ", ex.Failures) + "\n" + ConfigurationFileNote());
            return 2;
        }
        catch (Greyhub.Hub.Proxy.ProxyStartException ex)
        {
            await Console.Error.WriteLineAsync("greyhub: the proxy did not start: " + ex.Message);
            return 2;
        }
        catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync("greyhub: cannot listen: " + ex.Message);
            return 2;
        }
    }
}

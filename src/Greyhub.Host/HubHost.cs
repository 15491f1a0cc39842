using Greyhub.Compute.Local;
using Greyhub.Hub;
using Greyhub.Hub.Hosting;
using Greyhub.Spawners.Engine;
using Microsoft.Extensions.Options;

namespace Greyhub.Host;

/// <summary>Builds and runs the hub web application: the composition root.</summary>
public static class HubHost
{
    /// <summary>Builds the application from command-line arguments (standard ASP.NET ones included).</summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        Configuration(builder.Configuration, args);
        builder.WebHost.UseKestrelHttpsConfiguration();
        // The hub's own handlers are moved off the socket threads by the proxy middleware.
        builder.WebHost.UseGreyhubProxyTransport();
        // Proxied requests are forwarded below HTTP, before Kestrel parses them (Greyhub.Proxy's connection-level path).
        builder.WebHost.ConfigureKestrel(o => o.ConfigureEndpointDefaults(listen => listen.UseGreyhubProxy()));
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["Kestrel:Endpoints:Http:Url"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8000");
        }
        // Logs go to stderr: stdout belongs to command output (a token from `greyhub token` is meant for scripts).
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // YARP logs two lines per proxied request at Information: far too much for a hub's log (and its CPU).
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // The hub with every database Greyhub ships; Greyhub:Database:Provider picks one (sqlite by default).
        builder.Services.AddGreyhub().UseSqlite().UsePostgres();
        AddComputeEngine(builder);
        builder.Services.AddEngineSpawner();
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
        var app = builder.Build();
        app.UseGreyhubForwardedHeaders();
        app.UseGreyhubHub();
        await HubStartup.InitializeAsync(app.Services, cancellationToken);
        return app;
    }

    /// <summary>The hub's own configuration sources over <paramref name="configuration"/>: <c>greyhub.json</c> in the working folder, the environment, the arguments.</summary>
    internal static TBuilder Configuration<TBuilder>(TBuilder configuration, string[] args)
        where TBuilder : IConfigurationBuilder
    {
        configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "greyhub.json"), optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
        return configuration;
    }

    /// <summary>Engines Greyhub ships, by the name <c>Greyhub:Spawner:Engine</c> picks.</summary>
    public static IReadOnlyList<string> EngineNames { get; } = ["local", "slurm", "containers"];

    /// <summary>
    /// Registers the engine configuration picks (only that one: the others' options are not validated, so a laptop
    /// needs no Slurm settings). An unknown name registers none, and the spawner's validation lists the known ones.
    /// </summary>
    private static void AddComputeEngine(WebApplicationBuilder builder)
    {
        switch (builder.Configuration["Greyhub:Spawner:Engine"] ?? "local")
        {
            case "local":
                builder.Services.AddLocalComputeEngine();
                break;
            case "slurm":
                builder.Services.AddSlurmComputeEngine();
                break;
            case "containers":
                builder.Services.AddContainerComputeEngine();
                break;
            default:
                builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<EngineSpawnerOptions>>(new UnknownEngine());
                break;
        }
    }

    private sealed class UnknownEngine : Microsoft.Extensions.Options.IValidateOptions<EngineSpawnerOptions>
    {
        public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, EngineSpawnerOptions options) =>
            Microsoft.Extensions.Options.ValidateOptionsResult.Fail($"Greyhub:Spawner:Engine '{options.Engine}' is unknown; choose one of: {string.Join(", ", EngineNames)}");
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
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("greyhub: invalid configuration:\n  " + string.Join("\n  ", ex.Failures));
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

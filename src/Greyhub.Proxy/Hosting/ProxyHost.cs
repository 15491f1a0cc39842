using System.Net;
using System.Security.Cryptography.X509Certificates;
using Greyhub.Abstractions.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy;

/// <summary>
/// The proxy on its own (<c>greyhub proxy</c>), as configurable-http-proxy runs: a public listener that forwards by
/// route (the connection-level path in front, YARP behind) and a separate API listener serving CHP's REST API over the
/// same route table. Two web applications, one table: the API is never reachable on the public port.
/// </summary>
public sealed partial class ProxyHost : IAsyncDisposable
{
    private readonly WebApplication _public;
    private readonly WebApplication _api;
    private readonly string? _pidFile;

    private ProxyHost(WebApplication publicApp, WebApplication api, string? pidFile)
    {
        _public = publicApp;
        _api = api;
        _pidFile = pidFile;
    }

    /// <summary>The public listener's address, e.g. <c>http://127.0.0.1:8000/</c>.</summary>
    public Uri PublicAddress => Address(_public);

    /// <summary>The API listener's address.</summary>
    public Uri ApiAddress => Address(_api);

    /// <summary>The route table, in-process (what the API serves).</summary>
    public IProxyRoutes Routes => _public.Services.GetRequiredService<IProxyRoutes>();

    /// <summary>Builds and starts both listeners; the default target, if any, is the route <c>/</c>.</summary>
    public static async Task<ProxyHost> StartAsync(ProxyHostSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var publicApp = Build(settings, services => services.AddGreyhubProxy(), (kestrel, _) =>
            Listen(kestrel, settings.Ip, settings.Port, settings.SslCert, settings.SslKey, listen => listen.UseGreyhubProxy()));
        var routes = publicApp.Services.GetRequiredService<IProxyRoutes>();
        // The API's application shares the public one's route table (and so its routes' activity).
        var apiApp = Build(settings, services =>
        {
            services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section).ValidateOnStart();
            services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
            services.AddSingleton(routes);
            services.AddGreyhubProxyApi();
        }, (kestrel, _) => Listen(kestrel, settings.ApiIp, settings.ApiPort ?? (settings.Port == 0 ? 0 : settings.Port + 1), settings.ApiSslCert, settings.ApiSslKey, null));

        publicApp.UseGreyhubProxyTrust();
        publicApp.UseGreyhubProxy();
        var errors = publicApp.Services.GetRequiredService<ProxyErrorResponder>();
        // A request no route takes: CHP's 404 (the error target's page or the built-in one).
        publicApp.Run(context => ProxyMiddleware.WriteErrorPageAsync(context, errors, StatusCodes.Status404NotFound));

        apiApp.UseAuthentication();
        apiApp.UseAuthorization();
        apiApp.MapProxyApi();

        if (settings.DefaultTarget is { } target)
        {
            await routes.AddRouteAsync("/", target, new Dictionary<string, System.Text.Json.JsonElement>(), cancellationToken);
        }
        var host = new ProxyHost(publicApp, apiApp, settings.PidFile);
        var logger = publicApp.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Greyhub.Proxy");
        var options = publicApp.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        if (options.ApiToken.Length == 0)
        {
            if (OpenApiRefusal(options, settings.ApiIp) is { } refusal)
            {
                await host.DisposeAppsAsync();
                throw new OptionsValidationException(ProxyOptions.Section, typeof(ProxyOptions), [refusal]);
            }
            // Allowed on loopback: anyone who reaches the API port (any local process) may change the routes.
            Log.NotAuthenticated(logger);
        }
        await publicApp.StartAsync(cancellationToken);
        await apiApp.StartAsync(cancellationToken);
        if (settings.PidFile is { } pidFile)
        {
            await File.WriteAllTextAsync(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        }
        Log.Listening(logger, host.PublicAddress, host.ApiAddress);
        return host;
    }

    /// <summary>Runs until the process is asked to stop (SIGTERM, SIGINT), then stops both listeners.</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAny(_public.WaitForShutdownAsync(cancellationToken), _api.WaitForShutdownAsync(cancellationToken));
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _public.StopAsync(CancellationToken.None);
        await _api.StopAsync(CancellationToken.None);
        await _public.DisposeAsync();
        await _api.DisposeAsync();
        if (_pidFile is not null)
        {
            File.Delete(_pidFile);
        }
    }

    /// <summary>
    /// Why an API without a token is refused: always, unless <see cref="ProxyOptions.AllowUnauthenticatedApi"/> is set
    /// and the API listens on loopback only. Users' servers run on this machine, so even loopback is not a boundary: any
    /// of them could route another user's traffic to itself; CHP only warns.
    /// </summary>
    private static string? OpenApiRefusal(ProxyOptions options, string apiIp)
    {
        var loopback = apiIp == "localhost" || (IPAddress.TryParse(apiIp, out var address) && IPAddress.IsLoopback(address));
        if (!options.AllowUnauthenticatedApi)
        {
            return "CONFIGPROXY_AUTH_TOKEN (Greyhub:Proxy:ApiToken) is empty: the REST API would let anyone who reaches it, "
                + "users' servers on this machine included, route any user's traffic. Set a token (JupyterHub always does), or, "
                + "on a loopback --api-ip only, pass --Greyhub:Proxy:AllowUnauthenticatedApi=true.";
        }
        return loopback ? null
            : $"CONFIGPROXY_AUTH_TOKEN (Greyhub:Proxy:ApiToken) is empty and --api-ip '{apiIp}' is not loopback: an open REST API is refused there "
              + "even with Greyhub:Proxy:AllowUnauthenticatedApi. Set a token.";
    }

    private async ValueTask DisposeAppsAsync()
    {
        await _public.DisposeAsync();
        await _api.DisposeAsync();
    }

    private static WebApplication Build(ProxyHostSettings settings, Action<IServiceCollection> services, Action<KestrelServerOptions, ProxyHostSettings> listen)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "greyhub.json"), optional: true, reloadOnChange: false);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(settings.Configuration);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseGreyhubProxyTransport();
        builder.WebHost.ConfigureKestrel(o => listen(o, settings));
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Authentication pulls in data protection, whose keys this process never uses: its key warnings are noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        services(builder.Services);
        settings.ConfigureServices?.Invoke(builder.Services);
        return builder.Build();
    }

    private static void Listen(KestrelServerOptions kestrel, string ip, int port, string? cert, string? key, Action<ListenOptions>? configure)
    {
        void Configure(ListenOptions listen)
        {
            configure?.Invoke(listen);
            if (cert is not null)
            {
                listen.UseHttps(X509Certificate2.CreateFromPemFile(cert, key));
            }
        }
        switch (ip)
        {
            case "" or "*" or "0.0.0.0" or "::":
                kestrel.ListenAnyIP(port, Configure);
                break;
            case "localhost":
                kestrel.ListenLocalhost(port, Configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(ip), port, Configure);
                break;
        }
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

    private static partial class Log
    {
        [LoggerMessage(EventId = ProxyEvents.ApiNotAuthenticated, Level = LogLevel.Warning, Message = "REST API is not authenticated (CONFIGPROXY_AUTH_TOKEN is empty).")]
        public static partial void NotAuthenticated(ILogger logger);

        [LoggerMessage(EventId = ProxyEvents.Listening, Level = LogLevel.Information, Message = "Proxying at {Public}; REST API at {Api}")]
        public static partial void Listening(ILogger logger, Uri @public, Uri api);
    }
}

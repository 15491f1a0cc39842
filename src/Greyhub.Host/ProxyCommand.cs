using System.CommandLine;
using System.Globalization;
using Greyhub.Proxy;

namespace Greyhub.Host;

/// <summary>
/// <c>greyhub proxy</c>: the proxy brick on its own, with configurable-http-proxy's command line, so that JupyterHub
/// (<c>c.ConfigurableHTTPProxy.command = ["greyhub", "proxy"]</c>) or a Greyhub hub can run it in CHP's place.
/// Every flag JupyterHub 3.0 passes and every flag of CHP 4.5 is accepted; those this proxy has no use for are listed
/// in <c>--help</c> as ignored and named on stderr when given.
/// </summary>
internal static class ProxyCommand
{
    /// <summary>CHP's flags that take a value and are accepted but ignored.</summary>
    private static readonly string[] IgnoredWithValue =
    [
        "--ssl-ca", "--ssl-protocol", "--ssl-ciphers", "--ssl-dhparam", "--api-ssl-ca", "--client-ssl-key", "--client-ssl-cert",
        "--client-ssl-ca", "--error-path", "--redirect-port", "--redirect-to", "--protocol-rewrite", "--custom-header",
        "--metrics-ip", "--metrics-port", "--storage-backend",
    ];

    /// <summary>CHP's switches that are accepted but ignored.</summary>
    private static readonly string[] IgnoredSwitches =
    [
        "--ssl-request-cert", "--ssl-reject-unauthorized", "--ssl-allow-rc4", "--api-ssl-request-cert", "--api-ssl-reject-unauthorized",
        "--client-ssl-request-cert", "--client-ssl-reject-unauthorized", "--no-prepend-path", "--no-include-prefix", "--auto-rewrite",
        "--change-origin", "--insecure", "--host-routing",
    ];

    public static Command Create()
    {
        var ip = new Option<string>("--ip") { Description = "Public-facing IP of the proxy (default: every interface)", DefaultValueFactory = _ => "" };
        var port = new Option<int>("--port") { Description = "Public-facing port of the proxy", DefaultValueFactory = _ => 8000 };
        var apiIp = new Option<string>("--api-ip") { Description = "Inward-facing IP for API requests", DefaultValueFactory = _ => "127.0.0.1" };
        var apiPort = new Option<int?>("--api-port") { Description = "Inward-facing port for API requests (default: --port + 1)" };
        var defaultTarget = new Option<string?>("--default-target") { Description = "Default proxy target (proto://host[:port]): the route /" };
        var errorTarget = new Option<string?>("--error-target") { Description = "Server for error pages: GET {target}/{code}?url={request}" };
        var sslKey = new Option<string?>("--ssl-key") { Description = "TLS key (PEM) of the public listener" };
        var sslCert = new Option<string?>("--ssl-cert") { Description = "TLS certificate (PEM) of the public listener" };
        var apiSslKey = new Option<string?>("--api-ssl-key") { Description = "TLS key (PEM) of the API listener" };
        var apiSslCert = new Option<string?>("--api-ssl-cert") { Description = "TLS certificate (PEM) of the API listener" };
        var logLevel = new Option<string>("--log-level") { Description = "Log level (debug, info, warn, error)", DefaultValueFactory = _ => "info" };
        var noXForward = new Option<bool>("--no-x-forward") { Description = "Don't add X-Forwarded-* headers to proxied requests" };
        var timeout = new Option<int?>("--timeout") { Description = "Milliseconds of silence from a server mid-request before the proxy gives up" };
        var proxyTimeout = new Option<int?>("--proxy-timeout") { Description = "Same as --timeout (wins over it); CHP's two timeouts are one here" };
        var pidFile = new Option<string?>("--pid-file") { Description = "Write the process id to this file" };
        var command = new Command("proxy", "Run the proxy alone with configurable-http-proxy's command line and REST API "
            + "(token from CONFIGPROXY_AUTH_TOKEN, required: without it the proxy refuses to start, unlike CHP, since users' servers "
            + "on this machine could rewrite the routes; --Greyhub:Proxy:AllowUnauthenticatedApi=true allows an open API on a loopback --api-ip only). "
            + "Accepted but ignored: " + string.Join(", ", IgnoredWithValue.Concat(IgnoredSwitches)) + ". "
            + "Other --Key=Value arguments are configuration, e.g. --Greyhub:Proxy:TrustedProxies:0=10.0.0.0/8.")
        {
            ip, port, apiIp, apiPort, defaultTarget, errorTarget, sslKey, sslCert, apiSslKey, apiSslCert, logLevel, noXForward, timeout, proxyTimeout, pidFile,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        foreach (var name in IgnoredWithValue)
        {
            command.Options.Add(new Option<string[]>(name) { Description = "Accepted for CHP compatibility; ignored", Hidden = true, AllowMultipleArgumentsPerToken = false });
        }
        foreach (var name in IgnoredSwitches)
        {
            command.Options.Add(new Option<bool>(name) { Description = "Accepted for CHP compatibility; ignored", Hidden = true });
        }
        command.SetAction(async (result, ct) =>
        {
            foreach (var given in command.Options.Where(o => o.Hidden && result.GetResult(o) is { Implicit: false }))
            {
                await Console.Error.WriteLineAsync($"greyhub proxy: {given.Name} is accepted for configurable-http-proxy compatibility but ignored");
            }
            var settings = new ProxyHostSettings
            {
                Ip = result.GetValue(ip)!,
                Port = result.GetValue(port),
                ApiIp = result.GetValue(apiIp)!,
                ApiPort = result.GetValue(apiPort),
                DefaultTarget = UrlOrNull(result.GetValue(defaultTarget)),
                SslKey = result.GetValue(sslKey),
                SslCert = result.GetValue(sslCert),
                ApiSslKey = result.GetValue(apiSslKey),
                ApiSslCert = result.GetValue(apiSslCert),
                PidFile = result.GetValue(pidFile),
            };
            var config = settings.Configuration;
            config.Add(new("Logging:LogLevel:Default", LogLevelOf(result.GetValue(logLevel)!)));
            config.Add(new(ProxyOptions.Section + ":ApiToken", Environment.GetEnvironmentVariable("CONFIGPROXY_AUTH_TOKEN") ?? ""));
            if (result.GetValue(errorTarget) is { Length: > 0 } error)
            {
                // Checked at start-up with the other options (an absolute http or https URL).
                config.Add(new(ProxyOptions.Section + ":ErrorTarget", error));
            }
            if (result.GetValue(noXForward))
            {
                config.Add(new(ProxyOptions.Section + ":XForward", "false"));
            }
            if ((result.GetValue(proxyTimeout) ?? result.GetValue(timeout)) is { } ms)
            {
                config.Add(new(ProxyOptions.Section + ":ActivityTimeout", TimeSpan.FromMilliseconds(ms).ToString("c", CultureInfo.InvariantCulture)));
            }
            // The rest, --Key=Value, is configuration over greyhub.json and the environment (as for serve).
            config.AddRange(new ConfigurationBuilder().AddCommandLine([.. result.UnmatchedTokens]).Build().AsEnumerable().Where(c => c.Value is not null));
            return await RunAsync(settings, ct);
        });
        return command;
    }

    /// <summary>A URL flag's value; a value that is not an absolute URL is refused when the routes are added.</summary>
    private static Uri? UrlOrNull(string? value) => string.IsNullOrEmpty(value) ? null : new Uri(value, UriKind.RelativeOrAbsolute);

    /// <summary>CHP's log levels as .NET's.</summary>
    private static string LogLevelOf(string level) => level.ToLowerInvariant() switch
    {
        "debug" => "Debug",
        "warn" or "warning" => "Warning",
        "error" => "Error",
        _ => "Information",
    };

    private static async Task<int> RunAsync(ProxyHostSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            await using var host = await ProxyHost.StartAsync(settings, cancellationToken);
            // SIGTERM and SIGINT stop both listeners (the hosts' console lifetime), then the routes go with the process.
            await host.WaitForShutdownAsync(cancellationToken);
            return 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync("greyhub proxy: invalid configuration:\n  " + string.Join("\n  ", ex.Failures));
            return 2;
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("greyhub proxy: " + ex.Message);
            return 2;
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync("greyhub proxy: cannot listen: " + ex.Message);
            return 2;
        }
    }
}

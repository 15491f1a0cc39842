using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Proxy;

/// <summary>What <c>greyhub proxy</c> is told on its command line (configurable-http-proxy's flags that mean something here).</summary>
public sealed class ProxyHostSettings
{
    /// <summary>The public listener's address; empty or <c>*</c> for every interface (CHP's default).</summary>
    public string Ip { get; set; } = "";

    /// <summary>The public listener's port (0 picks a free one).</summary>
    public int Port { get; set; } = 8000;

    /// <summary>The API listener's address.</summary>
    public string ApiIp { get; set; } = "127.0.0.1";

    /// <summary>The API listener's port; null for <see cref="Port"/> + 1 (0 picks a free one).</summary>
    public int? ApiPort { get; set; }

    /// <summary>Where requests no route takes go (CHP adds it as the route <c>/</c>); null answers them 404.</summary>
    public Uri? DefaultTarget { get; set; }

    /// <summary>TLS key and certificate (PEM files) of the public listener.</summary>
    public string? SslKey { get; set; }

    /// <inheritdoc cref="SslKey"/>
    public string? SslCert { get; set; }

    /// <summary>TLS key and certificate (PEM files) of the API listener.</summary>
    public string? ApiSslKey { get; set; }

    /// <inheritdoc cref="ApiSslKey"/>
    public string? ApiSslCert { get; set; }

    /// <summary>A file to write the process id to (and delete at exit).</summary>
    public string? PidFile { get; set; }

    /// <summary>More services for both applications (e.g. a test's log capture); applied last.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>
    /// Configuration as <c>key=value</c> pairs over the defaults, the environment and <c>greyhub.json</c>, e.g.
    /// <c>Greyhub:Proxy:ApiToken=…</c>, <c>Greyhub:Proxy:ErrorTarget=…</c>, <c>Logging:LogLevel:Default=Debug</c>.
    /// </summary>
    public List<KeyValuePair<string, string?>> Configuration { get; } = [];
}

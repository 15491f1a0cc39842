using Microsoft.Extensions.Options;

namespace Greyhub.Hub;

/// <summary>The hub's URL layout (JupyterHub's): <c>{base}hub/</c>, <c>{base}user/{name}/[{server}/]</c>, <c>{base}services/{name}/</c>.</summary>
internal sealed class HubUrls(IOptions<HubOptions> options)
{
    private readonly string _base = Normalise(options.Value.BaseUrl);
    private readonly string _public = options.Value.PublicUrl.TrimEnd('/');

    public string Base => _base;

    public string Hub => _base + "hub/";

    public string Api => _base + "hub/api";

    public string ServerUrl(string user, string server) =>
        server.Length == 0 ? $"{_base}user/{Escape(user)}/" : $"{_base}user/{Escape(user)}/{Escape(server)}/";

    /// <summary><c>NAME</c> or <c>NAME/SERVER</c>, escaped: the tail of the spawn, spawn-pending and stop pages.</summary>
    public static string ServerPath(string user, string server) =>
        server.Length == 0 ? Escape(user) : Escape(user) + "/" + Escape(server);

    public string ProgressUrl(string user, string server) =>
        server.Length == 0
            ? $"{_base}hub/api/users/{Escape(user)}/server/progress"
            : $"{_base}hub/api/users/{Escape(user)}/servers/{Escape(server)}/progress";

    public string ServicePrefix(string service) => $"{_base}services/{Escape(service)}/";

    public string? Full(string path) => _public.Length == 0 ? null : _public + path;

    /// <summary>Escapes a name for a URL path as JupyterHub does (keeps <c>@</c> and <c>~</c>).</summary>
    public static string Escape(string name) => Uri.EscapeDataString(name).Replace("%40", "@", StringComparison.Ordinal);

    private static string Normalise(string baseUrl)
    {
        var b = "/" + baseUrl.Trim('/');
        return b == "/" ? "/" : b + "/";
    }
}

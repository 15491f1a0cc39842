using System.Collections.Concurrent;
using System.Globalization;
using Greyhub.Hub.About;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Servers;

/// <summary>
/// Explains, once per version, the warning a single-user server older than the API this hub implements prints as it
/// starts: jupyterhub-singleuser reads the hub's <c>X-JupyterHub-Version</c> from <c>GET /hub/api</c> and warns when its
/// own major.minor differs ("jupyterhub version 5.4.3 != jupyterhub-singleuser version 3.0.0 ... redirect loops!").
/// The hub keeps saying the truth (it implements the JupyterHub 5 API); this says in the hub's log why that pairing is
/// fine, or, before 2.0, why it is not. The version comes from the header every single-user server sends on every
/// response, read when the server first answers, so it works on every engine.
/// </summary>
internal sealed partial class SingleUserVersions(ILogger<SingleUserVersions> logger)
{
    /// <summary>The header carrying a JupyterHub version, both ways.</summary>
    public const string Header = "X-JupyterHub-Version";

    private readonly ConcurrentDictionary<string, byte> _explained = new(StringComparer.Ordinal);

    /// <summary>A server at <paramref name="url"/> answered, sending <paramref name="singleUserVersion"/> (null: no header, not a JupyterHub single-user server).</summary>
    public void Seen(Uri url, string? singleUserVersion)
    {
        if (singleUserVersion is null || MajorMinor(singleUserVersion) is not { } server || MajorMinor(HubApi.JupyterHubVersion) is not { } hub
            || server == hub || !_explained.TryAdd(singleUserVersion, 0))
        {
            return;
        }
        if (server.Major < 2)
        {
            LogTooOld(logger, singleUserVersion, url, HubApi.JupyterHubVersion);
        }
        else
        {
            LogDiffers(logger, singleUserVersion, url, HubApi.JupyterHubVersion);
        }
    }

    /// <summary>The leading <c>major.minor</c> of a version such as <c>3.0.0</c>, <c>5.2.0.dev</c> or <c>4.1.0b1</c>.</summary>
    internal static (int Major, int Minor)? MajorMinor(string version)
    {
        var parts = version.Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(new string([.. parts[1].TakeWhile(char.IsAsciiDigit)]), NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            ? (major, minor)
            : null;
    }

    [LoggerMessage(EventId = HubEvents.SingleUserVersionDiffers, Level = LogLevel.Information,
        Message = "Servers run jupyterhub-singleuser {SingleUser} (first seen at {Url}), which warns \"jupyterhub version {Hub} != jupyterhub-singleuser version {SingleUser}\" as it starts. "
            + "Expected and harmless: this hub implements the JupyterHub {Hub} REST API and says so in that header; a single-user server from 2.0 on uses only parts of it that stayed compatible "
            + "(the OAuth code flow, GET /hub/api/user with its scopes, activity), and JupyterHub names only 0.7 and 2.0 as breaking. See docs/configuration.md, \"Single-user server versions\"")]
    private static partial void LogDiffers(ILogger logger, string singleUser, Uri url, string hub);

    [LoggerMessage(EventId = HubEvents.SingleUserTooOld, Level = LogLevel.Warning,
        Message = "Servers run jupyterhub-singleuser {SingleUser} (first seen at {Url}), older than 2.0: it predates the scopes the JupyterHub {Hub} API this hub implements grants, "
            + "so its OAuth may fail or loop. Install jupyterhub 2.0 or later where the servers run")]
    private static partial void LogTooOld(ILogger logger, string singleUser, Uri url, string hub);
}

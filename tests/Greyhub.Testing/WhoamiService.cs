namespace Greyhub.Testing;

/// <summary>
/// The test service <c>Services/whoami_service.py</c>: JupyterHub's own <c>HubOAuth</c> and <c>HubAuth</c> from Debian's
/// <c>jupyterhub</c> package in a small tornado app, run by the hub as a managed service.
/// </summary>
public static class WhoamiService
{
    /// <summary>The script, next to the tests.</summary>
    public static string Script => System.IO.Path.Combine(AppContext.BaseDirectory, "Services", "whoami_service.py");

    /// <summary>Fails the test, saying what to install, unless Debian's Python can import JupyterHub's service library and tornado.</summary>
    public static void Require() =>
        Requires.PythonModules("apt-get install -y jupyterhub python3-tornado", "jupyterhub.services.auth", "tornado");

    /// <summary>
    /// The configuration (<c>key=value</c>, without leading dashes) of service <paramref name="index"/> called
    /// <paramref name="name"/>, run by the hub at <paramref name="url"/>, with <paramref name="extra"/> settings of its own
    /// (<c>OauthClientAllowedScopes:0=...</c>).
    /// </summary>
    public static IEnumerable<string> Config(int index, string name, Uri url, params string[] extra)
    {
        var at = $"Greyhub:Services:{index}:";
        yield return at + "Name=" + name;
        yield return at + "Url=" + url.ToString().TrimEnd('/');
        yield return at + "Command:0=" + DebianPython.Path;
        yield return at + "Command:1=-u";
        yield return at + "Command:2=" + Script;
        foreach (var setting in extra)
        {
            yield return at + setting;
        }
    }
}

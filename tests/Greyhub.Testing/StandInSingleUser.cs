namespace Greyhub.Testing;

/// <summary>
/// A STAND-IN for jupyterhub-singleuser (<c>Services/stand_in_singleuser.py</c>), for tests that start hundreds of
/// servers on a small machine: the standard library only, a few megabytes each. It binds where
/// <c>JUPYTERHUB_SERVICE_URL</c> says, answers HTTP under <c>JUPYTERHUB_SERVICE_PREFIX</c> with the
/// <c>X-JupyterHub-Version</c> header and ends on SIGTERM: what a hub's start relies on. Tests of the single-user
/// contract itself use the real jupyterhub-singleuser.
/// </summary>
public static class StandInSingleUser
{
    /// <summary>The script, next to the tests.</summary>
    public static string Script => System.IO.Path.Combine(AppContext.BaseDirectory, "Services", "stand_in_singleuser.py");

    /// <summary>The hub configuration (<c>key=value</c>, no leading dashes) that makes it the spawner's command.</summary>
    public static string[] Config(string section = "Greyhub:Spawner") =>
        [$"{section}:Command:0={DebianPython.Path}", $"{section}:Command:1=-S", $"{section}:Command:2={Script}"];
}

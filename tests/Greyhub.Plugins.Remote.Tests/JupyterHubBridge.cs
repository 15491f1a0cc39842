using Greyhub.Testing;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>The JupyterHub bridge (python/greyhub_bridge) as the tests run it: Debian's Python, the package next to the tests.</summary>
public static class JupyterHubBridge
{
    /// <summary>The folder holding the <c>greyhub_bridge</c> package.</summary>
    public static string PackageRoot => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>The tests' own Authenticator classes and bridge configs.</summary>
    public static string TestData => Path.Combine(AppContext.BaseDirectory, "plugins", "bridge-tests");

    /// <summary>
    /// The hub's settings for a managed bridge named <paramref name="name"/> serving the authenticator
    /// <paramref name="config"/> configures, picked as the hub's authenticator.
    /// </summary>
    public static string[] AuthenticatorArgs(string name, string config, string log, string timeout = "00:00:05")
    {
        Requires.PythonModules("apt-get install -y jupyterhub python3-tornado python3-traitlets", "jupyterhub.auth", "tornado", "traitlets");
        var at = "--Greyhub:Authenticator:Remote:" + name + ":";
        return
        [
            "--Greyhub:Authenticator:Type=" + name,
            at + "Command:0=" + DebianPython.Path, at + "Command:1=-m", at + "Command:2=greyhub_bridge", at + "Command:3=-f", at + "Command:4=" + config,
            at + "Environment:PYTHONPATH=" + PackageRoot + ":" + TestData,
            at + "LogFile=" + log, at + "Timeout=" + timeout, at + "HealthInterval=00:00:01", at + "HealthFailures=30",
        ];
    }
}

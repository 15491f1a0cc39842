
namespace Greyhub.Hub.Servers;

/// <summary>A user's server by owner and name (empty for the default server).</summary>
internal readonly record struct ServerKey(string User, string Server)
{
    /// <summary>JupyterHub's log name: <c>alice</c> or <c>alice:name</c>.</summary>
    public override string ToString() => Server.Length == 0 ? User : User + ":" + Server;

    /// <summary>The OAuth client id, which is also the single-user server's cookie name.</summary>
    public string ClientId => Server.Length == 0
        ? "jupyterhub-user-" + HubUrls.Escape(User)
        : "jupyterhub-user-" + HubUrls.Escape(User) + "-" + HubUrls.Escape(Server);
}

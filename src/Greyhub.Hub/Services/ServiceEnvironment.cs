using System.Text.Json;
using Greyhub.Hub.Auth;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Services;

/// <summary>
/// The environment of a service the hub runs (JupyterHub's <c>_ServiceSpawner.get_env</c> and <c>Service.start</c>):
/// a few of the hub's own variables, JupyterHub's service variables, then the service's <c>environment</c>, which wins.
/// </summary>
internal sealed class ServiceEnvironment(HubUrls urls, HubAddress address, IOptions<HubOptions> options)
{
    // JupyterHub's Spawner.env_keep: what a process needs to find its programs and its language.
    private static readonly string[] Kept = ["PATH", "PYTHONPATH", "CONDA_ROOT", "CONDA_DEFAULT_ENV", "VIRTUAL_ENV", "LANG", "LC_ALL", "JUPYTERHUB_SINGLEUSER_APP"];

    /// <summary>The variables of <paramref name="service"/>, run with <paramref name="apiToken"/> as <paramref name="user"/> (null: the hub's user).</summary>
    public Dictionary<string, string> For(ServiceDefinition service, string apiToken, SystemUser? user)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in Kept)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                env[name] = value;
            }
        }
        env.TryAdd("PATH", "/usr/local/bin:/usr/bin:/bin");
        var api = address.ConnectUrl + urls.Api;
        // A service is allowed to whoever may access it; "access:services" covers holders of every service.
        var access = JsonSerializer.Serialize(new[] { "access:services", $"access:services!service={service.Name}" }, ServiceEnvironmentJson.Default.StringArray);
        env["JUPYTERHUB_SERVICE_NAME"] = service.Name;
        env["JUPYTERHUB_API_TOKEN"] = apiToken;
        env["JPY_API_TOKEN"] = apiToken;
        env["JUPYTERHUB_CLIENT_ID"] = service.OauthClientId;
        env["JUPYTERHUB_HOST"] = "";
        env["JUPYTERHUB_OAUTH_CALLBACK_URL"] = service.OauthRedirectUri ?? service.Prefix + "oauth_callback";
        env["JUPYTERHUB_OAUTH_SCOPES"] = access;
        env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"] = access;
        env["JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES"] = JsonSerializer.Serialize(service.OauthClientAllowedScopes.ToArray(), ServiceEnvironmentJson.Default.StringArray);
        env["JUPYTERHUB_USER"] = service.User ?? "";
        env["JUPYTERHUB_SERVER_NAME"] = "";
        env["JUPYTERHUB_API_URL"] = api;
        env["JUPYTERHUB_BASE_URL"] = urls.Base;
        env["JUPYTERHUB_SERVICE_PREFIX"] = service.Prefix;
        if (service.Url is { } url)
        {
            env["JUPYTERHUB_SERVICE_URL"] = url;
        }
        if (options.Value.PublicUrl is { Length: > 0 } publicUrl)
        {
            env["JUPYTERHUB_PUBLIC_URL"] = publicUrl.TrimEnd('/') + urls.Base;
            env["JUPYTERHUB_PUBLIC_HUB_URL"] = publicUrl.TrimEnd('/') + urls.Hub;
        }
        if (user is not null)
        {
            // JupyterHub's user_env for a service with a user.
            env["USER"] = user.Name;
            env["HOME"] = user.Home;
            env["SHELL"] = user.Shell;
        }
        foreach (var (key, value) in service.Environment)
        {
            env[key] = value;
        }
        return env;
    }
}

/// <summary>Source-generated JSON for the scope lists in the environment.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class ServiceEnvironmentJson : System.Text.Json.Serialization.JsonSerializerContext;

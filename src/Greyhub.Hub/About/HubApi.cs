using System.Reflection;
using Greyhub.Data.Stores;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.About;

/// <summary><c>/hub/api</c> (version), <c>/hub/api/info</c>, health.</summary>
internal static class HubApi
{
    /// <summary>The JupyterHub API version whose semantics Greyhub follows.</summary>
    public const string JupyterHubVersion = "5.4.3";

    public static string GreyhubVersion { get; } =
        typeof(HubApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.1.0";

    public static IEndpointRouteBuilder MapHubApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/", () => JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("version", JupyterHubVersion);
            w.WriteEndObject();
        })).AllowAnonymous();
        api.MapGet("/info", Info).RequireScope("read:hub");
        api.MapGet("/health", Health).AllowAnonymous();
        return api;
    }

    public static async Task<IResult> Health(HttpContext context, UserStore users)
    {
        try
        {
            await users.CountAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new JsonResult(503, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("status", 503);
                w.WriteString("message", "database unavailable");
                w.WriteEndObject();
            });
        }
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WriteEndObject();
        });
    }

    private static IResult Info()
    {
        return JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("version", JupyterHubVersion);
            w.WriteString("greyhub_version", GreyhubVersion);
            w.WriteString("python", "none (Greyhub runs on .NET " + Environment.Version + ")");
            w.WriteString("sys_executable", Environment.ProcessPath ?? "greyhub");
            w.WriteStartObject("authenticator");
            w.WriteString("class", "Greyhub.Hub.Auth.BuiltInAuthenticator");
            w.WriteString("version", GreyhubVersion);
            w.WriteEndObject();
            w.WriteStartObject("spawner");
            w.WriteString("class", "none");
            w.WriteString("version", GreyhubVersion);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}

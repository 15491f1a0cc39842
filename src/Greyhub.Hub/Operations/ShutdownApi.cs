using System.Text.Json;
using Greyhub.Data.Stores;
using Greyhub.Hub.Background;
using Greyhub.Hub.Http;
using Greyhub.Hub.Proxy;
using Greyhub.Hub.Servers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Greyhub.Hub.Operations;

/// <summary>
/// <c>POST /hub/api/shutdown</c> (scope <c>shutdown</c>): answers 202 <c>{"message": "Shutting down Hub"}</c> and then
/// stops the hub, as JupyterHub. <c>"proxy"</c> says whether a proxy the hub started stops too (instead of the
/// configured cleanup); <c>"servers": true</c> stops every running server first. Without it servers outlive the hub,
/// as they always do here (JupyterHub's <c>cleanup_servers = False</c>), and the next hub takes them back.
/// </summary>
internal static class ShutdownApi
{
    public static IEndpointRouteBuilder MapShutdownApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/shutdown", ShutdownAsync).RequireScope("shutdown");
        return api;
    }

    private static async Task<IResult> ShutdownAsync(HttpContext context, HubProxy proxy, ScopedRunner scoped, ServerStopper stopper, IHostApplicationLifetime lifetime)
    {
        bool? stopProxy = null;
        var stopServers = false;
        if (await JsonBody.ReadAsync(context.Request, context.RequestAborted) is { ValueKind: JsonValueKind.Object } body)
        {
            stopProxy = Flag(body, "proxy");
            stopServers = Flag(body, "servers") ?? false;
        }
        proxy.CleanupAtShutdown = stopProxy ?? proxy.CleanupAtShutdown;
        // After the answer has gone out: the caller hears 202 before the hub goes away.
        context.Response.OnCompleted(() =>
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    if (stopServers)
                    {
                        await StopServersAsync(scoped, stopper, lifetime.ApplicationStopping);
                    }
                }
                finally
                {
                    // A server that would not stop (it is logged where it failed) does not keep the hub up.
                    lifetime.StopApplication();
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        });
        return new JsonResult(StatusCodes.Status202Accepted, w =>
        {
            w.WriteStartObject();
            w.WriteString("message", "Shutting down Hub");
            w.WriteEndObject();
        });
    }

    private static bool? Flag(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.BadRequest($"{name} must be true or false, got {value.GetRawText()}"),
        };
    }

    private static async Task StopServersAsync(ScopedRunner scoped, ServerStopper stopper, CancellationToken cancellationToken)
    {
        var active = await scoped.RunAsync((ServerStore servers) => servers.ListActiveAsync(cancellationToken));
        foreach (var name in active.Select(a => a.UserName).Distinct(StringComparer.Ordinal))
        {
            if (await scoped.RunAsync((UserStore users) => users.FindAsync(name, cancellationToken)) is { } user)
            {
                await stopper.StopAllAsync(user, cancellationToken);
            }
        }
    }
}

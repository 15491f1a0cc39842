using System.Text.Json;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Operations;

/// <summary>
/// <c>POST /hub/api/shutdown</c> as JupyterHub (scope <c>shutdown</c>): answers 202, then stops the hub cleanly.
/// <c>servers: true</c> stops every running server first (by default they keep running and the next start re-adopts
/// them); <c>proxy</c> overrides <c>Greyhub:Proxy:External:Cleanup</c> for a proxy the hub started.
/// </summary>
internal static partial class ShutdownApi
{
    public static IEndpointRouteBuilder MapShutdownApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/shutdown", Shutdown).RequireScope("shutdown");
        return api;
    }

    private static async Task<IResult> Shutdown(HttpContext context, HubShutdown shutdown, IHostApplicationLifetime lifetime, AuditLog audit, ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        bool? servers = null;
        bool? proxy = null;
        if (body is { ValueKind: JsonValueKind.Object } b)
        {
            servers = Flag(b, "servers");
            proxy = Flag(b, "proxy");
        }
        else if (body is { ValueKind: not JsonValueKind.Null })
        {
            throw ApiException.BadRequest("Request body must be a JSON object");
        }
        var caller = context.Caller();
        var by = $"{AuditActor.Of(caller).Kind} {caller.Name}";
        shutdown.Request(new HubShutdown.Plan(by, servers, proxy));
        var logger = loggers.CreateLogger("Greyhub.Shutdown");
        LogRequested(logger, by, servers, proxy);
        audit.Record(context, AuditActions.HubShutdown, detail: $"servers={Text(servers)} proxy={Text(proxy)}");
        // The answer goes out first; the stop follows once it is sent.
        context.Response.OnCompleted(() =>
        {
            lifetime.StopApplication();
            return Task.CompletedTask;
        });
        return new JsonResult(StatusCodes.Status202Accepted, w =>
        {
            w.WriteStartObject();
            w.WriteString("message", "Shutting down Hub");
            w.WriteEndObject();
        });
    }

    /// <summary>A flag as JupyterHub reads it: absent, or exactly <c>true</c> or <c>false</c>.</summary>
    private static bool? Flag(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var value) ? null
        : value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.BadRequest($"{name} must be true or false, got {value.GetRawText()}"),
        };

    private static string Text(bool? flag) => flag switch { true => "true", false => "false", null => "default" };

    [LoggerMessage(EventId = HubEvents.ShutdownRequested, Level = LogLevel.Warning, Message = "Shutdown requested by {By} (servers: {Servers}, proxy: {Proxy})")]
    private static partial void LogRequested(ILogger logger, string by, bool? servers, bool? proxy);
}

using System.Text.Json;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Servers;

/// <summary>Start, stop and follow servers: <c>/users/{name}/server</c>, <c>/users/{name}/servers/{server_name}</c> and their <c>progress</c> streams.</summary>
internal static class ServersApi
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(8);

    public static IEndpointRouteBuilder MapServersApi(this IEndpointRouteBuilder api)
    {
        // The server's scope is decided on {name}/{serverName} (the default server where the route has none).
        api.MapPost("/users/{name}/server", (HttpContext c, string name, [AsParameters] ServerApiServices s) => Start(c, s, name, ""))
            .RequireScope(ScopeTarget.Server, "servers");
        api.MapPost("/users/{name}/servers/{serverName}", (HttpContext c, string name, string serverName, [AsParameters] ServerApiServices s) => Start(c, s, name, serverName))
            .RequireScope(ScopeTarget.Server, "servers");
        api.MapPost("/users/{name}/servers/", (HttpContext c, string name, [AsParameters] ServerApiServices s) => Start(c, s, name, ""))
            .RequireScope(ScopeTarget.Server, "servers");
        api.MapDelete("/users/{name}/server", (HttpContext c, string name, [AsParameters] ServerApiServices s) => Stop(c, s, name, ""))
            .RequireScope(ScopeTarget.Server, "delete:servers");
        api.MapDelete("/users/{name}/servers/{serverName}", (HttpContext c, string name, string serverName, [AsParameters] ServerApiServices s) => Stop(c, s, name, serverName))
            .RequireScope(ScopeTarget.Server, "delete:servers");
        api.MapGet("/users/{name}/server/progress", (HttpContext c, string name, [AsParameters] ServerApiServices s) => Progress(c, s, name, ""))
            .RequireScope(ScopeTarget.Server, "read:servers");
        api.MapGet("/users/{name}/servers/{serverName}/progress", (HttpContext c, string name, string serverName, [AsParameters] ServerApiServices s) => Progress(c, s, name, serverName))
            .RequireScope(ScopeTarget.Server, "read:servers");
        return api;
    }

    /// <summary>What the servers API uses, bound by ASP.NET from the container per request.</summary>
    internal readonly record struct ServerApiServices(UserService Users, ServerStarter Starter, ServerStopper Stopper, SpawnTracker Tracker, HubUrls Urls, IOptions<HubOptions> Options, AuditLog Audit);

    /// <summary>The user the route names (the endpoint's scope metadata has authorized the caller), or 404.</summary>
    private static async Task<(UserRecord User, ServerKey Key)> LoadAsync(HttpContext context, ServerApiServices s, string name, string serverName)
    {
        var user = await s.Users.FindAsync(name, context.RequestAborted) ?? throw ApiException.NotFound($"No such user: {name}");
        return (user, new ServerKey(user.Name, serverName));
    }

    private static async Task<IResult> Start(HttpContext context, ServerApiServices s, string name, string serverName)
    {
        var (user, key) = await LoadAsync(context, s, name, serverName);
        var options = s.Options.Value.Servers;
        if (serverName.Length > 0)
        {
            ServersApiRules.CheckNamed(options, user, serverName);
        }
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var operation = await s.Starter.StartAsync(user, key.Server, body, context.RequestAborted);
        s.Audit.Record(context, AuditActions.ServerStart, user.Name, key.Server);
        if (operation.InLine)
        {
            // Waiting in line: accepted now; the progress stream tells the place.
            return Results.Text("", "text/plain", statusCode: StatusCodes.Status202Accepted);
        }
        var finished = await Task.WhenAny(operation.Completion, Task.Delay(options.SlowSpawnTimeout, context.RequestAborted));
        if (finished == operation.Completion && !await operation.Completion)
        {
            var failure = s.Tracker.LastFailure(key);
            throw new ApiException(500, failure?.Message ?? "Spawn failed");
        }
        return Results.Text("", "text/plain", statusCode: finished == operation.Completion ? StatusCodes.Status201Created : StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Stop(HttpContext context, ServerApiServices s, string name, string serverName)
    {
        var (user, _) = await LoadAsync(context, s, name, serverName);
        var options = s.Options.Value.Servers;
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var remove = false;
        if (body is { ValueKind: JsonValueKind.Object } b)
        {
            JsonBody.OnlyKeys(b, "options", "remove");
            remove = JsonBody.Bool(b, "remove", "options") ?? false;
        }
        else if (body is { ValueKind: not JsonValueKind.Null })
        {
            throw ApiException.BadRequest("body must be a JSON object");
        }
        if (serverName.Length > 0)
        {
            ServersApiRules.CheckName(options, serverName);
        }
        else if (remove)
        {
            throw ApiException.BadRequest("Cannot delete the default server");
        }
        var server = user.Servers.FirstOrDefault(x => x.Name == serverName);
        if (server is null)
        {
            if (serverName.Length > 0)
            {
                throw ApiException.NotFound($"{user.Name} has no server named '{serverName}'");
            }
            return Results.NoContent();
        }
        var stopped = await s.Stopper.StopAsync(user, server, remove, context.RequestAborted);
        if (server.Phase != ServerPhases.Stopped)
        {
            s.Audit.Record(context, AuditActions.ServerStop, user.Name, server.Name, remove ? "removed" : null);
        }
        var finished = await Task.WhenAny(stopped, Task.Delay(options.SlowStopTimeout, context.RequestAborted));
        if (finished == stopped)
        {
            await stopped;
        }
        // No body at all on 204 (Kestrel refuses one); 202 carries JupyterHub's empty text/plain.
        return finished == stopped ? Results.NoContent() : Results.Text("", "text/plain", statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task Progress(HttpContext context, ServerApiServices s, string name, string serverName)
    {
        var (user, key) = await LoadAsync(context, s, name, serverName);
        var server = user.Servers.FirstOrDefault(x => x.Name == serverName) ?? throw ApiException.NotFound();
        var tracker = s.Tracker;
        var urls = s.Urls;
        var operation = tracker.Spawn(key);
        var pending = operation is { Completion.IsCompleted: false };
        var failure = tracker.LastFailure(key);
        if (server.Phase != ServerPhases.Running && !pending && failure is null)
        {
            throw ApiException.BadRequest($"{key} is not starting...");
        }
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(context.RequestAborted);
        using var gate = new SemaphoreSlim(1, 1);
        var prefix = urls.ServerUrl(key.User, key.Server);
        var readyEvent = ServerStarter.ReadyEvent(prefix);
        if (server.Phase == ServerPhases.Running && !pending)
        {
            await SendAsync(response, gate, readyEvent, context.RequestAborted);
            return;
        }
        if (!pending)
        {
            await SendAsync(response, gate, ServerStarter.FailedEvent(failure!), context.RequestAborted);
            return;
        }
        using var keepAlive = new CancellationTokenSource();
        var alive = KeepAliveAsync(response, gate, keepAlive.Token);
        try
        {
            await foreach (var e in operation!.EventsAsync(context.RequestAborted))
            {
                await SendAsync(response, gate, e, context.RequestAborted);
            }
        }
        finally
        {
            await keepAlive.CancelAsync();
            await alive;
        }
    }

    private static async Task KeepAliveAsync(HttpResponse response, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(KeepAlive, cancellationToken);
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await response.WriteAsync("\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string JsonString(string value) => JsonSerializer.Serialize(value, Relaxed);

    private static async Task SendAsync(HttpResponse response, SemaphoreSlim gate, ProgressEvent e, CancellationToken cancellationToken)
    {
        // Python's json.dumps layout (", " and ": "), field for field as JupyterHub writes its events.
        var fields = new List<string>(6) { "\"progress\": " + e.Progress.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (e.Ready)
        {
            fields.Add("\"ready\": true");
        }
        if (e.Failed)
        {
            fields.Add("\"failed\": true");
        }
        fields.Add("\"message\": " + JsonString(e.Message));
        if (e.HtmlMessage is not null)
        {
            fields.Add("\"html_message\": " + JsonString(e.HtmlMessage));
        }
        if (e.Url is not null)
        {
            fields.Add("\"url\": " + JsonString(e.Url));
        }
        if (e.QueuePosition is { } position)
        {
            fields.Add("\"queue_position\": " + position.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (e.QueueEstimateSeconds is { } estimate)
        {
            fields.Add("\"queue_estimate_seconds\": " + estimate.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var line = "data: {" + string.Join(", ", fields) + "}\n\n";
        await gate.WaitAsync(cancellationToken);
        try
        {
            await response.WriteAsync(line, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}

/// <summary>Named-server rules shared by the API and the pages.</summary>
internal static class ServersApiRules
{
    /// <summary>Named servers allowed, a valid name, and the per-user limit (for a server that does not exist yet).</summary>
    public static void CheckNamed(ServersOptions options, UserRecord user, string serverName)
    {
        CheckName(options, serverName);
        if (options.NamedServerLimitPerUser > 0 && user.Servers.All(s => s.Name != serverName)
            && user.Servers.Count(s => s.Name.Length > 0) >= options.NamedServerLimitPerUser)
        {
            throw HubException.Invalid($"User {user.Name} already has the maximum of {options.NamedServerLimitPerUser} named servers.  One must be deleted before a new server can be created");
        }
    }

    public static void CheckName(ServersOptions options, string serverName)
    {
        if (!options.AllowNamedServers)
        {
            throw HubException.Invalid("Named servers are not enabled.");
        }
        if (!Names.IsValid(serverName))
        {
            throw HubException.Invalid($"Invalid server_name: {serverName}");
        }
    }
}

using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Data.Stores;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Hub.Users;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Greyhub.Hub.Servers;

/// <summary>
/// JupyterHub batchspawner's callback, <c>POST /hub/api/batchspawner</c> with <c>{"port": N}</c> (and optionally
/// <c>"host"</c>, or <c>"ip"</c> as the Spawner attribute is named): a server started as a batch job tells the hub
/// where it listens. The caller is identified the way JupyterHub does it: the server whose own API token made the
/// request (the token's owner, its <c>access:servers!server=user/name</c> scope, and the token recorded for that
/// server). The endpoint goes to the server's engine through <see cref="IJobEndpointReceiver"/>.
/// </summary>
internal static class BatchSpawnerApi
{
    public static IEndpointRouteBuilder MapBatchSpawnerApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/batchspawner", (HttpContext context, UserService users, ServerStore servers, [Microsoft.AspNetCore.Mvc.FromServices] IEnumerable<IJobEndpointReceiver> receivers) =>
            Post(context, users, servers, receivers)).RequireCaller();
        return api;
    }

    private static async Task<IResult> Post(HttpContext context, UserService users, ServerStore servers, IEnumerable<IJobEndpointReceiver> receivers)
    {
        var identity = context.Caller();
        if (!identity.IsUser || identity.TokenId is not { } tokenId)
        {
            throw ApiException.Forbidden("Only a server's own API token may report its endpoint");
        }
        var body = (await JsonBody.ReadObjectAsync(context.Request, required: true, context.RequestAborted))!.Value;
        if (!body.TryGetProperty("port", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var port) || port is < 1 or > 65535)
        {
            throw ApiException.BadRequest("port must be a TCP port number");
        }
        var host = JsonBody.String(body, "host", "batchspawner") ?? JsonBody.String(body, "ip", "batchspawner");

        var user = await users.FindAsync(identity.Name, context.RequestAborted)
            ?? throw ApiException.NotFound($"No such user: {identity.Name}");
        var server = user.Servers.FirstOrDefault(s =>
            ServerState.Parse(s.State).TokenId == tokenId
            && identity.Scopes.Check(ResourceRef.Server(user.Name, s.Name, user.Groups), "access:servers") == ScopeDecision.Allowed)
            ?? throw ApiException.NotFound("No server of yours was started with this token");
        var job = JobOf(ServerState.Parse(server.State).Spawner);
        // A job that starts at once can report before the hub has written the job it just launched: wait for that
        // write (batchspawner-singleuser reports once and gives up on an error).
        for (var waited = 0; job is null && waited < 200; waited++)
        {
            await Task.Delay(50, context.RequestAborted);
            if (await servers.FindByIdAsync(server.Id, context.RequestAborted) is not { } fresh)
            {
                break;
            }
            job = JobOf(ServerState.Parse(fresh.State).Spawner);
        }
        if (job is null)
        {
            throw ApiException.BadRequest("The server has no batch job to configure");
        }
        foreach (var receiver in receivers)
        {
            if (await receiver.TryAcceptEndpointAsync(job, string.IsNullOrWhiteSpace(host) ? null : host, port, context.RequestAborted))
            {
                return JsonResult.Created(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message", "BatchSpawner data configured");
                    w.WriteEndObject();
                });
            }
        }
        throw ApiException.BadRequest($"The server's engine ({job.Engine}) does not take endpoints, or its job has ended");
    }

    /// <summary>The engine job in the engine spawner's state (<c>{"engine":…,"id":…,"job":{…}}</c>).</summary>
    private static JobHandle? JobOf(string? spawnerState)
    {
        if (spawnerState is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(spawnerState);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("engine", out var engine) && engine.ValueKind == JsonValueKind.String
                && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && root.TryGetProperty("job", out var state)
                ? new JobHandle(engine.GetString()!, id.GetString()!, state.GetRawText())
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

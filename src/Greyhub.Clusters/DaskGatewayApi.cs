using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Data.Entities;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Proxy.Sni;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Clusters;

/// <summary>
/// Dask Gateway's REST API (its server's <c>routes.py</c>), wire-compatible, under <c>/services/dask-gateway</c>: the
/// hub authenticates the caller (<c>Authorization: jupyterhub|token|bearer</c>), each endpoint requires its scope, and
/// the handler checks the cluster's owner against the scope's filter (<c>clusters!user=alice</c> from <c>self</c>, or
/// <c>admin:clusters</c>). Errors are Gateway's <c>{"error": reason}</c>.
/// </summary>
internal static class DaskGatewayApi
{
    public const string Prefix = "/services/dask-gateway";
    private const string ReadScope = "read:clusters";
    private const string WriteScope = "clusters";
    private const string ClusterTokenScheme = "greyhub-cluster ";

    public static IEndpointRouteBuilder MapDaskGatewayApi(this IEndpointRouteBuilder app, long maxBodyBytes)
    {
        var root = app.MapGroup(Prefix + "/api").WithMetadata(new HubApiEndpoint(maxBodyBytes));
        root.MapGet("/health", () => Results.Json(new JsonObject { ["status"] = "pass" })).AllowAnonymous();
        root.MapGet("/version", () => Results.Json(new JsonObject { ["version"] = "2024.1.0" })).AllowAnonymous();
        var api = root.MapGroup("/v1");
        api.MapGet("/options", Options).RequireScope(ReadScope);
        api.MapGet("/clusters", List).RequireScope(ReadScope);
        api.MapPost("/clusters", Create).RequireScope(WriteScope);
        api.MapGet("/clusters/{name}", Get).RequireScope(ReadScope);
        api.MapDelete("/clusters/{name}", Delete).RequireScope(WriteScope);
        api.MapPost("/clusters/{name}/scale", Scale).RequireScope(WriteScope);
        api.MapPost("/clusters/{name}/adapt", Adapt).RequireScope(WriteScope);
        // The scheduler's own calls carry the cluster's token, not a hub token: checked by the handler.
        api.MapPost("/clusters/{name}/heartbeat", Heartbeat).AllowAnonymous();
        return app;
    }

    private static IResult Error(int status, string reason) => Results.Json(new JsonObject { ["error"] = reason }, statusCode: status);

    private static async Task<IResult> Guard(Func<Task<IResult>> handler)
    {
        try
        {
            return await handler();
        }
        catch (ClusterException e)
        {
            return Error(e.StatusCode, e.Message);
        }
    }

    private static (string Group, ClusterProfile Profile) ProfileOf(HttpContext context, IOptions<ClustersOptions> options) =>
        ClusterOptionsSpec.For(options.Value, context.Caller().Groups);

    private static IResult Options(HttpContext context, IOptions<ClustersOptions> options) =>
        Results.Json(new JsonObject { ["cluster_options"] = ClusterOptionsSpec.Specification(ProfileOf(context, options).Profile) });

    private static Task<IResult> List(HttpContext context, ClusterService clusters, string? status) => Guard(async () =>
    {
        var caller = context.Caller();
        List<int>? statuses = null;
        if (status is not null)
        {
            statuses = [];
            foreach (var s in status.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                statuses.Add(Enum.TryParse<ClusterStatus>(s, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(s, out _)
                    ? (int)parsed
                    : throw ClusterException.Unprocessable($"Invalid cluster status '{s}'; one of PENDING, RUNNING, STOPPING, STOPPED, FAILED"));
            }
        }
        // Gateway lists the caller's own clusters; here, as JupyterHub lists users, every cluster the caller's read scope
        // covers: their own (self's read:clusters!user=), their groups' members' (read:clusters!group=), all for admins.
        var list = await clusters.ListVisibleAsync(caller.Scopes.FilterFor(ReadScope), statuses, context.RequestAborted);
        var result = new JsonObject();
        foreach (var cluster in list)
        {
            result[cluster.Name] = ClusterModel.ToJson(cluster, keys: null, ProxyPort(context));
        }
        return Results.Json(result);
    });

    private static Task<IResult> Create(HttpContext context, ClusterService clusters, IOptions<ClustersOptions> options) => Guard(async () =>
    {
        var caller = context.Caller();
        if (!caller.IsUser || !caller.Scopes.FilterFor(WriteScope).Matches(ResourceRef.User(caller.Name, caller.Groups)))
        {
            return Error(403, $"{caller.Name} may not create clusters (a user's '{WriteScope}' scope is needed)");
        }
        var body = await ReadBodyAsync(context);
        JsonElement? requested = body is { } b && b.TryGetProperty("cluster_options", out var o) ? o : null;
        Dictionary<string, string>? versions = null;
        if (body is { } v && v.TryGetProperty("client_versions", out var cv) && cv.ValueKind == JsonValueKind.Object)
        {
            versions = cv.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }
        var (group, profile) = ProfileOf(context, options);
        var name = await clusters.CreateAsync(caller.Name, group, profile, requested, versions, context.RequestAborted);
        return Results.Json(new JsonObject { ["name"] = name }, statusCode: 201);
    });

    private static Task<IResult> Get(HttpContext context, ClusterService clusters, ClusterKeys keys, string name, string? wait) => Guard(async () =>
    {
        var cluster = Flag(wait)
            ? await clusters.WaitAsync(name, TimeSpan.FromSeconds(20), context.RequestAborted)
            : await clusters.FindAsync(name, context.RequestAborted);
        var owner = await AuthorizeAsync(context, clusters, cluster, name, ReadScope, "view");
        // The key pair lets its holder compute on the cluster: only to those who may act on it (owner, admins, a
        // clusters!group= holder), not to a read-only viewer.
        var mayUse = context.Caller().Scopes.FilterFor(WriteScope).Matches(owner);
        return Results.Json(ClusterModel.ToJson(cluster!, mayUse ? keys : null, ProxyPort(context)));
    });

    private static Task<IResult> Delete(HttpContext context, ClusterService clusters, string name) => Guard(async () =>
    {
        if (await clusters.FindAsync(name, context.RequestAborted) is { } cluster)
        {
            await AuthorizeAsync(context, clusters, cluster, name, WriteScope, "stop");
            await clusters.StopAsync(name, $"Stopped by {context.Caller().Name}", context.RequestAborted);
        }
        return Results.NoContent();
    });

    private static Task<IResult> Scale(HttpContext context, ClusterService clusters, IOptions<ClustersOptions> options, string name) => Guard(async () =>
    {
        var cluster = await clusters.FindAsync(name, context.RequestAborted);
        await AuthorizeAsync(context, clusters, cluster, name, WriteScope, "scale");
        var body = await ReadBodyAsync(context);
        if (body is not { } b || !b.TryGetProperty("count", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out var count) || count < 0)
        {
            var got = body is { } bb && bb.TryGetProperty("count", out var g) ? g.GetRawText() : "None";
            return Error(422, $"Scale expects a non-negative integer, got {got}");
        }
        await clusters.ScaleAsync(name, count, MaxWorkers(options, cluster!), context.RequestAborted);
        return Results.Ok();
    });

    private static Task<IResult> Adapt(HttpContext context, ClusterService clusters, IOptions<ClustersOptions> options, string name) => Guard(async () =>
    {
        var cluster = await clusters.FindAsync(name, context.RequestAborted);
        await AuthorizeAsync(context, clusters, cluster, name, WriteScope, "adapt");
        var body = await ReadBodyAsync(context) ?? JsonDocument.Parse("{}").RootElement;
        var minimum = OptionalCount(body, "minimum");
        var maximum = OptionalCount(body, "maximum");
        var active = !body.TryGetProperty("active", out var a) || a.ValueKind != JsonValueKind.False;
        await clusters.AdaptAsync(name, minimum, maximum, active, MaxWorkers(options, cluster!), context.RequestAborted);
        return Results.Ok();
    });

    private static Task<IResult> Heartbeat(HttpContext context, ClusterHeartbeats heartbeats, string name) => Guard(async () =>
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(ClusterTokenScheme, StringComparison.Ordinal))
        {
            return Error(401, "Unauthorized");
        }
        SchedulerHeartbeat? beat;
        try
        {
            beat = await JsonSerializer.DeserializeAsync(context.Request.Body, ClusterJson.Default.SchedulerHeartbeat, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return Error(400, "Invalid heartbeat: " + e.Message);
        }
        if (beat is null || !await heartbeats.ReceiveAsync(name, header[ClusterTokenScheme.Length..].Trim(), beat, context.RequestAborted))
        {
            return Error(401, "Unauthorized");
        }
        return Results.Ok();
    });

    private static int? ProxyPort(HttpContext context)
    {
        try
        {
            return context.RequestServices.GetRequiredService<ISniProxyEndpoint>().Port;
        }
        catch (InvalidOperationException)
        {
            // Not listening yet (the host is still starting).
            return null;
        }
    }

    private static int MaxWorkers(IOptions<ClustersOptions> options, DaskClusterEntity cluster) =>
        ClusterOptionsSpec.Named(options.Value, ClusterState.Parse(cluster.State).ProfileGroup).MaxWorkers;

    /// <summary>
    /// The cluster's owner when the caller's <paramref name="scope"/> covers them; 404 or 403 otherwise, as Gateway
    /// answers. A <c>!group=</c> filter covers the clusters of the group's members, as it covers their servers in
    /// JupyterHub: the owner's groups are read (at that moment) only when the caller holds such a filter.
    /// </summary>
    private static async Task<ResourceRef> AuthorizeAsync(HttpContext context, ClusterService clusters, DaskClusterEntity? cluster, string name, string scope, string action)
    {
        var caller = context.Caller();
        if (cluster is null)
        {
            throw ClusterException.NotFound(name);
        }
        var filter = caller.Scopes.FilterFor(scope);
        var groups = filter.HasGroupFilters || caller.Scopes.FilterFor(WriteScope).HasGroupFilters
            ? await clusters.GroupsOfAsync(cluster.UserName, context.RequestAborted)
            : [];
        var owner = ResourceRef.User(cluster.UserName, groups);
        return filter.Matches(owner) ? owner : throw ClusterException.Forbidden(caller.Name, action, name);
    }

    private static int? OptionalCount(JsonElement body, string name) =>
        !body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0 ? n
        : throw ClusterException.Unprocessable($"{name} must be a non-negative integer, got {v.GetRawText()}");

    private static bool Flag(string? value) => value is not null && (value.Length == 0 || (int.TryParse(value, out var n) && n != 0));

    private static async Task<JsonElement?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : throw ClusterException.Unprocessable("The request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new ClusterException(400, "Invalid JSON body: " + e.Message);
        }
    }
}

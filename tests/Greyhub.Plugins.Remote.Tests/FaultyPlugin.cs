using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// A plug-in that misbehaves on demand, on real Kestrel at 127.0.0.1: each call's answer is whatever the test sets
/// (hang, abort the connection, malformed JSON, an error); every launch's idempotency key is recorded.
/// </summary>
public sealed class FaultyPlugin : IAsyncDisposable
{
    public const string Secret = "faulty-secret";
    private readonly WebApplication _app;

    private FaultyPlugin(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The protocol versions the handshake claims.</summary>
    public int[] Protocols { get; set; } = [1];

    /// <summary>The optional engine calls the handshake lists (<c>engine_calls</c>); null leaves the field out, as a 1.1 plug-in does.</summary>
    public string[]? EngineCalls { get; set; }

    /// <summary>The spawner calls the handshake lists (<c>hosts.spawner.calls</c>); null leaves <c>hosts</c> out, as an engine-only plug-in does.</summary>
    public string[]? SpawnerCalls { get; set; }

    /// <summary>Answers a find (<c>/v1/jobs/find</c>) with the key asked for; unset, the call is unknown (404).</summary>
    public Func<HttpContext, string, Task>? OnFind { get; set; }

    /// <summary>How many find calls arrived.</summary>
    public int FindCalls => _findCalls;

    private int _findCalls;

    /// <summary>Answers a launch (attempt number from 1); the default launches a job named after the key.</summary>
    public Func<HttpContext, int, Task>? OnLaunch { get; set; }

    /// <summary>Answers a status call (attempt number from 1); the default says every job is running.</summary>
    public Func<HttpContext, int, Task>? OnStatus { get; set; }

    /// <summary>Answers a spawner call (<c>/v1/spawner/{call}</c>) with the call's name and its body; unset calls answer 404.</summary>
    public Func<HttpContext, string, JsonElement, Task>? OnSpawner { get; set; }

    /// <summary>The idempotency key of each launch attempt, in order.</summary>
    public ConcurrentQueue<string> LaunchKeys { get; } = new();

    public int StatusCalls => _statusCalls;

    private int _statusCalls;

    public static async Task<FaultyPlugin> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FaultyPlugin? plugin = null;
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != "Bearer " + Secret)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new { error = "wrong secret" });
                return;
            }
            await next(context);
        });
        app.MapGet("/v1/handshake", () => (plugin!.EngineCalls, plugin.SpawnerCalls) switch
        {
            (_, { } spawner) => Results.Json(new { protocols = plugin.Protocols, engine = "faulty", hosts = new { spawner = new { @class = "Faulty", calls = spawner } } }),
            ({ } calls, _) => Results.Json(new { protocols = plugin.Protocols, engine = "faulty", engine_calls = calls }),
            _ => Results.Json(new { protocols = plugin.Protocols, engine = "faulty" }),
        });
        app.MapPost("/v1/jobs/find", async (HttpContext context) =>
        {
            Interlocked.Increment(ref plugin!._findCalls);
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            if (plugin.OnFind is not { } answer)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new { error = "no such call: POST /v1/jobs/find" });
                return;
            }
            await answer(context, body.RootElement.GetProperty("key").GetString()!);
        });
        app.MapPost("/v1/jobs/launch", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var key = body.RootElement.GetProperty("idempotency_key").GetString()!;
            plugin!.LaunchKeys.Enqueue(key);
            if (plugin.OnLaunch is { } answer)
            {
                await answer(context, plugin.LaunchKeys.Count);
                return;
            }
            await context.Response.WriteAsJsonAsync(new { id = key, state = "{\"key\":\"" + key + "\"}" });
        });
        app.MapPost("/v1/jobs/status", async (HttpContext context) =>
        {
            var attempt = Interlocked.Increment(ref plugin!._statusCalls);
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            if (plugin.OnStatus is { } answer)
            {
                await answer(context, attempt);
                return;
            }
            var count = body.RootElement.GetProperty("jobs").GetArrayLength();
            await context.Response.WriteAsJsonAsync(new { statuses = Enumerable.Repeat(new { phase = "running", host = "127.0.0.1", port = 1 }, count) });
        });
        app.MapPost("/v1/spawner/{call}", async (HttpContext context, string call) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            if (plugin!.OnSpawner is not { } answer)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new { error = "no spawner here" });
                return;
            }
            await answer(context, call, body.RootElement.Clone());
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        plugin = new FaultyPlugin(app, new Uri(address.TrimEnd('/') + "/"));
        return plugin;
    }

    /// <summary>An engine reaching this plug-in with one retry; tests of hangs make it impatient (<paramref name="timeout"/>).</summary>
    public Greyhub.Abstractions.Compute.IComputeEngine Engine(TimeSpan? timeout = null) => PythonEngine.Build("faulty", o =>
    {
        o.Url = Url;
        o.Secret = Secret;
        // Patient enough for a first answer on a loaded machine (the server's code is compiled on first use).
        o.Timeout = timeout ?? TimeSpan.FromSeconds(20);
        o.Retries = 1;
        o.RetryDelay = TimeSpan.FromMilliseconds(10);
    });

    /// <summary>A spawner reaching this plug-in with one retry.</summary>
    public RemoteSpawner Spawner()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddRemoteSpawner("faulty", o =>
        {
            o.Url = Url;
            o.Secret = Secret;
            o.Timeout = TimeSpan.FromSeconds(20);
            o.Retries = 1;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
        });
        return services.BuildServiceProvider().GetRequiredService<RemoteSpawner>();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Zarr.Tests;

/// <summary>A static file server on Kestrel (127.0.0.1, a free port) that fails requests the way a loaded server does:
/// 5xx statuses, connections reset before the headers, bodies cut short.</summary>
internal sealed class FaultyFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private int _requests;
    private int _faults;

    private FaultyFileServer(string root, Func<string, int, Fault> inject)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        var full = Path.GetFullPath(root) + Path.DirectorySeparatorChar;
        _app.Run(async context =>
        {
            Interlocked.Increment(ref _requests);
            var relative = Uri.UnescapeDataString(context.Request.Path.Value!.TrimStart('/'));
            var path = Path.GetFullPath(Path.Combine(full, relative));
            if (!path.StartsWith(full, StringComparison.Ordinal) || !File.Exists(path))
            {
                context.Response.StatusCode = 404;
                return;
            }
            var fault = inject(relative, _attempts.AddOrUpdate($"{context.Request.Method} {relative}", 1, (_, n) => n + 1));
            if (fault != Fault.None)
            {
                Interlocked.Increment(ref _faults);
            }
            var data = await File.ReadAllBytesAsync(path, context.RequestAborted);
            switch (fault)
            {
                case Fault.Status403 or Fault.Status502 or Fault.Status503:
                    context.Response.StatusCode = fault == Fault.Status403 ? 403 : fault == Fault.Status502 ? 502 : 503;
                    return;
                case Fault.ResetBeforeHeaders:
                    context.Abort();
                    return;
                case Fault.CutBody when HttpMethods.IsGet(context.Request.Method) && data.Length > 1:
                    context.Response.ContentLength = data.Length;
                    await context.Response.Body.WriteAsync(data.AsMemory(0, data.Length / 2), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    context.Abort();
                    return;
            }
            context.Response.ContentLength = data.Length;
            if (HttpMethods.IsGet(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(data, context.RequestAborted);
            }
        });
    }

    /// <summary>What a loaded server does now and then.</summary>
    public enum Fault
    {
        None,
        Status403,
        Status502,
        Status503,
        ResetBeforeHeaders,
        CutBody,
    }

    public Uri BaseUri { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    public int Faults => Volatile.Read(ref _faults);

    /// <summary>Starts serving <paramref name="root"/>; <paramref name="inject"/> picks a fault from the file and the
    /// attempt number (1 for the first request of that method and file).</summary>
    public static async Task<FaultyFileServer> StartAsync(string root, Func<string, int, Fault> inject, CancellationToken cancellationToken)
    {
        var server = new FaultyFileServer(root, inject);
        await server._app.StartAsync(cancellationToken);
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUri = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Proxy.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 behind the proxy: a WebSocket request gets its messages echoed, <c>/status/{code}</c>
/// answers that status, anything else answers <c>{name} {method} {path+query}</c> with the request's headers echoed
/// as <c>X-Seen-*</c>.
/// </summary>
public sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestUpstream(WebApplication app, string name)
    {
        _app = app;
        Name = name;
    }

    public string Name { get; }

    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<TestUpstream> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.UseWebSockets();
        // One terminal handler (endpoints would run after it): a WebSocket echo, a status page, or the echo of the request.
        app.Run(async context =>
        {
            if (context.WebSockets.IsWebSocketRequest)
            {
                await EchoAsync(context);
                return;
            }
            var path = context.Request.Path.Value ?? "";
            if (path.StartsWith("/status/", StringComparison.Ordinal) && int.TryParse(path["/status/".Length..], out var code))
            {
                context.Response.StatusCode = code;
                await context.Response.WriteAsync($"status page {code}");
                return;
            }
            foreach (var header in new[] { "Host", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP", "X-Scheme", "Forwarded" })
            {
                context.Response.Headers["X-Seen-" + header] = context.Request.Headers[header].ToString();
            }
            using var body = new StreamReader(context.Request.Body, Encoding.UTF8);
            var text = await body.ReadToEndAsync(context.RequestAborted);
            await context.Response.WriteAsync($"{name} {context.Request.Method} {context.Request.Path}{context.Request.QueryString}{(text.Length > 0 ? " " + text : "")}");
        });
        await app.StartAsync();
        return new TestUpstream(app, name);
    }

    private static async Task EchoAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A standalone proxy (<see cref="ProxyHost"/>) on 127.0.0.1 with free ports, as <c>greyhub proxy</c> runs it.</summary>
public static class StandaloneProxy
{
    public const string Token = "test-token-0123456789";

    public static async Task<ProxyHost> StartAsync(Uri? defaultTarget = null, string token = Token, params string[] config)
    {
        var settings = new ProxyHostSettings { Ip = "127.0.0.1", Port = 0, ApiIp = "127.0.0.1", ApiPort = 0, DefaultTarget = defaultTarget };
        settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", token));
        settings.Configuration.Add(new("Logging:LogLevel:Default", "Warning"));
        foreach (var entry in config)
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            settings.Configuration.Add(new(entry[..equals], entry[(equals + 1)..]));
        }
        return await ProxyHost.StartAsync(settings, TestContext.Current.CancellationToken);
    }

    /// <summary>A client of the proxy's API, with the token unless told otherwise.</summary>
    public static HttpClient Api(ProxyHost proxy, string? token = Token)
    {
        var client = new HttpClient { BaseAddress = proxy.ApiAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "token " + token);
        }
        return client;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Proxy.Tests;

/// <summary>What the standalone proxy logs at Debug about hostile API calls: never a token, never a forged line.</summary>
public sealed class ProxyLogHygieneTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Refused_api_calls_log_neither_tokens_nor_forged_lines()
    {
        var capture = new LogLines();
        var settings = new ProxyHostSettings { Ip = "127.0.0.1", Port = 0, ApiIp = "127.0.0.1", ApiPort = 0, ConfigureServices = s => s.AddSingleton<ILoggerProvider>(capture) };
        settings.Configuration.Add(new("Greyhub:Proxy:ApiToken", StandaloneProxy.Token));
        settings.Configuration.Add(new("Logging:LogLevel:Default", "Debug"));
        await using var proxy = await ProxyHost.StartAsync(settings, Ct);
        using var api = StandaloneProxy.Api(proxy, token: null);
        foreach (var (authorization, uri) in new[] { ("token " + StandaloneProxy.Token + "-almost", "api/routes/x%0D%0AFORGED%20line"), ("Bearer " + StandaloneProxy.Token, "api/routes"), ("token secret-guess", "api/routes/%1B[31m") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent("""{"target": "http://127.0.0.1:1"}""", Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await api.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.NotEmpty(capture.Lines);
        foreach (var line in capture.Lines)
        {
            Assert.DoesNotContain(StandaloneProxy.Token, line, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-guess", line, StringComparison.Ordinal);
            Assert.False(line.AsSpan().ContainsAnyInRange('\0', '\x1F'), $"a control character in the log line '{line}'");
        }
    }

    private sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                lines.Enqueue($"{formatter(state, exception)} {properties} {exception}");
            }
        }
    }
}

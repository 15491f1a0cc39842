using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Tests;

/// <summary>Checks shared by the strict client and the upstream's view of requests.</summary>
internal static class BareLineEnds
{
    /// <summary>Fails when <paramref name="text"/> holds a CR or LF that is not part of a CRLF.</summary>
    public static void Refuse(string text, string what)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var bare = text[i] == '\r' ? i + 1 >= text.Length || text[i + 1] != '\n' : text[i] == '\n' && (i == 0 || text[i - 1] != '\r');
            Assert.False(bare, $"Bare CR or LF in a {what}: {text.ReplaceLineEndings("⏎")}");
        }
    }
}

/// <summary>Keeps a hub's error-level log lines (an unhandled exception must never be one).</summary>
public sealed class ErrorLogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _errors = new();

    /// <summary>Error and critical lines so far: category, message and exception.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                capture._errors.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}

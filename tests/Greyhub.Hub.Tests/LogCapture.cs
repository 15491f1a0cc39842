using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Tests;

/// <summary>Keeps every log line a hub writes (message, properties and exception), for tests of what must never be logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, EventId Id, string Text)> _lines = new();

    /// <summary>Every line so far.</summary>
    public IReadOnlyList<(string Category, EventId Id, string Text)> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The properties too: a structured sink stores them even when the message leaves one out.
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            capture._lines.Enqueue((category, eventId, $"{formatter(state, exception)} {properties} {exception}"));
        }
    }
}

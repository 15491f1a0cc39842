using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Login;

/// <summary>
/// Limits failed logins per user name and per client address in a sliding window, so passwords cannot be
/// guessed at speed. Successful logins clear the user name's record.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time, IOptions<HubOptions> options)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly AuthenticatorOptions _options = options.Value.Authenticator;

    /// <summary>Seconds to wait before another try, or null when a try is allowed.</summary>
    public int? RetryAfter(string userName, string client)
    {
        var now = time.GetUtcNow();
        var wait = Math.Max(Wait(UserKey(userName), now, _options.FailedLoginLimit), Wait(ClientKey(client), now, _options.FailedLoginLimit * 4));
        return wait > 0 ? wait : null;
    }

    public void Failed(string userName, string client)
    {
        var now = time.GetUtcNow();
        Record(UserKey(userName), now);
        Record(ClientKey(client), now);
        if (_failures.Count > 50_000)
        {
            _failures.Clear();
        }
    }

    public void Succeeded(string userName) => _failures.TryRemove(UserKey(userName), out _);

    private static string UserKey(string userName) => "u:" + userName;

    private static string ClientKey(string client) => "c:" + client;

    private int Wait(string key, DateTimeOffset now, int limit)
    {
        if (!_failures.TryGetValue(key, out var queue))
        {
            return 0;
        }
        lock (queue)
        {
            while (queue.Count > 0 && now - queue.Peek() > _options.FailedLoginWindow)
            {
                queue.Dequeue();
            }
            return queue.Count < limit ? 0 : (int)Math.Ceiling((_options.FailedLoginWindow - (now - queue.Peek())).TotalSeconds);
        }
    }

    private void Record(string key, DateTimeOffset now)
    {
        var queue = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            queue.Enqueue(now);
            while (queue.Count > 100)
            {
                queue.Dequeue();
            }
        }
    }
}

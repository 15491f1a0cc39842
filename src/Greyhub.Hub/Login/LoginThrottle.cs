using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Login;

/// <summary>
/// Limits failed logins per user name and per client address in a sliding window, so passwords cannot be
/// guessed at speed. Successful logins clear the user name's record.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time, IOptions<HubOptions> options)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private const int MaxRecords = 50_000;
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
        if (_failures.Count > MaxRecords)
        {
            Prune(now);
        }
    }

    public void Succeeded(string userName) => _failures.TryRemove(UserKey(userName), out _);

    private static string UserKey(string userName) => "u:" + userName;

    private static string ClientKey(string client) => "c:" + ClientNetwork(client);

    /// <summary>
    /// An IPv6 client holds a whole /64 (privacy addresses, SLAAC): counted per /64, as one client, or a new address
    /// each try would escape the limit. An IPv4 address seen on a dual-stack socket counts as that IPv4 address.
    /// </summary>
    private static string ClientNetwork(string client)
    {
        if (!IPAddress.TryParse(client, out var address))
        {
            return client;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>
    /// Bounds memory: records whose failures all left the window go. Forgetting everyone (as before) let a flood of
    /// new names and addresses wipe the record of the account under attack.
    /// </summary>
    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, queue) in _failures)
        {
            bool expired;
            lock (queue)
            {
                expired = queue.Count == 0 || now - queue.Last() > _options.FailedLoginWindow;
            }
            if (expired)
            {
                _failures.TryRemove(new KeyValuePair<string, Queue<DateTimeOffset>>(key, queue));
            }
        }
        if (_failures.Count > MaxRecords)
        {
            // Still too many live records: memory comes first.
            _failures.Clear();
        }
    }

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

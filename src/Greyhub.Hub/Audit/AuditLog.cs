using System.Threading.Channels;
using Greyhub.Data;
using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Audit;

/// <summary>
/// Where features record audited actions. Recording only queues the entry (no I/O, no lock beyond the channel's):
/// <see cref="AuditWriter"/> writes the queue to the database in batches, and drains it when the hub stops cleanly.
/// </summary>
internal sealed class AuditLog(IOptions<AuditOptions> options, TimeProvider time)
{
    private readonly Channel<AuditRecord> _queue = Channel.CreateBounded<AuditRecord>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private long _dropped;

    internal ChannelReader<AuditRecord> Reader => _queue.Reader;

    /// <summary>Records an action caused by <paramref name="actor"/>.</summary>
    public void Record(string action, AuditActor actor, string? user = null, string? target = null, string? detail = null, string? address = null)
    {
        var entry = new AuditRecord(0, time.GetUtcNow().UtcDateTime, action, actor.Kind, actor.Name, user, target, address, detail);
        if (!_queue.Writer.TryWrite(entry))
        {
            // Full (the database does not keep up) or completed (the hub has stopped): counted, logged by the writer.
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Records an action of the request's caller, with the client's address.</summary>
    public void Record(HttpContext context, string action, string? user = null, string? target = null, string? detail = null) =>
        Record(action, AuditActor.Of(context.Caller()), user, target, detail, AddressOf(context));

    /// <summary>The client's address (after the trusted proxies' forwarded headers were applied).</summary>
    public static string? AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    /// <summary>How many entries were dropped since the last call.</summary>
    internal long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>No more entries: the writer drains what is queued and ends.</summary>
    internal void Complete() => _queue.Writer.TryComplete();
}

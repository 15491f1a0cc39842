using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Proxy;

/// <summary>
/// Moves a hub request from the socket thread it arrived on to the thread pool, and keeps it there across request body
/// reads: with inline scheduling, a read that waits for the network resumes on the socket thread that received the
/// data, and a login's password check must not run there.
/// </summary>
internal static class ThreadPoolHop
{
    /// <summary>Continues on a thread-pool thread.</summary>
    public static async ValueTask EnterAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            request.Body = new HopBackStream(request.Body);
        }
        await Task.Yield();
    }

    /// <summary>A request body whose reads that had to wait return on the thread pool.</summary>
    private sealed class HopBackStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = inner.ReadAsync(buffer, cancellationToken);
            return read.IsCompleted ? read : HopAsync(read);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static async ValueTask<int> HopAsync(ValueTask<int> read)
        {
            var count = await read.ConfigureAwait(false);
            await Task.Yield();
            return count;
        }
    }
}

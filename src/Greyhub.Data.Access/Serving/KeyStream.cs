using Microsoft.Win32.SafeHandles;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// A read-only stream over one open key, <see cref="Length"/> fixed at what its descriptor's stat said: ASP.NET's
/// file result reads it for every size, range and HEAD, so what is served is always the file that was checked. Reads
/// are positional (<c>pread</c>) and synchronous (the page cache answers; no thread hop per block). A file that grows
/// is served up to its checked length; one that shrinks ends early, and the server then breaks the response rather
/// than pad it.
/// </summary>
internal sealed class KeyStream(SafeFileHandle handle, long length) : Stream
{
    private long _position;

    public override bool CanRead => !handle.IsClosed;

    public override bool CanSeek => !handle.IsClosed;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, Math.Max(0, length - _position));
        if (want == 0)
        {
            return 0;
        }
        var read = NativeFiles.ReadAt(handle, buffer[..want], _position);
        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<int>(cancellationToken) : ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }
        base.Dispose(disposing);
    }
}

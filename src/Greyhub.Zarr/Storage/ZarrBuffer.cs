using System.Buffers;

namespace Greyhub.Zarr.Storage;

/// <summary>Pooled buffers for store values.</summary>
public static class ZarrBuffer
{
    /// <summary>Rents a buffer of exactly <paramref name="length"/> bytes from the shared pool; dispose to return it.</summary>
    public static IMemoryOwner<byte> Rent(int length) => new Pooled(length);

    /// <summary>Wraps memory that is not pooled (disposing does nothing).</summary>
    public static IMemoryOwner<byte> Wrap(Memory<byte> memory) => new Unpooled(memory);

    /// <summary>Copies <paramref name="data"/> into a pooled buffer.</summary>
    public static IMemoryOwner<byte> Copy(ReadOnlySpan<byte> data)
    {
        var owner = Rent(data.Length);
        data.CopyTo(owner.Memory.Span);
        return owner;
    }

    private sealed class Pooled(int length) : IMemoryOwner<byte>
    {
        private byte[]? _array = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));

        public Memory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(ZarrBuffer))).AsMemory(0, length);

        public void Dispose()
        {
            var a = Interlocked.Exchange(ref _array, null);
            if (a is not null)
            {
                ArrayPool<byte>.Shared.Return(a);
            }
        }
    }

    private sealed class Unpooled(Memory<byte> memory) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => memory;

        public void Dispose() { }
    }
}

/// <summary>An <see cref="IBufferWriter{T}"/> over pooled arrays.</summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _count;

    public PooledBufferWriter(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));

    public int Count => _count;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _count);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _count);

    public void Clear() => _count = 0;

    public void Advance(int count)
    {
        if (count < 0 || _count + count > _buffer.Length)
        {
            throw new InvalidOperationException("advanced past the buffer");
        }
        _count += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_count);
    }

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _count >= sizeHint)
        {
            return;
        }
        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_count + sizeHint));
        if (size - _count < sizeHint)
        {
            throw new ZarrException("buffer would exceed the largest array size");
        }
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _count).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }
}

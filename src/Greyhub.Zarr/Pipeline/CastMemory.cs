using System.Buffers;
using System.Runtime.InteropServices;

namespace Greyhub.Zarr.Pipeline;

/// <summary>Views a <see cref="Memory{T}"/> of unmanaged elements as bytes (so bytes can cross awaits).</summary>
internal sealed class CastMemory<T>(Memory<T> memory) : MemoryManager<byte> where T : unmanaged
{
    private MemoryHandle _handle;

    public static Memory<byte> AsBytes(Memory<T> memory) => typeof(T) == typeof(byte)
        ? (Memory<byte>)(object)memory
        : new CastMemory<T>(memory).Memory;

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(memory.Span);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        _handle = memory.Pin();
        unsafe
        {
            return new MemoryHandle((byte*)_handle.Pointer + elementIndex);
        }
    }

    public override void Unpin() => _handle.Dispose();

    protected override void Dispose(bool disposing) { }
}
